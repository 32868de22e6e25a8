"""Console accounts run for real: the password policy, list/disable/reset from the CLI, the
admins' Accounts page, the audit trail, and a disabled account kept out."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.admin.passwords import check_password, is_common
from gateway.commerce.models import AdminUser, AuditEntry
from gateway.core.db import session_scope
from gateway.core.errors import BadRequest
from gateway.core.runtime import Runtime
from tests.admin.conftest import PASSWORD, create_user, csrf_of, form_token, sign_in


def admin(app: Flask, *args: str, stdin: str = ""):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["admin", *args], input=stdin)


def audit(rt: Runtime) -> list[tuple[str, str, str]]:
    with session_scope(rt.sessions) as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action, e.subject) for e in entries]


def test_policy_refuses_short_and_common_passwords_with_a_reason() -> None:
    for weak, reason in (("x", "too short"), ("eleven char", "too short"), ("password1234", "attackers try"),
                         ("Qwertyuiop!!", "attackers try"), ("aaaaaaaaaaaaaaa", "attackers try"),
                         ("   \t ", "empty")):
        try:
            check_password(weak)
        except BadRequest as exc:
            assert reason in str(exc), (weak, exc)
        else:
            raise AssertionError(f"{weak!r} was accepted")
    assert is_common("amina-2026!!", "amina")
    check_password(PASSWORD)
    check_password("tomatoes at the market 7")


def test_create_user_refuses_a_one_character_password_and_stores_nothing(app: Flask, rt: Runtime) -> None:
    result = admin(app, "create-user", "eve", "--password-stdin", stdin="x\n")
    assert result.exit_code == 1
    assert "refused: the password is too short: use at least 12 characters" in result.output
    weak = admin(app, "create-user", "eve", "--password-stdin", stdin="password123456\n")
    assert weak.exit_code == 1 and "attackers try" in weak.output
    with session_scope(rt.sessions) as db:
        assert db.scalar(select(AdminUser)) is None
    assert audit(rt) == []


def test_list_disable_enable_and_reset_from_the_cli_are_audited(app: Flask, rt: Runtime) -> None:
    create_user(app, "amina")
    create_user(app, "kim")
    listed = admin(app, "list-users")
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == ["amina", "kim"]
    assert "active" in listed.output
    assert admin(app, "disable-user", "KIM").output.strip() == "disabled 'kim'"
    assert "disabled 20" in admin(app, "list-users").output
    assert "already disabled" in admin(app, "disable-user", "kim").output
    last = admin(app, "disable-user", "amina")
    assert last.exit_code == 1 and "last enabled admin" in last.output
    assert admin(app, "disable-user", "kim", "--enable").exit_code == 0
    short = admin(app, "reset-password", "kim", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "too short" in short.output
    ok = admin(app, "reset-password", "kim", "--password-stdin", stdin="a brand new passphrase\n")
    assert ok.exit_code == 0, ok.output
    unknown = admin(app, "disable-user", "nobody")
    assert unknown.exit_code == 1 and "no account named 'nobody'" in unknown.output
    assert [a for _, a, s in audit(rt) if s == "account kim"] == [
        "account.create", "account.disable", "account.enable", "account.password"]
    assert {actor for actor, _, _ in audit(rt)} == {"cli"}


def test_a_disabled_account_cannot_sign_in_and_is_signed_out(app: Flask, client: FlaskClient) -> None:
    create_user(app, "amina")
    create_user(app, "kim")
    sign_in(client, "kim")
    assert client.get("/admin/").status_code == 200
    assert admin(app, "disable-user", "kim").exit_code == 0
    assert client.get("/admin/").status_code == 302  # the open session ended
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    form = {"username": "kim", "password": PASSWORD, "csrf_token": token}
    response = client.post("/admin/login", data=form)
    assert response.status_code == 403
    assert b"This account is disabled" in response.data
    assert client.get("/admin/").status_code == 302


def test_admins_manage_accounts_in_the_console(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    create_user(app, "amina")
    create_user(app, "kim")
    sign_in(client, "amina")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'data-user="kim"' in page and "(you)" in page
    with session_scope(rt.sessions) as db:
        kim = db.scalar(select(AdminUser).where(AdminUser.username == "kim"))
        me = db.scalar(select(AdminUser).where(AdminUser.username == "amina"))
        assert kim is not None and me is not None
        kim_id, my_id, old_hash = kim.id, me.id, kim.password_hash
    token = form_token(client, "/admin/users")
    weak = client.post(f"/admin/users/{kim_id}/password", data={"password": "letmein", "csrf_token": token},
                       follow_redirects=True)
    assert "Password not changed: the password is too short" in weak.get_data(as_text=True)
    client.post(f"/admin/users/{kim_id}/disabled", data={"disabled": "1", "csrf_token": token})
    mine = client.post(f"/admin/users/{my_id}/disabled", data={"disabled": "1", "csrf_token": token},
                       follow_redirects=True)
    assert "cannot disable your own account" in mine.get_data(as_text=True)
    client.post(f"/admin/users/{kim_id}/password",
                data={"password": "kim's new long phrase", "csrf_token": token})
    with session_scope(rt.sessions) as db:
        kim = db.get(AdminUser, kim_id)
        me = db.get(AdminUser, my_id)
        assert kim is not None and kim.disabled_at is not None and kim.password_hash != old_hash
        assert me is not None and me.disabled_at is None
    assert [(a, act) for a, act, s in audit(rt) if s == "account kim"][1:] == [
        ("admin:amina", "account.disable"), ("admin:amina", "account.password")]


def test_staff_cannot_see_accounts(app: Flask, client: FlaskClient, demo_catalog: None) -> None:
    create_user(app, "kim", "--role", "staff", "--shop", "1")
    sign_in(client, "kim")
    assert client.get("/admin/users").status_code == 403
