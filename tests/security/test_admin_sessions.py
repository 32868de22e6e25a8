"""A stolen console session does not last: its cookie is refused once PERMANENT_SESSION_LIFETIME
has passed since it was issued, and signing out or a new password ends it sooner."""

from __future__ import annotations

import time

from flask import Flask

from tests.admin.conftest import create_user, sign_in


def test_a_copied_session_cookie_expires(make_app) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(PERMANENT_SESSION_LIFETIME=1)
    create_user(app, "amina")
    owner = sign_in(app.test_client(), "amina")
    assert owner.get("/admin/orders").status_code == 200
    cookie = owner.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/orders").status_code == 200  # the copy works at first...
    time.sleep(2.1)
    refused = thief.get("/admin/orders")
    assert refused.status_code == 302 and "/admin/login" in refused.headers["Location"]  # ...not for long


def test_the_default_session_lifetime_is_hours_not_weeks(app: Flask) -> None:
    assert 0 < app.permanent_session_lifetime.total_seconds() <= 24 * 3600
