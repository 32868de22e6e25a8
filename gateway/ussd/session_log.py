"""Session logs: a dial's transcript reaches the worker once, when the dial ends (see
``gateway.dial_log``), and the worker writes its hops and the dial's record to SQL in batches.
AT's end-of-session notification closes the dial's record with its outcome and cost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.commerce.models import UssdHop, UssdSession
from gateway.ussd.dial_log import DIALS, hop_rows
from gateway.ussd.hop import FUNNEL, HOP_STREAM

FLUSH_LOCK = "ussd:v1:hops:flush-lock"
PIN_SHAPED = re.compile(r"^\d{4,6}$")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _hop_fields(fields: dict[Any, Any]) -> dict[str, Any]:
    """A stream entry as a dict: one ``hop`` JSON field, or (older entries) one field per column."""
    decoded = {_text(k): _text(v) for k, v in fields.items()}
    return json.loads(decoded["hop"]) if "hop" in decoded else decoded


def drain(client: redis.Redis, sessions: Any, batch: int = 200) -> int:
    """Write the ended dials' transcripts (and any hops still queued one by one) into SQL until
    both streams are empty; returns the number of hops written.

    Only one worker drains at a time (a Redis lock). Rows are written and committed before the
    stream entries are deleted, and ``(session_id, seq)`` is unique, so a worker killed in between
    writes nothing twice and loses nothing: the next drain finds the entries still there.
    """
    if not client.set(FLUSH_LOCK, "1", nx=True, ex=60):
        return 0
    written = 0
    try:
        for stream, rows_of in ((DIALS, _dial_rows), (HOP_STREAM, _single_hop)):
            while True:
                entries: list[Any] = client.xrange(stream, "-", "+", count=batch)  # type: ignore[assignment]
                if not entries:
                    break
                hops = [hop for _, fields in entries for hop in rows_of(fields)]
                db: Session = sessions()
                try:
                    write_hops(db, hops)
                    db.commit()
                finally:
                    db.close()
                client.xdel(stream, *[entry_id for entry_id, _ in entries])
                written += len(hops)
        return written
    finally:
        client.delete(FLUSH_LOCK)


def _dial_rows(fields: dict[Any, Any]) -> list[dict[str, str]]:
    return hop_rows(_text(fields[b"dial"] if b"dial" in fields else fields["dial"]))


def _single_hop(fields: dict[Any, Any]) -> list[dict[str, Any]]:
    return [_hop_fields(fields)]


def write_hops(db: Session, hops: list[dict[str, str]]) -> None:
    """Insert hop rows (ignoring ones already written) and open or advance each dial's record."""
    if not hops:
        return
    rows = [{
        "session_id": h["sid"], "seq": int(h["seq"]), "phone": h["phone"], "screen": h["screen"][:40],
        "input": (h.get("input") or "").replace("\x00", "")[:200] or None,
        "reply": h["reply"].replace("\x00", ""), "ms": float(h["ms"]),
        "at": datetime.fromtimestamp(float(h["at"]), UTC),
    } for h in hops]
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(insert(UssdHop).values(rows).on_conflict_do_nothing(index_elements=["session_id", "seq"]))
    _advance_sessions(db, hops)


def _advance_sessions(db: Session, hops: list[dict[str, str]]) -> None:
    latest: dict[str, dict[str, str]] = {}
    first_at: dict[str, float] = {}
    for h in hops:
        sid = h["sid"]
        first_at[sid] = min(first_at.get(sid, float(h["at"])), float(h["at"]))
        if sid not in latest or int(h["seq"]) > int(latest[sid]["seq"]):
            latest[sid] = h
    query = select(UssdSession).where(UssdSession.session_id.in_(latest))
    known = {s.session_id: s for s in db.scalars(query)}
    for sid, h in latest.items():
        record = known.get(sid)
        if record is None:
            record = UssdSession(session_id=sid, phone=h["phone"], service_code=h.get("code") or None,
                                 network_code=h.get("net") or None,
                                 started_at=datetime.fromtimestamp(first_at[sid], UTC))
            db.add(record)
        record.hops = max(record.hops or 0, int(h["seq"]))
        record.last_screen = h["screen"][:40]
        if h.get("shop"):
            record.shop_id = int(h["shop"])
        funnel = h.get("funnel") or "dial"
        if record.furthest_step not in FUNNEL or FUNNEL.index(funnel) > FUNNEL.index(record.furthest_step):
            record.furthest_step = funnel
    db.flush()


@dataclass(frozen=True)
class SessionEnd:
    """AT's end-of-session notification, in neutral form."""

    session_id: str
    phone: str
    service_code: str
    network_code: str
    status: str
    cost: str
    duration_ms: int | None
    hops: int | None
    input: str
    last_response: str
    error_message: str
    at: datetime | None


def mask_input(path: str) -> str:
    """Mask PIN-shaped segments of a typed path (``1*2*4821`` -> ``1*2*****``)."""
    return "*".join("****" if PIN_SHAPED.match(part) else part for part in path.split("*"))[:300]


def record_session_end(db: Session, end: SessionEnd) -> UssdSession:
    """Close a dial's record with AT's outcome; repeating the notification changes nothing new."""
    record = db.scalar(select(UssdSession).where(UssdSession.session_id == end.session_id))
    if record is None:
        started = end.at or datetime.now(UTC)
        record = UssdSession(session_id=end.session_id, phone=end.phone, started_at=started)
        db.add(record)
    record.service_code = record.service_code or end.service_code or None
    record.network_code = record.network_code or end.network_code or None
    record.status = end.status[:20]
    record.cost = end.cost[:30] or None
    record.duration_ms = end.duration_ms
    if end.hops is not None:
        record.hops = max(record.hops or 0, end.hops)
    record.input_masked = mask_input(end.input) or None
    record.error_message = end.error_message[:300] or None
    record.ended_at = end.at or datetime.now(UTC)
    db.flush()
    return record
