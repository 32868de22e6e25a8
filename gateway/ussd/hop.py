"""One USSD hop: load state -> menus.step -> commit -> dispatch outbox -> save state.

Redis is touched twice per hop, with one command each (Lua scripts, see ``dial_store``): one to
load the dial's state, the caller's card (id, language, cart, town, last order) and the catalog
epoch (and to count the caller's hops for the abuse limit), one to save the state with the hop
appended to the dial's transcript (handed to the worker when the dial ends, see
``gateway.dial_log``), sent after the jobs the hop asked for in the same round trip. The first
hop in this process after a catalog write adds one round trip to read the shops' versions.

A hop that only navigates runs no SQL: screens read the catalog from the process's snapshots, and
the cart and the caller's town and last order from the dial (``CustomerCard``). The database
session opens only when a screen writes (or a caller, or a shop, is not known yet), and is
committed before the state is saved, so a dial never points past a write that failed. Any
unexpected error ends the dial politely.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

import menus.flows  # noqa: F401 - registers every screen
from config.log_levels import one_line
from gateway.commerce.caller_profile import CallerProfile, DialCaller
from gateway.commerce.carts import DialCart
from gateway.commerce.catalog import CatalogReader
from gateway.commerce.customers import CustomerCard, customer_card, default_language
from gateway.commerce.models import UssdSession
from gateway.core import catalog_versions, transactions
from gateway.core.db import LazySession
from gateway.core.pending import PendingJob, forget_pending
from gateway.core.phone import mask
from gateway.core.runtime import Runtime
from gateway.transports.ussd_path import follow_path, note_heard, within_budget
from gateway.ussd import dial_log, dial_store
from gateway.ussd.request import HopAnswer, UssdRequest
from menus.engine import DialState, Reply, open_dial, replayable, screen_of, step
from menus.screens import Ctx

log = logging.getLogger(__name__)

HOP_STREAM = "ussd:v1:hops"  # where hops went one by one before transcripts travelled with the dial
HOP_STREAM_MAXLEN = 2_000_000
ENDED_TTL = 120
RATE_TTL = 120  # a per-minute counter of a phone's hops outlives its minute by one more
CARD_TTL = 7 * 24 * 3600  # a caller's card (id, language, cart, profile) outlives a dial by this long
FUNNEL = ("dial", "shop", "cart", "checkout", "order")
SORRY = "Sorry, something went wrong. Please dial again in a moment."
BUSY = "Sorry, the service is busy. Please dial again in a moment."
TOO_FAST = "Too many requests from your phone. Please wait a minute and dial again."
# No keypad dial types this much; answering with END (HTTP 200) spares the customer a network error.
MAX_TYPED = 2000
TOO_LONG = "Sorry, that was too long to read. Please dial again."


def state_key(req: UssdRequest) -> str:
    return f"ussd:v1:{req.provider}:{req.session_id}"


def run_hop(rt: Runtime, req: UssdRequest) -> HopAnswer:
    """Answer one hop. Never raises: failures become a polite END (and a logged traceback)."""
    with dial_store.Link(rt.redis) as link:  # one pooled connection for the load and the save
        return _run_hop(rt, req, link)


def _run_hop(rt: Runtime, req: UssdRequest, link: dial_store.Link) -> HopAnswer:
    started = time.perf_counter()
    try:
        loaded = _load(rt, req, link)
        catalog_versions.bring_up_to_date(rt.redis, rt.catalog, loaded.epoch)
    except redis.RedisError:
        log.exception("redis unavailable for a USSD hop")
        return HopAnswer(BUSY, True)
    if loaded.hits > rt.settings.USSD_HOPS_PER_MINUTE:
        return HopAnswer(TOO_FAST, True)
    try:
        state = DialState.from_dict(dial_log.decode_dial(loaded.state)) if loaded.state else None
    except (ValueError, TypeError, zlib.error):  # not a state this release (or any) wrote
        log.exception("unreadable USSD state; ending the dial politely")
        return HopAnswer(SORRY, True)
    req, rt = follow_path(req, state, time.time()), within_budget(rt, req)
    if len(req.text) > MAX_TYPED:
        lang = state.lang if state else default_language(req.phone, rt.translator.languages)
        return HopAnswer(rt.translator(lang, TOO_LONG), True)
    if state is not None and state.text == req.text:
        return HopAnswer(state.reply, state.ended)  # a retried request: same answer, nothing applied
    if state is not None and state.ended:
        return HopAnswer(state.reply, True)
    # The card is written back only when this dial changed it (or has just read it from SQL): a
    # dial never overwrites what another dial of the same phone wrote since.
    known = loaded.card if state is None else card_of(state, state.cart or [])
    try:
        state, reply, answer, pending = _advance(rt, req, state, loaded.card)
    except Exception:
        log.exception("USSD hop failed; ending the dial politely")
        return HopAnswer(SORRY, True)
    note_heard(state, req, time.time())
    ms = (time.perf_counter() - started) * 1000
    try:
        _save(rt, link, req, state, reply, answer, ms, pending, known)
    except redis.RedisError:
        log.exception("could not save USSD state")
        return HopAnswer(BUSY, True)
    if rt.settings.LOG_HOPS:
        _log_hop(req, answer, reply, ms)
    return HopAnswer(reply.text, reply.end)


def _log_hop(req: UssdRequest, answer: str | None, reply: Reply, ms: float) -> None:
    """One line a person can follow: who (masked), what they typed, where it led, how long."""
    if log.isEnabledFor(logging.INFO):
        typed = f"typed {answer!r}" if answer is not None else "dialled"
        log.info("USSD %s %s -> %s%s (%.0f ms): %s", mask(req.phone), typed, reply.screen,
                 " END" if reply.end else "", ms, one_line(reply.text, 90))


@dataclass(frozen=True)
class _Loaded:
    """What the hop's first round trip brought back."""

    state: bytes | None
    hits: int
    epoch: str  # the catalog epoch (see gateway.catalog_versions)
    card: CustomerCard | None  # the caller, as the last dial left them (read for a new dial only)


