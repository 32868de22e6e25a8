"""Hubtel USSD (Ghana): its JSON request in, ``{"Type", "Message", "ClientState"}`` out.

Hubtel's names live here only. Hubtel sends the latest input (``Message``) and its own hop
counter (``Sequence``, 1 on initiation, a string in the docs' sample and a number in its SDK);
``Type`` is compared case-insensitively (the docs write ``initiation``, the SDK ``Initiation``).
``Release`` (the customer hung up) and ``Timeout`` (Hubtel gave up waiting for us) close the dial:
no hop runs, the dial's transcript is handed over at once (``closes``) and the reply is an empty
``Release``.
"""

from __future__ import annotations

import logging
from typing import Any

from gateway.core.errors import BadRequest
from gateway.core.phone import mask, to_e164
from gateway.transports.ussd_json import ParsedHop, dialled_code, json_object, session_field, text_field
from gateway.ussd.request import HopAnswer, UssdRequest

log = logging.getLogger(__name__)

NAME = "hubtel"
REGION = "GH"  # a number without its country code is a Ghanaian one
TYPES = ("initiation", "response", "release", "timeout")


def parse_hop(raw: bytes) -> ParsedHop:
    """A neutral hop from Hubtel's request; ``BadRequest`` names what is wrong."""
    body = json_object(raw)
    kind = text_field(body, "Type", limit=30).strip().lower()
    if kind not in TYPES:
        raise BadRequest(f"Type {kind[:20]!r} is not one of {', '.join(TYPES)}")
    session_id = session_field(body, "SessionId", NAME)
    phone = to_e164(text_field(body, "Mobile", limit=30), REGION)
    if kind in ("release", "timeout"):
        if kind == "timeout":
            log.warning("Hubtel timed out waiting for dial %s of %s", session_id, mask(phone))
        return ParsedHop(None, closes=session_id)
    message = text_field(body, "Message", required=False, limit=4000)
    request = UssdRequest(
        session_id=session_id, phone=phone,
        service_code=dialled_code(message, text_field(body, "ServiceCode", required=False)),
        text="", network=text_field(body, "Operator", required=False, limit=10), provider=NAME,
        latest=message, new_dial=kind == "initiation", hop_seq=_sequence(body))
    return ParsedHop(request)


def _sequence(body: dict[str, Any]) -> int | None:
    raw = text_field(body, "Sequence", required=False, limit=12).strip()
    if raw == "":
        return None
    if not raw.isdigit() or not raw.isascii():
        raise BadRequest("Sequence must be a whole number")
    return int(raw)


def render_hop(answer: HopAnswer | None, echo: dict[str, Any]) -> dict[str, Any]:
    """Hubtel's reply: ``Response`` keeps the dial open, ``Release`` ends it."""
    if answer is None:
        return {"Type": "Release", "Message": "", "ClientState": ""}
    return {"Type": "Release" if answer.end else "Response", "Message": answer.text, "ClientState": ""}
