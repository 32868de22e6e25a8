"""Session logs: a dial's transcript reaches the worker once, when the dial ends (see
``gateway.dial_log``), and the worker writes its hops and the dial's record to SQL in batches.
AT's end-of-session notification closes the dial's record with its outcome and cost.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import redis
from sqlalchemy import Integer, String, Table, bindparam, func, select, text, update
from sqlalchemy import insert as insert_rows
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from gateway.commerce.models import UssdHop, UssdSession
from gateway.ussd.dial_log import AT, DIALS, INPUT, MS, REPLY, SCREEN, SEQ
from gateway.ussd.hop import FUNNEL, HOP_STREAM

FLUSH_LOCK = "ussd:v1:hops:flush-lock"
LOCK_SECONDS = 60
DEAD_DIALS = "ussd:v1:dials:dead"  # transcripts SQL refused or no one can read, kept for a person
DEAD_MAXLEN = 10_000
OUTAGES = (OperationalError, InterfaceError)  # the database is away: retry later, drop nothing
HOPS = cast(Table, UssdHop.__table__)
SESSIONS = cast(Table, UssdSession.__table__)
log = logging.getLogger(__name__)
PIN_SHAPED = re.compile(r"^\d{4,6}$")


@dataclass(slots=True)
class DialLog:
    """What a batch of hops says about one dial's record (``ussd_sessions``)."""

    phone: str
    code: str | None
    net: str | None
    shop: int | None
    funnel: str
    first_at: float
    seq: int
    screen: str


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def drain(client: redis.Redis, sessions: Any, batch: int = 200) -> int:
    """Write the ended dials' transcripts (and any hops still queued one by one) into SQL until
    both streams are empty; returns the number of hops written.

    Each batch of up to ``batch`` dials is one transaction: one multi-row insert of the hops and
    one insert (and, for dials already on record, one update) of the dials' records, with Core
    statements (no ORM object per row). Only one worker drains at a time (a Redis lock). Rows are
    written and committed before the stream entries are deleted, and ``(session_id, seq)`` is
    unique, so a worker killed in between writes nothing twice and loses nothing: the next drain
    finds the entries still there.
    """
    if not waiting(client):
        return 0
    token = uuid.uuid4().hex
    if not client.set(FLUSH_LOCK, token, nx=True, ex=LOCK_SECONDS):
        return 0
    written = 0
    try:
        for stream, read in ((DIALS, _read_transcripts), (HOP_STREAM, _read_single_hops)):
            while True:
                entries: list[Any] = client.xrange(stream, "-", "+", count=batch)  # type: ignore[assignment]
                if not entries:
                    break
                client.expire(FLUSH_LOCK, LOCK_SECONDS)  # still draining: a long backlog keeps the lock
                try:
                    written += _write(client, sessions, stream, read, entries)
                except OUTAGES:
                    raise
                except Exception:
                    log.exception("a batch of %d transcripts failed; writing them one by one", len(entries))
                    written += _write_one_by_one(client, sessions, stream, read, entries)
        return written
    finally:
        if _text(client.get(FLUSH_LOCK) or b"") == token:
            client.delete(FLUSH_LOCK)


def waiting(client: redis.Redis) -> bool:
    """Whether any transcript (or single hop) waits to be written: one round trip, so the worker's
    clock finds out cheaply that there is nothing to do, without the lock's three."""
    pipe = client.pipeline(transaction=False)
    pipe.xlen(DIALS)
    pipe.xlen(HOP_STREAM)
    return any(pipe.execute())


def _write(client: redis.Redis, sessions: Any, stream: str, read: Any, entries: list[Any]) -> int:
    """Write ``entries`` in one transaction, then delete them from ``stream``; returns the hops."""
    rows, dials = read(entries)
    db: Session = sessions()
    try:
        write_rows(db, rows, dials)
        db.commit()
    finally:
        db.close()
    client.xdel(stream, *[entry_id for entry_id, _ in entries])
    return len(rows)


