"""One USSD hop: load state -> menus.step -> commit -> dispatch outbox -> save state.

Redis is touched twice per hop: one pipeline to load the state (and count the caller's hops for
the abuse limit), one pipeline to enqueue the jobs the hop asked for, save the state and append
the hop to the session-log stream that the worker writes to SQL in batches. The database is
committed before the state is saved, so a dial never points past a write that failed. Any
unexpected error ends the dial politely.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

import menus.flows  # noqa: F401 - registers every screen
from config.log_levels import one_line
from gateway.commerce.customers import default_language, find_or_create_customer
from gateway.commerce.models import UssdSession
from gateway.core import transactions
from gateway.core.pending import PendingJob, forget_pending
from gateway.core.phone import mask
from gateway.core.runtime import Runtime
from menus.engine import DialState, Reply, open_dial, replayable, screen_of, step
from menus.screens import Ctx

log = logging.getLogger(__name__)

HOP_STREAM = "ussd:v1:hops"
HOP_STREAM_MAXLEN = 2_000_000
ENDED_TTL = 120
FUNNEL = ("dial", "shop", "cart", "checkout", "order")
SORRY = "Sorry, something went wrong. Please dial again in a moment."
BUSY = "Sorry, the service is busy. Please dial again in a moment."
TOO_FAST = "Too many requests from your phone. Please wait a minute and dial again."
# No keypad dial types this much; answering with END (HTTP 200) spares the customer a network error.
MAX_TYPED = 2000
TOO_LONG = "Sorry, that was too long to read. Please dial again."


@dataclass(frozen=True)
class UssdRequest:
    """A hop in neutral form, whatever aggregator carried it."""

    session_id: str
    phone: str  # E.164
    service_code: str
    text: str  # everything typed so far, joined by '*'
    network: str = ""
    provider: str = "at"


@dataclass(frozen=True)
class HopAnswer:
    text: str
    end: bool


def state_key(req: UssdRequest) -> str:
    return f"ussd:v1:{req.provider}:{req.session_id}"


def run_hop(rt: Runtime, req: UssdRequest) -> HopAnswer:
    """Answer one hop. Never raises: failures become a polite END (and a logged traceback)."""
    started = time.perf_counter()
    try:
        raw, hits = _load(rt, req)
    except redis.RedisError:
        log.exception("redis unavailable for a USSD hop")
        return HopAnswer(BUSY, True)
    if hits > int(rt.settings.get("USSD_HOPS_PER_MINUTE", 60)):
        return HopAnswer(TOO_FAST, True)
    state = DialState.from_dict(json.loads(raw)) if raw else None
    if len(req.text) > MAX_TYPED:
        lang = state.lang if state else default_language(req.phone, rt.translator.languages)
        return HopAnswer(rt.translator(lang, TOO_LONG), True)
    if state is not None and state.text == req.text:
        return HopAnswer(state.reply, state.ended)  # a retried request: same answer, nothing applied
    if state is not None and state.ended:
        return HopAnswer(state.reply, True)
    try:
        state, reply, answer, pending = _advance(rt, req, state)
    except Exception:
        log.exception("USSD hop failed; ending the dial politely")
        return HopAnswer(SORRY, True)
    ms = (time.perf_counter() - started) * 1000
    try:
        _save(rt, req, state, reply, answer, ms, pending)
    except redis.RedisError:
        log.exception("could not save USSD state")
        return HopAnswer(BUSY, True)
    _log_hop(req, answer, reply, ms)
    return HopAnswer(reply.text, reply.end)


def _log_hop(req: UssdRequest, answer: str | None, reply: Reply, ms: float) -> None:
    """One line a person can follow: who (masked), what they typed, where it led, how long."""
    if log.isEnabledFor(logging.INFO):
        typed = f"typed {answer!r}" if answer is not None else "dialled"
        log.info("USSD %s %s -> %s%s (%.0f ms): %s", mask(req.phone), typed, reply.screen,
                 " END" if reply.end else "", ms, one_line(reply.text, 90))


def _load(rt: Runtime, req: UssdRequest) -> tuple[bytes | None, int]:
    rate_key = f"ussd:v1:rate:{req.phone}:{int(time.time() // 60)}"
    pipe = rt.redis.pipeline(transaction=False)
    pipe.get(state_key(req))
    pipe.incr(rate_key)
    pipe.expire(rate_key, 120)
    raw, hits, _ = pipe.execute()
    return raw, int(hits)


def _advance(rt: Runtime, req: UssdRequest,
             state: DialState | None) -> tuple[DialState, Reply, str | None, list[PendingJob]]:
    """Run the menus on a request's DB session and commit; returns the jobs the hop asked for."""
    db = rt.sessions()
    try:
        state, reply, answer = _navigate(rt, db, req, state)
        pending = transactions.commit_and_take(db)
    except Exception:
        db.rollback()
        forget_pending(db)
        raise
    finally:
        db.close()
    return state, reply, answer, pending


