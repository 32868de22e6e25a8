"""Signing in: Argon2id accounts from the CLI, CSRF on every form, rate limit, roles, headers."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.models import AdminUser
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from tests.admin.conftest import PASSWORD, create_user, csrf_of, form_token, sign_in


def test_create_user_stores_an_argon2id_hash(app: Flask, rt: Runtime) -> None:
    create_user(app, "amina")
    with session_scope(rt.sessions) as db:
        user = db.scalar(select(AdminUser).where(AdminUser.username == "amina"))
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert user.role == "admin"


def cli(app: Flask, *args: str, stdin: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["admin", "create-user", *args], input=stdin)


def test_create_user_refuses_an_empty_password(app: Flask, rt: Runtime) -> None:
    result = cli(app, "amina", "--password-stdin", stdin="\n")
    assert result.exit_code == 1
    assert "password is empty" in result.output
    with session_scope(rt.sessions) as db:
        assert db.scalar(select(AdminUser)) is None


def test_create_user_refuses_a_duplicate_and_staff_without_shop(app: Flask) -> None:
    create_user(app, "amina")
    again = cli(app, "AMINA", "--password-stdin", stdin="x\n")
    assert again.exit_code == 1 and "already exists" in again.output
    staff = cli(app, "kim", "--password-stdin", "--role", "staff", stdin="pw\n")
    assert staff.exit_code == 1 and "--shop" in staff.output


def test_pages_need_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/orders")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_sign_in_and_out(app: Flask, client: FlaskClient) -> None:
    create_user(app, "amina")
    sign_in(client, "amina")
    assert client.get("/admin/").status_code == 200
    token = form_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused(app: Flask, client: FlaskClient) -> None:
    create_user(app, "amina")
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    form = {"username": "amina", "password": "nope", "csrf_token": token}
    response = client.post("/admin/login", data=form)
    assert response.status_code == 401
    assert b"Wrong name or password" in response.data
    assert client.get("/admin/").status_code == 302


def test_post_without_csrf_token_is_400(app: Flask, client: FlaskClient) -> None:
    create_user(app, "amina")
    response = client.post("/admin/login", data={"username": "amina", "password": PASSWORD})
    assert response.status_code == 400
    sign_in(client, "amina")
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200  # still signed in: the forged logout did nothing


def test_webhooks_need_no_csrf_token(client: FlaskClient) -> None:
    form = {
        "sessionId": "ATUid_x1",
        "phoneNumber": "+254711000111",
        "networkCode": "63902",
        "serviceCode": "*384*123#",
        "text": "",
    }
    assert client.post("/hooks/africastalking/ussd", data=form).status_code == 200


def test_login_is_rate_limited(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(RATELIMIT_ENABLED=True)
    create_user(app, "amina")
    client = app.test_client()
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    codes = [
        client.post(
            "/admin/login", data={"username": "amina", "password": f"guess{i}", "csrf_token": token}
        ).status_code
        for i in range(6)
    ]
    assert codes == [401] * 5 + [429]
    right = client.post("/admin/login", data={"username": "amina", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429  # even the right password waits out the limit


def test_security_headers_and_cookie_flags(app: Flask, client: FlaskClient) -> None:
    create_user(app, "amina")
    response = client.get("/admin/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"]
    token = csrf_of(response.get_data(as_text=True))
    form = {"username": "amina", "password": PASSWORD, "csrf_token": token}
    signed = client.post("/admin/login", data=form)
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_simulator_absent(database_url: str, redis_url: str) -> None:
    from gateway.app import create_app

    app = create_app(
        "production",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="p" * 40,
        WEBHOOK_SECRET="w" * 40,
        SMS_PROVIDER="console",
    )
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        client = app.test_client()
        assert client.get("/simulator").status_code == 404
        assert "Strict-Transport-Security" in client.get("/admin/login").headers
    finally:
        app.extensions["bodega"].engine.dispose()


def test_a_new_password_signs_old_sessions_out(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    create_user(app, "amina")
    sign_in(client, "amina")
    from gateway.admin.accounts import hash_password

    with session_scope(rt.sessions) as db:
        user = db.scalar(select(AdminUser).where(AdminUser.username == "amina"))
        assert user is not None
        user.password_hash = hash_password("a new one")
    assert client.get("/admin/").status_code == 302


def test_sign_in_returns_to_the_console_page_asked_for_never_elsewhere(
    app: Flask, client: FlaskClient
) -> None:
    create_user(app, "amina")
    asked = client.get("/admin/orders?status=placed")
    assert "next=" in asked.headers["Location"]
    for target, landing in (
        ("/admin/orders?status=placed", "/admin/orders?status=placed"),
        ("//evil.example/admin", "/admin/"),
        ("https://evil.example/", "/admin/"),
        ("/admin/orders\r\nSet-Cookie: x=1", "/admin/"),  # was a 500, and the sign-in was lost
        ("/admin\nLocation: https://evil.example/", "/admin/"),
        ("/admin\\..\\evil", "/admin/"),
        ("/admin/x\x00y", "/admin/"),
        ("/admin/ orders", "/admin/"),
    ):
        token = csrf_of(client.get("/admin/login").get_data(as_text=True))
        form = {"username": "amina", "password": PASSWORD, "csrf_token": token, "next": target}
        response = client.post("/admin/login", data=form)
        assert response.status_code == 302, target
        assert response.headers["Location"] == landing


def test_templates_keep_to_the_content_security_policy(root) -> None:  # type: ignore[no-untyped-def]
    """No inline script, style or event handler: the CSP (no 'unsafe-inline') would block them."""
    templates = sorted((root / "gateway" / "admin" / "templates").rglob("*.html"))
    assert len(templates) > 10
    for path in templates:
        text = path.read_text(encoding="utf-8").lower()
        # A script from the app's own static files is allowed (script-src 'self'); inline ones are not.
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), f"{path.name} has an inline script"
        for banned in (
            " style=",
            "<style",
            " onclick=",
            " onsubmit=",
            " onchange=",
            "javascript:",
        ):
            assert banned not in text, f"{path.name} has {banned.strip()}"
