"""Arkesel USSD (Ghana): its JSON request in, its JSON reply (``continueSession``) out.

Arkesel's names live here only. It sends the latest input (``userData``, may be null) and says
when a dial opens (``newSession``); it has no hop counter, so a retried request is recognised by
the same input arriving again at once (``gateway.transports.ussd_path``). The reply echoes
``sessionID``, ``userID`` and ``msisdn`` as they came.
"""

from __future__ import annotations

from typing import Any

from gateway.core.phone import to_e164
from gateway.transports.ussd_json import (
    ParsedHop,
    dialled_code,
    flag_field,
    json_object,
    session_field,
    text_field,
)
from gateway.ussd.request import HopAnswer, UssdRequest

NAME = "arkesel"
REGION = "GH"
ECHOED = ("sessionID", "userID", "msisdn")


def parse_hop(raw: bytes) -> ParsedHop:
    """A neutral hop from Arkesel's request; ``BadRequest`` names what is wrong."""
    body = json_object(raw)
    session_id = session_field(body, "sessionID", NAME)
    phone = to_e164(text_field(body, "msisdn", limit=30), REGION)
    new_dial = flag_field(body, "newSession")
    typed = text_field(body, "userData", required=False, limit=4000)
    request = UssdRequest(
        session_id=session_id, phone=phone, service_code=dialled_code(typed) if new_dial else "",
        text="", network=text_field(body, "network", required=False, limit=10), provider=NAME,
        latest=typed, new_dial=new_dial)
    return ParsedHop(request, {name: body.get(name) for name in ECHOED})


def render_hop(answer: HopAnswer | None, echo: dict[str, Any]) -> dict[str, Any]:
    """Arkesel's reply: ``continueSession`` true keeps the dial open (None: close it)."""
    answer = answer or HopAnswer("", True)
    return {**echo, "message": answer.text, "continueSession": not answer.end}
