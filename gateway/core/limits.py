"""The process's rate limiter (Flask-Limiter), counting in the app's own Redis.

Views opt in with ``@limiter.limit("5 per minute")``; ``init_limits`` binds it to an app. With
``RATELIMIT_ENABLED`` false (the testing default) nothing is counted, so a test that wants limits
builds its app with ``RATELIMIT_ENABLED=True``.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, key_prefix="bodega:limits", default_limits=[])


@limiter.request_filter
def _provider_callbacks() -> bool:
    """``/hooks/`` carry no limits (their guard is the webhook key; a dial has its own per-phone
    cap), so skip the limiter's per-request work there: about a tenth of a hop's CPU."""
    return request.path.startswith("/hooks/")


def storage_uri(redis_url: str) -> str:
    """The ``limits`` library's spelling of a Redis URL (a unix socket is ``redis+unix://``)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


def init_limits(app: Flask, redis_url: str) -> Limiter:
    """Count limits for ``app`` in the Redis at ``redis_url``; returns the shared limiter."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(redis_url))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A moving window: with fixed windows, "5 per minute" allows 10 tries around a minute's edge
    # (and a test of the limit fails whenever its tries straddle one).
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # Redis down: keep counting in this process rather than failing the sign-in page with a 500.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    return limiter
