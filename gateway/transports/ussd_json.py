"""What the JSON USSD aggregators (Hubtel, Arkesel, Nalo) share: reading a body and its fields.

Every reader raises ``BadRequest`` with a reason a person can act on, never anything else: a
body that is not a JSON object, a field of the wrong type, a blank or unprintable session id.
NUL characters are dropped from text (no handset types one, and PostgreSQL refuses them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.core.errors import BadRequest
from gateway.ussd.request import UssdRequest

MAX_SESSION_ID = 80  # plus the provider's prefix, within the session log's 100 characters
USSD_STRING = re.compile(r"\*[0-9*]{1,38}#")  # what a handset dials: *713*2#


@dataclass(frozen=True)
class ParsedHop:
    """A provider's request: the neutral hop to run (None when the request only closes the dial),
    the fields its reply must echo back, and the session id of a dial the provider says is over."""

    request: UssdRequest | None
    echo: dict[str, Any] = field(default_factory=dict)
    closes: str | None = None


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; ``BadRequest`` when it is not one."""
    try:
        body = json.loads(raw or b"")
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than any request
        raise BadRequest(f"body is not JSON: {str(exc)[:80]}") from exc
    if not isinstance(body, dict):
        raise BadRequest("body is not a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = True, limit: int = 200) -> str:
    """A string (or number) field as text without NULs, cut at ``limit``; absent/null is "" unless
    ``required``."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"missing field: {name}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadRequest(f"{name} must be a string")
    return str(value).replace("\x00", "")[:limit]


def session_field(body: dict[str, Any], name: str, provider: str) -> str:
    """The provider's session id, prefixed with the provider: ids are unique only per provider,
    and the prefix keeps dials apart in the one session log and names the provider there."""
    raw = text_field(body, name, limit=MAX_SESSION_ID + 1).strip()
    if not raw or not raw.isprintable():
        raise BadRequest(f"{name} is blank or holds control characters")
    if len(raw) > MAX_SESSION_ID:
        raise BadRequest(f"{name} is longer than {MAX_SESSION_ID} characters")
    return f"{provider}:{raw}"


def flag_field(body: dict[str, Any], name: str) -> bool:
    """A JSON boolean (``"true"``/``"false"`` strings are taken too); ``BadRequest`` otherwise."""
    value = body.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadRequest(f"{name} must be true or false" if name in body else f"missing field: {name}")


def dialled_code(first_input: str, fallback: str = "") -> str:
    """The code the customer dialled, when the first request carries it (``*713*2#``)."""
    typed = first_input.strip()
    return typed if USSD_STRING.fullmatch(typed) else fallback[:40]


PROVIDER_NAMES = {"hubtel": "Hubtel", "arkesel": "Arkesel", "nalo": "Nalo"}


def provider_of(session_id: str) -> str:
    """The aggregator that carried a dial, from its session id (``session_field``'s prefix);
    Africa's Talking's ids carry no prefix."""
    prefix, colon, _ = (session_id or "").partition(":")
    return PROVIDER_NAMES.get(prefix, "Africa's Talking") if colon else "Africa's Talking"