def _write_one_by_one(client: redis.Redis, sessions: Any, stream: str, read: Any, entries: list[Any]) -> int:
    """After a batch failed: each entry on its own. One that still fails (it cannot be read, or SQL
    refuses its data) moves to ``DEAD_DIALS`` with the reason, so it no longer blocks the others;
    an outage of the database stops the drain and leaves everything in place."""
    written = 0
    for entry in entries:
        try:
            written += _write(client, sessions, stream, read, [entry])
        except OUTAGES:
            raise
        except Exception as exc:  # noqa: BLE001 - kept, with its reason, for a person to look at
            entry_id, fields = entry
            log.error("transcript %s in %s cannot be written (%s); moved to %s", _text(entry_id), stream,
                      type(exc).__name__, DEAD_DIALS)
            reason = f"{type(exc).__name__}: {exc}"[:500]
            client.xadd(DEAD_DIALS, {**fields, "from": stream, "reason": reason}, maxlen=DEAD_MAXLEN,
                        approximate=True)
            client.xdel(stream, entry_id)
    return written


def _read_transcripts(entries: list[Any]) -> tuple[list[dict[str, Any]], dict[str, DialLog]]:
    """Hop rows and dial records straight from ``DIALS`` entries (one JSON parse per dial)."""
    rows: list[dict[str, Any]] = []
    dials: dict[str, DialLog] = {}
    for _, fields in entries:
        dial = json.loads(fields[b"dial"] if b"dial" in fields else fields["dial"])
        hops = dial["hops"]
        if not hops:
            continue
        sid, phone = dial["sid"], dial["phone"]
        for h in hops:
            rows.append(_row(sid, phone, h[SEQ], h[SCREEN], h[INPUT], h[REPLY], h[MS], h[AT]))
        last = max(hops, key=lambda h: h[SEQ])
        _merge(dials, sid, DialLog(phone=phone, code=dial.get("code") or None, net=dial.get("net") or None,
                                   shop=int(dial["shop"]) if dial.get("shop") else None,
                                   funnel=dial.get("funnel") or "dial", first_at=min(h[AT] for h in hops),
                                   seq=int(last[SEQ]), screen=last[SCREEN][:40]))
    return rows, dials


def _read_single_hops(entries: list[Any]) -> tuple[list[dict[str, Any]], dict[str, DialLog]]:
    """Hop rows from the older one-entry-per-hop stream (a ``hop`` JSON field, or one field per column)."""
    return _rows_from_dicts([_hop_fields(fields) for _, fields in entries])


def _hop_fields(fields: dict[Any, Any]) -> dict[str, Any]:
    decoded = {_text(k): _text(v) for k, v in fields.items()}
    return json.loads(decoded["hop"]) if "hop" in decoded else decoded


def _rows_from_dicts(hops: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, DialLog]]:
    rows: list[dict[str, Any]] = []
    dials: dict[str, DialLog] = {}
    for h in hops:
        at, seq = float(h["at"]), int(h["seq"])
        rows.append(_row(h["sid"], h["phone"], seq, h["screen"], h.get("input"), h["reply"], h["ms"], at))
        shop = int(h["shop"]) if h.get("shop") else None
        _merge(dials, h["sid"], DialLog(phone=h["phone"], code=h.get("code") or None,
                                        net=h.get("net") or None, shop=shop, funnel=h.get("funnel") or "dial",
                                        first_at=at, seq=seq, screen=h["screen"][:40]))
    return rows, dials


def _row(sid: str, phone: str, seq: Any, screen: str, shown: str | None, reply: str, ms: Any,
         at: Any) -> dict[str, Any]:
    return {"session_id": sid, "seq": int(seq), "phone": phone, "screen": screen[:40],
            "input": (shown or "").replace("\x00", "")[:200] or None, "reply": reply.replace("\x00", ""),
            "ms": float(ms), "at": datetime.fromtimestamp(float(at), UTC)}


def _merge(dials: dict[str, DialLog], sid: str, new: DialLog) -> None:
    """Fold ``new`` into what the batch already says of dial ``sid`` (its latest hop wins)."""
    old = dials.get(sid)
    if old is None:
        dials[sid] = new
        return
    first_at = min(old.first_at, new.first_at)
    latest = new if new.seq > old.seq else old
    dials[sid] = DialLog(phone=latest.phone, code=latest.code or old.code or new.code,
                         net=latest.net or old.net or new.net, shop=latest.shop,
                         funnel=_further(old.funnel, new.funnel), first_at=first_at, seq=latest.seq,
                         screen=latest.screen)


