"""Africa's Talking USSD: its form fields in, ``CON``/``END`` text out. AT's names live here only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from gateway.core.errors import BadRequest
from gateway.core.phone import to_e164
from gateway.transports.clean import clean_text, clean_typed
from gateway.ussd.request import HopAnswer, UssdRequest
from gateway.ussd.session_log import SessionEnd

SESSION_OUTCOMES = ("Success", "Incomplete", "Failed")  # the only statuses AT reports
COST = re.compile(r"(?:[A-Z]{3} ?)?[0-9]{1,10}(?:\.[0-9]{1,10})?")  # "KES 0.10" or "0.10"


def parse_hop(form: Mapping[str, str], region: str) -> UssdRequest:
    """A neutral ``UssdRequest`` from AT's session callback; ``BadRequest`` says what is missing.

    NUL characters are dropped from every field: no handset can type one, and PostgreSQL refuses
    them in text columns, so one forged hop could otherwise jam the session log.
    """
    missing = [name for name in ("sessionId", "phoneNumber") if not form.get(name)]
    if "text" not in form:
        missing.append("text")
    if missing:
        raise BadRequest("missing field(s): " + ", ".join(missing))
    session_id = _clean(form["sessionId"]).strip()
    if not session_id or not session_id.isprintable():
        raise BadRequest("sessionId is blank or holds control characters")
    if len(session_id) > 100:
        raise BadRequest("sessionId is longer than 100 characters")
    return UssdRequest(
        session_id=session_id,
        phone=to_e164(form["phoneNumber"], region),
        service_code=_clean(form.get("serviceCode", ""))[:40],
        text=clean_typed(form["text"]),
        network=_clean(form.get("networkCode", ""))[:10],
        provider="at",
    )


def _clean(value: str) -> str:
    return clean_text(value)


def render_hop(answer: HopAnswer) -> str:
    return ("END " if answer.end else "CON ") + answer.text


def parse_session_end(form: Mapping[str, str], region: str) -> SessionEnd:
    """AT's end-of-session notification; ``BadRequest`` for a missing field or a status AT never
    sends. ``cost`` is kept as sent (``KES 0.10`` or ``0.10``), or blank when it is not a cost."""
    if not form.get("sessionId") or not form.get("status"):
        raise BadRequest("missing field(s): sessionId and status are required")
    status = _clean(form["status"]).strip()
    if status not in SESSION_OUTCOMES:
        raise BadRequest(f"status {status[:20]!r} is not one of {', '.join(SESSION_OUTCOMES)}")
    return SessionEnd(
        session_id=_clean(form["sessionId"]).strip()[:100],
        phone=to_e164(form["phoneNumber"], region) if form.get("phoneNumber") else "",
        service_code=_clean(form.get("serviceCode", ""))[:40],
        network_code=_clean(form.get("networkCode", ""))[:10],
        status=status,
        cost=_cost_or_blank(form.get("cost")),
        duration_ms=_int_or_none(form.get("durationInMillis")),
        hops=_int_or_none(form.get("hopsCount")),
        input=_clean(form.get("input", "")),
        last_response=_clean(form.get("lastAppResponse", "")),
        error_message=_clean(form.get("errorMessage", "")),
        at=_date_or_none(form.get("date")),
    )


def _cost_or_blank(raw: str | None) -> str:
    cost = (raw or "").strip()
    return cost if COST.fullmatch(cost) else ""


def _int_or_none(raw: str | None) -> int | None:
    """A count or duration as sent, or None when it is not a number a database column holds."""
    try:
        value = int(float(raw)) if raw not in (None, "") else None
    except (ValueError, OverflowError):  # "abc", "nan", "inf"
        return None
    return value if value is None or 0 <= value < 2**31 else None


def _date_or_none(raw: str | None) -> datetime | None:
    try:
        return datetime.strptime(raw or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
