"""CSRF on every form and the security headers of every page.

Every POST, PUT, PATCH or DELETE outside ``/hooks/`` must carry the session's CSRF token (a
request without it is refused with 400). Webhooks are exempt: providers POST them, and they are
guarded by the secret key in their URL instead.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def response_headers(production: bool) -> list[tuple[str, str]]:
    """The headers every response carries (HSTS in production only)."""
    return [*HEADERS.items(), *([HSTS] if production else [])]


def install(app: Flask, production: bool) -> None:
    """Check CSRF tokens outside ``/hooks/`` and add security headers to every response."""
    # Checked below rather than by default, so that webhook blueprints added later are exempt
    # by their path instead of each having to remember ``csrf.exempt``.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the signed-in session's life
    csrf.init_app(app)

    @app.before_request
    def _check_csrf() -> None:
        if request.method in UNSAFE_METHODS and not request.path.startswith("/hooks/"):
            csrf.protect()

    @app.errorhandler(CSRFError)
    def _csrf_refused(exc: CSRFError) -> Response:
        return Response(f"Bad request: {exc.description} Reload the page and try again.\n", 400,
                        mimetype="text/plain")

    every = response_headers(production)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in every:
            response.headers.setdefault(name, value)
        if request.path.startswith("/admin") and not request.path.startswith("/admin/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