def _further(a: str | None, b: str | None) -> str:
    """The further of two funnel steps (a step not in ``FUNNEL`` counts as none)."""
    rank = {step: i for i, step in enumerate(FUNNEL)}
    return max((s for s in (a, b) if s in rank), key=rank.__getitem__, default=b or a or "dial")


def write_hops(db: Session, hops: list[dict[str, str]]) -> None:
    """Insert hop rows given as one dict of strings per hop (``sid``, ``seq``, ``phone``, ``screen``,
    ``input``, ``reply``, ``ms``, ``at`` and optionally ``code``, ``net``, ``shop``, ``funnel``)."""
    write_rows(db, *_rows_from_dicts(hops))


# On PostgreSQL a batch's hops go in as one statement with one JSON parameter (a list of rows,
# encoded by the json module in C): psycopg's executemany costs Python work per row, and so do its
# array parameters (each element quoted by a regular expression).
HOP_COLUMNS = ("session_id", "seq", "phone", "screen", "input", "reply", "ms", "at")
_PG_INSERT_HOPS = text(
    f"INSERT INTO {HOPS.name} ({', '.join(HOP_COLUMNS)}) "
    "SELECT h->>0, CAST(h->>1 AS INTEGER), h->>2, h->>3, h->>4, h->>5, CAST(h->>6 AS FLOAT8), "
    "to_timestamp(CAST(h->>7 AS FLOAT8)) FROM json_array_elements(CAST(:hops AS JSON)) AS h "
    "ON CONFLICT (session_id, seq) DO NOTHING")
_encode_rows = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SQLITE_INSERT_HOPS = sqlite.insert(HOPS).on_conflict_do_nothing(index_elements=["session_id", "seq"])


def write_rows(db: Session, rows: list[dict[str, Any]], dials: dict[str, DialLog]) -> None:
    """Insert hop rows (ignoring ones already written) and open or advance each dial's record."""
    if not rows:
        return
    if db.get_bind().dialect.name == "postgresql":
        hops = [[r["session_id"], r["seq"], r["phone"], r["screen"], r["input"], r["reply"], r["ms"],
                 r["at"].timestamp()] for r in rows]
        db.connection().execute(_PG_INSERT_HOPS, {"hops": _encode_rows(hops)})
    else:
        db.execute(_SQLITE_INSERT_HOPS, rows)
    _advance_sessions(db, dials)


def _advance_sessions(db: Session, dials: dict[str, DialLog]) -> None:
    t = SESSIONS.c
    known = {sid: (hops, furthest) for sid, hops, furthest in db.execute(
        select(t.session_id, t.hops, t.furthest_step).where(t.session_id.in_(list(dials))))}
    fresh = [{"session_id": sid, "phone": d.phone, "service_code": d.code, "network_code": d.net,
              "shop_id": d.shop, "last_screen": d.screen, "furthest_step": d.funnel, "hops": d.seq,
              "started_at": datetime.fromtimestamp(d.first_at, UTC)}
             for sid, d in dials.items() if sid not in known]
    if fresh:
        db.execute(insert_rows(SESSIONS), fresh)
    moved = [{"sid": sid, "n": max(known[sid][0] or 0, d.seq), "screen": d.screen, "shop": d.shop,
              "step": _further(known[sid][1], d.funnel), "code": d.code, "net": d.net}
             for sid, d in dials.items() if sid in known]
    if moved:  # a record AT's end-of-session event opened first, or a dial swept and then ended
        db.execute(update(SESSIONS).where(t.session_id == bindparam("sid")).values(
            hops=bindparam("n"), last_screen=bindparam("screen"), furthest_step=bindparam("step"),
            shop_id=func.coalesce(bindparam("shop", type_=Integer), t.shop_id),
            service_code=func.coalesce(t.service_code, bindparam("code", type_=String)),
            network_code=func.coalesce(t.network_code, bindparam("net", type_=String))), moved)


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