def _navigate(rt: Runtime, db: Session, req: UssdRequest,
              state: DialState | None) -> tuple[DialState, Reply, str | None]:
    def make_ctx(current: DialState, reserved: int) -> Ctx:
        return Ctx(db=db, customer_id=current.customer_id, phone=req.phone, session_id=req.session_id,
                   lang=current.lang, data=current.data, bag=current.bag, settings=rt.settings,
                   translate=rt.translator, reserved=reserved)

    if state is None:
        customer = find_or_create_customer(db, req.phone, rt.translator.languages)
        state = DialState(customer_id=customer.id, lang=customer.language or "en")
        state.bag["funnel"] = "dial"
        base_code = rt.settings.get("USSD_SERVICE_CODE")
        path = direct_dial_path(req.service_code, req.text, base_code)
        from_home = not direct_dial_path(req.service_code, "", base_code)
        if path and req.text and from_home and _known_session(db, req.session_id):
            # Redis lost this dial's state: replay what was typed from the home screen (a dial on a
            # shop's own code replays from that shop, as its first hop did).
            reply = open_dial(state, make_ctx)
            for answer in path:
                if not replayable(state, reply, answer):
                    break
                reply = step(state, answer, make_ctx)
        else:
            reply = open_dial(state, make_ctx, path)
        _note_funnel(state, reply.screen)
        return state, reply, req.text or None
    typed = new_input(state.text, req.text)
    if typed is None:
        state.ended = True
        return state, Reply(SORRY, True, state.screen), req.text
    reply = step(state, typed, make_ctx)
    _note_funnel(state, reply.screen)
    return state, reply, typed


def new_input(previous: str, text: str) -> str | None:
    """What the customer typed at this hop: ``text`` minus the stored ``previous`` and one ``*``.

    A ``*`` typed by the customer cannot be told apart from AT's separator, so the last segment
    is never trusted. Returns None when ``text`` does not continue ``previous``.
    """
    if previous == "":
        return text
    if text.startswith(previous + "*"):
        return text[len(previous) + 1:]
    return None


def direct_dial_path(service_code: str, text: str, base_code: str | None) -> list[str]:
    """Answers carried by the dial itself: extra digits in the service code, then in ``text``."""
    code = (service_code or "").strip().strip("#").strip("*")
    parts = [p for p in code.split("*") if p]
    if base_code:
        base = [p for p in base_code.strip().strip("#").strip("*").split("*") if p]
        extra = parts[len(base):] if parts[: len(base)] == base else []
    else:
        extra = parts[2:]  # *384*123*3# - a shared code is two levels deep
    typed = text.split("*") if text else []
    if extra and typed[: len(extra)] == extra:
        return typed  # the network reported the dialled digits both in the code and in the text
    return [*extra, *typed]


def _known_session(db: Session, session_id: str) -> bool:
    return db.scalar(select(UssdSession.id).where(UssdSession.session_id == session_id)) is not None


def _note_funnel(state: DialState, screen: str) -> None:
    step_name = screen_of(screen).funnel
    current = state.bag.get("funnel", "dial")
    if step_name and FUNNEL.index(step_name) > FUNNEL.index(current):
        state.bag["funnel"] = step_name


def _save(rt: Runtime, req: UssdRequest, state: DialState, reply: Reply,
          answer: str | None, ms: float, pending: list[PendingJob]) -> None:
    """Enqueue the committed hop's jobs, save the state, log the hop: one round trip, in that order.

    If it fails, nothing of it lands: the dial ends politely and the outbox sweep enqueues the
    committed rows' jobs again.
    """
    state.text, state.reply, state.seq = req.text, reply.text, state.seq + 1
    state.ended = state.ended or reply.end
    key = state_key(req)
    pipe = rt.redis.pipeline(transaction=False)
    transactions.dispatch(rt.queue, pending, pipeline=pipe)
    if state.ended:
        pipe.set(key, json.dumps({"customer_id": state.customer_id, "lang": state.lang, "text": req.text,
                                  "reply": reply.text, "ended": True}), ex=ENDED_TTL)
    else:
        pipe.set(key, json.dumps(state.to_dict(), separators=(",", ":")),
                 ex=int(rt.settings.get("USSD_SESSION_TTL", 300)))
    # One JSON field rather than one stream field per column: a third of the encoding work.
    record = json.dumps(_hop_record(req, state, reply, answer, ms), separators=(",", ":"))
    pipe.xadd(HOP_STREAM, {"hop": record}, maxlen=HOP_STREAM_MAXLEN, approximate=True)
    pipe.execute()


def _hop_record(req: UssdRequest, state: DialState, reply: Reply, answer: str | None,
                ms: float) -> dict[Any, Any]:
    shown = "****" if reply.sensitive and answer else (answer or "")
    return {
        "sid": req.session_id, "seq": state.seq, "phone": req.phone, "code": req.service_code,
        "net": req.network, "screen": reply.screen, "input": shown, "reply": reply.text,
        "end": int(reply.end), "ms": f"{ms:.2f}", "at": f"{time.time():.3f}",
        "shop": state.bag.get("shop_id") or "", "funnel": state.bag.get("funnel", "dial"),
    }
