"""What the wallet adapters share on the wire: one HTTP call with a timeout, and a cached token.

``send`` turns a network failure into a retryable ``ProviderError`` and answers the status, the
JSON object (``{}`` when the body is not one) and the raw text (kept for the console).
``TokenCache`` keeps a provider's access token in Redis (shared by every process and worker) and
in memory, until ``margin`` seconds before it expires; ``forget`` drops it after a 401.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
import requests

from gateway.core.errors import ProviderError

log = logging.getLogger(__name__)

RAW_KEPT = 4000  # characters of a provider's answer kept for the console


@dataclass(frozen=True)
class Reply:
    status: int
    data: dict[str, Any]
    raw: str


def send(provider: str, method: str, url: str, timeout: tuple[float, float], **kwargs: Any) -> Reply:
    """One HTTP call to ``provider``; raises a retryable ``ProviderError`` when it cannot be made."""
    try:
        response = requests.request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise ProviderError(f"{provider} unreachable: {type(exc).__name__}", retryable=True) from exc
    try:
        data = response.json()
    except ValueError:
        data = None
    raw = f"HTTP {response.status_code}\n{response.text[:RAW_KEPT]}"
    return Reply(response.status_code, data if isinstance(data, dict) else {}, raw)


class TokenCache:
    """An access token, fetched by ``fetch`` (which answers ``(token, seconds it lives)``)."""

    def __init__(self, client: redis.Redis, name: str, identity: str,
                 fetch: Callable[[], tuple[str, int]], margin: int = 60) -> None:
        self.redis = client
        self.fetch = fetch
        self.margin = margin
        self.key = f"{name}:token:{hashlib.sha256(identity.encode()).hexdigest()[:16]}"
        self._token: tuple[str, float] | None = None  # (token, good until): this process's copy

    def get(self) -> str:
        if self._token and self._token[1] > time.time():
            return self._token[0]
        try:
            cached = self.redis.get(self.key)
        except redis.RedisError:
            cached = None
        if cached:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
        token, lives = self.fetch()
        life = max(lives - self.margin, 30)
        self._token = (token, time.time() + life)
        try:
            self.redis.set(self.key, token, ex=life)
        except redis.RedisError:
            log.warning("could not cache the %s token in Redis; kept in memory only", self.key)
        return token

    def forget(self) -> None:
        self._token = None
        with contextlib.suppress(redis.RedisError):
            self.redis.delete(self.key)


def lifetime(value: Any, default: int) -> int:
    """A token's ``expires_in`` (a number, or a string like Airtel's ``"180"``) in seconds."""
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) <= 7 else default