def card_key(phone: str) -> str:
    return f"ussd:v1:customer:{phone}"


def card_of(state: DialState, cart: list[list[int]]) -> CustomerCard:
    """The caller's card as the dial ``state`` knows them (with ``cart``)."""
    return CustomerCard(state.customer_id, state.lang, cart, CallerProfile.from_dict(state.caller))


def _load(rt: Runtime, req: UssdRequest, link: dial_store.Link) -> _Loaded:
    rate_key = f"ussd:v1:rate:{req.phone}:{int(time.time() // 60)}"
    raw, hits, epoch, card = dial_store.load(link, state_key(req), rate_key, RATE_TTL,
                                             catalog_versions.EPOCH, card_key(req.phone))
    return _Loaded(raw, hits, catalog_versions.epoch_of(epoch), CustomerCard.from_json(card))


def _advance(rt: Runtime, req: UssdRequest, state: DialState | None,
             card: CustomerCard | None) -> tuple[DialState, Reply, str | None, list[PendingJob]]:
    """Run the menus and commit what they wrote; returns the jobs the hop asked for.

    The database opens only if a screen needs it (a write, a shop not in the snapshots, a caller
    not seen before): a hop that only navigates runs no SQL. One that runs only Core statements
    (a caller's card, the cart's upsert) commits them on a bare connection, with no ORM session.
    """
    db = LazySession(rt.sessions)
    try:
        state, reply, answer = _navigate(rt, cast(Session, db), req, state, card)
        if db.session is not None:
            return state, reply, answer, transactions.commit_and_take(db.session)
        db.commit()  # Core statements only (or none): no session, so no jobs either
        return state, reply, answer, []
    except Exception:
        db.rollback()
        if db.session is not None:
            forget_pending(db.session)
        raise
    finally:
        db.close()


def _navigate(rt: Runtime, db: Session, req: UssdRequest, state: DialState | None,
              card: CustomerCard | None) -> tuple[DialState, Reply, str | None]:
    fresh = state is None
    if state is None:
        card = card or customer_card(db, req.phone, rt.translator.languages)
        state = DialState(customer_id=card.id, lang=card.lang, cart=card.cart,
                          caller=card.profile.to_dict() if card.profile else None)
        state.bag["funnel"] = "dial"
    cart = DialCart(db, state.customer_id, state.cart)
    caller = DialCaller(db, state.customer_id, CallerProfile.from_dict(state.caller))
    catalog = CatalogReader(db, rt.catalog)

    def make_ctx(current: DialState, reserved: int) -> Ctx:
        return Ctx(db=db, customer_id=current.customer_id, phone=req.phone, session_id=req.session_id,
                   lang=current.lang, data=current.data, bag=current.bag, settings=rt.settings,
                   translate=rt.translator, reserved=reserved, catalog=catalog, cart=cart, caller=caller)

    if fresh:
        reply, answer = _open(rt, db, req, state, make_ctx), req.text or None
    else:
        typed = new_input(state.text, req.text)
        if typed is None:
            state.ended = True
            return state, Reply(SORRY, True, state.screen), req.text
        reply, answer = step(state, typed, make_ctx), typed
    _note_funnel(state, reply.screen)
    state.cart = _cart_after(db, cart)
    state.caller = caller.known.to_dict() if caller.known else None
    return state, reply, answer


