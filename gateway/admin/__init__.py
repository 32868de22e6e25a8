"""The admin console at ``/admin/``: server-rendered pages over the record.

``init_admin(app)`` wires sign-in (Flask-Login, Argon2id), CSRF on every form outside
``/hooks/``, the login rate limit and the security headers, then registers the pages.
"""

from __future__ import annotations

from flask import Flask

from gateway.admin import (  # noqa: F401 - importing registers the pages on the blueprint
    auth,
    formatting,
    security,
    tx,
    views_activity,
    views_catalog,
    views_money,
    views_orders,
    views_shop_terms,
    views_users,
)
from gateway.admin.blueprint import bp
from gateway.admin.commands import admin_cli
from gateway.core.limits import init_limits


def init_admin(app: Flask, production: bool, simulator: bool) -> None:
    """Register the console on ``app``; ``simulator`` adds the phone simulator link to the nav."""
    # The blueprint's hooks first: the catalog upload raises the body limit before CSRF reads it.
    app.register_blueprint(bp)
    security.install(app, production)
    tx.install(app)
    formatting.install(app, app.extensions["bodega"].settings.TIMEZONE)
    auth.install(app)
    init_limits(app, str(app.extensions["bodega"].settings.REDIS_URL))
    app.cli.add_command(admin_cli)
    app.jinja_env.globals["simulator_enabled"] = simulator
