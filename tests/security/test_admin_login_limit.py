"""Console sign-in attempts are limited per address, counted in the shared Redis (so every web
worker sees the same count), and one address's lock-out does not lock out another."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from gateway.core.limits import limiter
from tests.admin.conftest import PASSWORD, create_user, csrf_of


def _attempt(client: FlaskClient, address: str, password: str) -> int:
    env = {"REMOTE_ADDR": address}
    token = csrf_of(client.get("/admin/login", environ_base=env).get_data(as_text=True))
    response = client.post("/admin/login", environ_base=env,
                           data={"username": "amina", "password": password, "csrf_token": token})
    return response.status_code


def test_sign_in_is_limited_per_address_across_web_workers(make_app) -> None:  # type: ignore[no-untyped-def]
    first: Flask = make_app(RATELIMIT_ENABLED=True)
    second: Flask = make_app(RATELIMIT_ENABLED=True)  # another web worker on the same Redis
    create_user(first, "amina")
    attacker = "203.0.113.7"
    codes = [_attempt(first.test_client(), attacker, f"guess{i}") for i in range(3)]
    codes += [_attempt(second.test_client(), attacker, f"guess{i}") for i in range(3, 6)]
    assert codes == [401] * 5 + [429]
    counted = first.extensions["bodega"].redis.keys(f"*bodega:limits/{attacker}/admin.login*")
    assert counted, "the count must live in the shared Redis"

    assert _attempt(second.test_client(), "198.51.100.20", PASSWORD) == 302  # someone else signs in


def test_sign_in_still_works_and_is_still_limited_with_redis_down(make_app, private_redis) -> None:  # type: ignore[no-untyped-def]
    """Redis gone: the limit falls back to counting in the web process instead of a 500 page."""
    app: Flask = make_app(RATELIMIT_ENABLED=True, REDIS_URL=private_redis.url)
    create_user(app, "amina")
    private_redis.kill()
    try:
        assert _attempt(app.test_client(), "192.0.2.1", PASSWORD) == 302
        codes = [_attempt(app.test_client(), "192.0.2.2", f"guess{i}") for i in range(6)]
        assert codes == [401] * 5 + [429]
    finally:
        # The limiter is one object per process; a web process would find its Redis again by
        # itself, but the next test's app must not start in this one's fallback mode.
        limiter._storage_dead = False


def test_behind_a_proxy_each_client_has_its_own_count(make_app) -> None:  # type: ignore[no-untyped-def]
    """With TRUSTED_PROXIES=1 the address is the one the proxy forwarded, not the proxy's own:
    an attacker behind the proxy is limited without locking out everyone else behind it."""
    app: Flask = make_app(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)
    create_user(app, "amina")
    proxy = "10.0.0.2"

    def via_proxy(client_address: str, password: str) -> int:
        client = app.test_client()
        env = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": client_address}
        token = csrf_of(client.get("/admin/login", environ_base=env).get_data(as_text=True))
        return client.post("/admin/login", environ_base=env, data={
            "username": "amina", "password": password, "csrf_token": token}).status_code

    codes = [via_proxy("203.0.113.9", f"guess{i}") for i in range(6)]
    assert codes == [401] * 5 + [429]
    assert via_proxy("198.51.100.30", PASSWORD) == 302
