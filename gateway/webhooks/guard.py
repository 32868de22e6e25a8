"""The webhook key: AT and Daraja sign nothing, so every ``/hooks/`` URL carries a long secret."""

from __future__ import annotations

import hmac

from gateway.core.errors import Forbidden


def check_key(given: str | None, secret: str | None) -> None:
    """Raise ``Forbidden`` unless ``given`` equals ``secret`` (constant time). No secret: open."""
    if not secret:
        return
    if not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise Forbidden("wrong or missing webhook key")
