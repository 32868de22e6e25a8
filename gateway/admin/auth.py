"""Signing in and out of the console, and who may see what.

Admins see everything; staff see only their own shop's orders and products (enforced in the
queries through ``Viewer.shop_scope``; a page that is admin-only answers 403 to staff).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from gateway.admin import accounts
from gateway.admin.blueprint import bp
from gateway.admin.tx import commit, request_db
from gateway.commerce.models import AdminUser
from gateway.core.limits import limiter

log = logging.getLogger(__name__)
login_manager = LoginManager()
login_manager.login_view = "admin.login"
login_manager.login_message = "Please sign in."
login_manager.session_protection = "basic"

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, detached from any database session."""

    id: int
    username: str
    role: str
    shop_id: int | None
    token: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.token

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """How the audit trail names this person."""
        return f"admin:{self.username}"

    @property
    def shop_scope(self) -> int | None:
        """None for admins (every shop); staff get their shop (-1, matching nothing, if unset)."""
        if self.is_admin:
            return None
        return self.shop_id if self.shop_id is not None else -1


def viewer_of(user: AdminUser) -> Viewer:
    return Viewer(user.id, user.username, user.role, user.shop_id, accounts.session_token(user))


def me() -> Viewer:
    """The signed-in viewer (only inside ``login_required`` views)."""
    return cast(Viewer, current_user._get_current_object())


def admin_only(view: View) -> View:
    """Sign-in required, and staff are refused with 403."""
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not me().is_admin:
            abort(403)
        return view(*args, **kwargs)
    return cast(View, wrapper)


def install(app: Flask) -> None:
    login_manager.init_app(app)

    @login_manager.user_loader
    def _load(token: str) -> Viewer | None:
        user = accounts.user_for_token(request_db(), token)
        return viewer_of(user) if user is not None else None


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a plain local console path (``/admin/...``), else None: no scheme or
    host (``//evil``, ``https:``), no backslash, and no CR, LF or other control character or space
    (a CR/LF once made the redirect a 500 and lost the sign-in)."""
    if not target or not target.startswith("/admin") or target.startswith("//") or "\\" in target:
        return None
    if not target.isprintable() or any(c.isspace() for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _login_name_key() -> str:
    return "login-name:" + request.form.get("username", "").strip().lower()[:60]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
@limiter.limit("20 per hour", methods=["POST"], key_func=_login_name_key)
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("admin/login.html", next=request.args.get("next", ""))
    name = request.form.get("username", "")
    db = request_db()
    user = accounts.authenticate(db, name, request.form.get("password", ""))
    if user is None:
        log.warning("console sign-in refused for %r from %s", name[:60], request.remote_addr)
        flash("Wrong name or password.", "error")
        return render_template("admin/login.html", next=request.form.get("next", "")), 401
    if user.disabled_at is not None:
        log.warning("console sign-in refused for disabled account %r from %s", user.username,
                    request.remote_addr)
        flash("This account is disabled. Ask an admin to enable it.", "error")
        return render_template("admin/login.html", next=""), 403
    viewer = viewer_of(user)
    commit(db)  # a rehashed password is saved
    session.clear()  # a fresh session on sign-in: nothing from before survives
    login_user(viewer)
    home = url_for("admin.dashboard") if viewer.is_admin else url_for("admin.orders")
    return redirect(_safe_next(request.form.get("next")) or home)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("admin.login"))


@bp.errorhandler(429)
def _too_many(_exc: Exception) -> ResponseReturnValue:
    flash("Too many sign-in attempts. Wait a minute and try again.", "error")
    return render_template("admin/login.html", next=""), 429
