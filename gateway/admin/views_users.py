"""Console accounts for admins: who can sign in, disable or enable one, set a new password.

Glue: every rule (the password policy, the last enabled admin, the audit entry) lives in
``gateway.admin.accounts``; a refusal is shown as a flash message and changes nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.admin import accounts, listings
from gateway.admin.auth import admin_only, me
from gateway.admin.blueprint import bp
from gateway.admin.tx import commit, request_db
from gateway.commerce.models import AdminUser
from gateway.core.errors import BadRequest


@bp.get("/users")
@admin_only
def users() -> ResponseReturnValue:
    db = request_db()
    return render_template("admin/users.html", users=accounts.list_users(db), shops=listings.shop_names(db),
                           myself=me().id)


def _account(user_id: int) -> AdminUser:
    user = request_db().get(AdminUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/disabled")
@admin_only
def user_disabled(user_id: int) -> ResponseReturnValue:
    db = request_db()
    user = _account(user_id)
    disable = request.form.get("disabled") == "1"
    if disable and user.id == me().id:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for("admin.users"))
    try:
        accounts.set_disabled(db, user, disable, me().actor)
    except BadRequest as exc:
        db.rollback()
        flash(f"Not changed: {exc}.", "error")
    else:
        commit(db)
        flash(f"{user.username} is {'disabled' if disable else 'enabled'}.", "info")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@admin_only
def user_password(user_id: int) -> ResponseReturnValue:
    db = request_db()
    user = _account(user_id)
    try:
        accounts.reset_password(db, user, request.form.get("password", ""), me().actor)
    except BadRequest as exc:
        db.rollback()
        flash(f"Password not changed: {exc}.", "error")
        return redirect(url_for("admin.users"))
    commit(db)
    flash(f"New password set for {user.username}; their other sessions are signed out.", "info")
    if user.id == me().id:
        return redirect(url_for("admin.login"))
    return redirect(url_for("admin.users"))
