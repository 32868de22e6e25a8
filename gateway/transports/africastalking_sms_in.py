"""Africa's Talking inbound SMS: its form fields in, a neutral ``InboundMessage`` out.

AT's field names live here only. ``from`` becomes E.164 when it is a phone number; anything else
(a short code, an alphanumeric sender) is kept as sent, so the message is still stored (AT would
retry a 400 for ten minutes) and the handler simply never answers it.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.core.errors import BadRequest
from gateway.core.phone import to_e164
from gateway.sms.inbox import InboundMessage
from gateway.transports.clean import clean_form, clean_typed

MAX_TEXT = 1600  # ten concatenated parts; anything longer is cut, not refused
REQUIRED = ("id", "from", "to")


def parse_inbound(raw_form: Mapping[str, str], region: str) -> InboundMessage:
    """A neutral message from AT's inbound SMS callback; ``BadRequest`` says what is wrong.

    NUL and other control characters are dropped from every field (``clean_form``): no handset
    sends one, and PostgreSQL refuses NUL in text columns (AT would retry for ten minutes). The
    text is NFKC-normalised (``clean_typed``): full-width digits are digits to every parser.
    """
    form = clean_form(raw_form)
    missing = [name for name in REQUIRED if not (form.get(name) or "").strip()]
    if "text" not in form:
        missing.append("text")
    if missing:
        raise BadRequest("missing field(s): " + ", ".join(missing))
    provider_id = form["id"].strip()
    if len(provider_id) > 100:
        raise BadRequest("id is longer than 100 characters")
    return InboundMessage(
        provider_id=provider_id,
        sender=_sender(form["from"], region),
        to=form["to"].strip()[:20],
        text=clean_typed(form["text"])[:MAX_TEXT],
        link_id=(form.get("linkId") or "").strip()[:100] or None,
    )


def _sender(raw: str, region: str) -> str:
    text = raw.strip()
    try:
        return to_e164(text, region) if text.startswith("+") or len(text) > 8 else text[:20]
    except BadRequest:
        return text[:20]