def _open(rt: Runtime, db: Session, req: UssdRequest, state: DialState,
          make_ctx: Callable[[DialState, int], Ctx]) -> Reply:
    """The first hop of a dial: home, a shop's own code, or a dial whose Redis state was lost."""
    base_code = rt.settings.USSD_SERVICE_CODE
    path = direct_dial_path(req.service_code, req.text, base_code)
    from_home = not direct_dial_path(req.service_code, "", base_code)
    if path and req.text and from_home and _known_session(rt, db, req):
        # Redis lost this dial's state: replay what was typed from the home screen (a dial on a
        # shop's own code replays from that shop, as its first hop did).
        reply = open_dial(state, make_ctx)
        for answer in path:
            if not replayable(state, reply, answer):
                break
            reply = step(state, answer, make_ctx)
        return reply
    return open_dial(state, make_ctx, path)


def _cart_after(db: Session, cart: DialCart) -> list[list[int]] | None:
    """The cart as it stands after the hop. A hop that wrote it other than through ``cart``
    (placing an order empties it; Order again refills it) said so with ``read_again``: it is read
    again (one statement) unless a later read already did."""
    if cart.stale:
        return cart.lines
    return cart.known_lines


def end_dial(rt: Runtime, session_id: str, provider: str = "at") -> None:
    """The aggregator says the dial is over: hand its transcript to the worker now, if it did
    not end on an END screen (which handed it over already). Raises ``redis.RedisError``."""
    dial_log.close(rt.redis, f"ussd:v1:{provider}:{session_id}")


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


def _known_session(rt: Runtime, db: Session, req: UssdRequest) -> bool:
    """Whether this dial was under way before (its state lost): still tracked as live in Redis,
    or already on record in SQL. Asked only of a first hop that arrives with typed answers."""
    if rt.redis.zscore(dial_log.LIVE, state_key(req)) is not None:
        return True
    return db.scalar(select(UssdSession.id).where(UssdSession.session_id == req.session_id)) is not None


def _note_funnel(state: DialState, screen: str) -> None:
    step_name = screen_of(screen).funnel
    current = state.bag.get("funnel", "dial")
    if step_name and FUNNEL.index(step_name) > FUNNEL.index(current):
        state.bag["funnel"] = step_name


def _save(rt: Runtime, link: dial_store.Link, req: UssdRequest, state: DialState, reply: Reply,
          answer: str | None, ms: float, pending: list[PendingJob], known: CustomerCard | None) -> None:
    """Enqueue the committed hop's jobs, save the state (with the hop in its transcript) and the
    caller's card if it is no longer what the dial ``known`` before: one round trip, in that
    order (the jobs' commands, then one script). A dial that ends hands its transcript to the
    worker in the same round trip.

    If it fails, nothing of it lands: the dial ends politely and the outbox sweep enqueues the
    committed rows' jobs again.
    """
    state.text, state.reply, state.seq = req.text, reply.text, state.seq + 1
    state.ended = state.ended or reply.end
    shown = "****" if reply.sensitive and answer else (answer or "")
    entry = dial_log.hop_entry(state.seq, reply.screen, shown, reply.text, ms)
    state.log = dial_log.add_entry(state.log, entry)
    key = state_key(req)
    pipe = rt.redis.pipeline(transaction=False) if pending else None
    if pipe is not None:
        transactions.dispatch(rt.queue, pending, pipeline=pipe)
    card = None
    if state.cart is not None:
        now = card_of(state, state.cart)
        if now != known:
            card = now.to_json()
    if state.ended:
        value: bytes | str = json.dumps({"customer_id": state.customer_id, "lang": state.lang,
                                         "text": req.text, "reply": reply.text, "ended": True})
        ttl = ENDED_TTL
        record: str | None = dial_log.transcript(req.session_id, req.phone, req.service_code, req.network,
                                                 state.bag, state.log)
    else:
        if not state.meta:
            state.meta = {"sid": req.session_id, "phone": req.phone, "code": req.service_code,
                          "net": req.network}
        value, record = dial_log.encode_state(state.to_dict()), None
        ttl = rt.settings.USSD_SESSION_TTL
    dial_store.save(link, pipe, state_key=key, state=value, ttl=ttl, live_key=dial_log.LIVE,
                    now=time.time(), card_key=card_key(req.phone), card=card, card_ttl=CARD_TTL,
                    dials_key=dial_log.DIALS, transcript=record, dials_maxlen=dial_log.DIALS_MAXLEN)
