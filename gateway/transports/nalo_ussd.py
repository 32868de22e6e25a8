"""Nalo USSD (Ghana): its JSON request in, its JSON reply out. Nalo's names live here only.

Mind the quirk: in the request ``MSGTYPE`` true means a new dial; in the reply it means "keep the
dial open". Nalo shows at most ``MAX_CHARS`` characters, so the hop fits its screens to that.
It sends the latest input (``USERDATA``) and no hop counter: a retried request is recognised by
the same input arriving again at once (``gateway.transports.ussd_path``). ``USERID`` is echoed
(Nalo requires it), ``MSISDN`` too.
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

NAME = "nalo"
REGION = "GH"
MAX_CHARS = 120


def parse_hop(raw: bytes) -> ParsedHop:
    """A neutral hop from Nalo's request; ``BadRequest`` names what is wrong."""
    body = json_object(raw)
    user_id = text_field(body, "USERID", limit=60)
    session_id = session_field(body, "SESSIONID", NAME)
    phone = to_e164(text_field(body, "MSISDN", limit=30), REGION)
    new_dial = flag_field(body, "MSGTYPE")
    typed = text_field(body, "USERDATA", required=False, limit=4000)
    request = UssdRequest(
        session_id=session_id, phone=phone, service_code=dialled_code(typed) if new_dial else "",
        text="", network=text_field(body, "NETWORK", required=False, limit=10), provider=NAME,
        latest=typed, new_dial=new_dial, max_chars=MAX_CHARS)
    return ParsedHop(request, {"USERID": user_id, "MSISDN": body.get("MSISDN")})


def render_hop(answer: HopAnswer | None, echo: dict[str, Any]) -> dict[str, Any]:
    """Nalo's reply: ``MSGTYPE`` true keeps the dial open (the opposite of what it means in the
    request). ``MSG`` is cut at ``MAX_CHARS`` as a last guard; the screens already fit it."""
    answer = answer or HopAnswer("", True)
    return {**echo, "MSG": answer.text[:MAX_CHARS], "MSGTYPE": not answer.end}
