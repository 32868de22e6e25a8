"""``create_app()``: the table of contents of the web process."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from config.log_levels import configure_logging
from config.settings import Settings, load_settings
from gateway.admin import (
    init_admin,
    simulator_sms,  # noqa: F401 - importing registers the shop-owner tab and the polled panels
)
from gateway.admin import simulator as phone_simulator
from gateway.cli.catalog import catalog_cli
from gateway.cli.doctor import doctor
from gateway.cli.shop import shop_cli
from gateway.core.errors import BadRequest, Forbidden
from gateway.core.runtime import bind, build_runtime
from gateway.payments.registry import methods_to_offer
from gateway.transports.sms_routes import parse_routes
from gateway.webhooks import health, payments, sms, sms_delivery, sms_networks, ussd, ussd_networks
from gateway.webhooks.guard import check_key

log = logging.getLogger(__name__)


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    loaded = load_settings(config_name, **overrides)
    settings = dataclasses.replace(loaded, PAYMENT_METHODS=methods_to_offer(loaded))
    app = Flask(__name__)
    app.config.update(settings.flask_config())
    configure_logging(settings.LOG_LEVEL)
    if not settings.WEBHOOK_SECRET:
        log.warning("WEBHOOK_SECRET is not set: /hooks/ accept requests without a key (development only)")
    parse_routes(settings.SMS_ROUTES)  # a malformed route stops the start, not a message
    rt = build_runtime(settings)
    bind(rt)
    app.extensions["bodega"] = rt
    _register_blueprints(app)
    _register_console(app, settings)
    _register_guards(app, settings)
    _register_cli(app)
    _trust_proxies(app, settings.TRUSTED_PROXIES)
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies, take the client's address from X-Forwarded-For (else
    every client looks like the proxy, and one address's sign-in limit locks out everyone)."""
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(ussd.bp)
    app.register_blueprint(ussd_networks.bp)
    app.register_blueprint(sms.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(sms_delivery.bp)
    app.register_blueprint(sms_networks.bp)


def _register_console(app: Flask, settings: Settings) -> None:
    """The admin console, and the phone simulator everywhere but production."""
    simulator = settings.ENV != "production"
    init_admin(app, production=not simulator, simulator=simulator)
    if simulator:
        app.register_blueprint(phone_simulator.bp)


def _register_guards(app: Flask, settings: Settings) -> None:
    secret = settings.WEBHOOK_SECRET

    @app.before_request
    def _webhook_key() -> None:
        if request.path.startswith("/hooks/"):
            check_key(request.args.get("key"), secret)

    @app.errorhandler(BadRequest)
    def _bad_request(exc: BadRequest) -> Response:
        return Response(f"Bad request: {exc}\n", 400, mimetype="text/plain")

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Response:
        return Response(f"Forbidden: {exc}\n", 403, mimetype="text/plain")

    @app.errorhandler(413)
    def _too_large(_exc: Exception) -> Response:
        return Response("Bad request: body too large\n", 413, mimetype="text/plain")


def _register_cli(app: Flask) -> None:
    app.cli.add_command(catalog_cli)
    app.cli.add_command(shop_cli)
    app.cli.add_command(doctor)
