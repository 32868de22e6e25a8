"""The menu state machine: one answer in, one screen out.

``open_dial`` starts a dial (optionally with a direct-dial path); ``step`` applies one answer.
Both mutate the ``DialState`` they are given and return the ``Reply`` to show. Navigation is the
same everywhere: ``0`` back, ``00`` home; lists add ``98`` more themselves. Nothing here commits,
touches Redis or knows a provider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.core.errors import BodegaError
from menus.screens import BACK, HOME, REGISTRY, Back, Ctx, End, Goto, Home, Outcome, Retry, Screen
from menus.text import fit_screen, septets

log = logging.getLogger(__name__)

HOME_SCREEN = "home"
DIRECT_DIAL_SCREEN = "shop.direct"
STACK_DEPTH = 8
RETRY_LINE = 60


@dataclass
class DialState:
    """Everything a live dial keeps between hops (stored as one small JSON value in Redis)."""

    customer_id: int
    lang: str
    screen: str = HOME_SCREEN
    data: dict[str, Any] = field(default_factory=dict)
    stack: list[list[Any]] = field(default_factory=list)
    bag: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    reply: str = ""
    seq: int = 0
    ended: bool = False
    cart: list[list[int]] | None = None  # the cart's [product_id, qty] lines; None: not read yet
    caller: dict[str, Any] | None = None  # the caller's profile (town, last order); None: not read yet
    log: str = ""  # the dial's hops so far, for its transcript: their JSON text (gateway.ussd.dial_log)
    meta: dict[str, str] = field(default_factory=dict)  # who dialled what, for the transcript

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: the caller serialises it at once, and asdict() deep-copies every
        # list and dict of the stack on each hop.
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DialState:
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        return cls(**known)


@dataclass(frozen=True)
class Reply:
    text: str
    end: bool
    screen: str
    sensitive: bool = False  # the answer that led here must be masked in logs
    refused: bool = False  # the answer was not accepted: the same screen again, with why


CtxFactory = Callable[[DialState, int], Ctx]


def screen_of(name: str) -> Screen:
    return REGISTRY[name]


def open_dial(state: DialState, make_ctx: CtxFactory, shortcut: list[str] | None = None) -> Reply:
    """Show the first screen of a dial; a direct-dial ``shortcut`` opens a shop and replays the rest.

    Replayed answers stop in front of any screen that writes (``mutates``), so a replay can never
    add to a cart or place an order twice, and at the first answer a screen refuses (the customer
    sees that screen and why, rather than later answers landing on the wrong screen).
    """
    state.screen, state.data, state.stack = HOME_SCREEN, {}, []
    if not shortcut:
        return _render(state, make_ctx(state, 0))
    ctx = make_ctx(state, 0)
    _render(state, ctx)
    outcome = _guarded(ctx, lambda: screen_of(DIRECT_DIAL_SCREEN).handle(ctx, shortcut[0]))
    reply = _apply(state, ctx, outcome, make_ctx)
    for answer in shortcut[1:]:
        if not replayable(state, reply, answer):
            break
        reply = step(state, answer, make_ctx)
    return reply


def replayable(state: DialState, reply: Reply, answer: str) -> bool:
    """Whether a replayed ``answer`` may be applied after ``reply``: the dial goes on, the last
    answer was accepted, and the screen showing does not write on that answer."""
    return not (reply.end or reply.refused or screen_of(state.screen).writes_on(state.data, answer.strip()))


def step(state: DialState, answer: str, make_ctx: CtxFactory) -> Reply:
    """Apply one ``answer`` to the current screen and return what the handset shows next."""
    answer = answer.strip()
    ctx = make_ctx(state, 0)
    if answer == HOME:
        outcome: Outcome = Home()
    elif answer == BACK:
        outcome = Back()
    else:
        screen = screen_of(state.screen)
        outcome = _guarded(ctx, lambda: screen.handle(ctx, answer))
    return _apply(state, ctx, outcome, make_ctx)


def _guarded(ctx: Ctx, handle: Callable[[], Outcome]) -> Outcome:
    try:
        return handle()
    except BodegaError as exc:
        log.info("screen refused an answer: %s", exc)
        return Retry(exc.render(ctx.t))


def _apply(state: DialState, ctx: Ctx, outcome: Outcome, make_ctx: CtxFactory) -> Reply:
    sensitive = screen_of(state.screen).sensitive
    state.lang = ctx.lang  # a screen may switch the dial's language (ctx.lang = "sw")
    if isinstance(outcome, Retry):
        # a third of the screen at most, so the screen under it keeps its options on small limits
        message = fit_screen(outcome.message, min(RETRY_LINE, ctx.max_chars // 3))
        retry_ctx = make_ctx(state, septets(message) + 1)
        body = screen_of(state.screen).render(retry_ctx)
        state.data = retry_ctx.data
        return replace(_finish(state, retry_ctx, f"{message}\n{body}", False, sensitive), refused=True)
    if isinstance(outcome, End):
        state.ended = True
        return _finish(state, ctx, outcome.message, True, sensitive)
    if isinstance(outcome, Home):
        state.screen, state.data, state.stack = HOME_SCREEN, {}, []
    elif isinstance(outcome, Back):
        if state.stack:
            state.screen, state.data = state.stack.pop()
        else:
            state.screen, state.data = HOME_SCREEN, {}
        state.data = {**state.data, **outcome.data}
    elif isinstance(outcome, Goto):
        if outcome.screen not in REGISTRY:
            raise KeyError(f"screen {state.screen!r} went to unknown screen {outcome.screen!r}")
        if outcome.push:
            state.stack.append([state.screen, ctx.data])
            del state.stack[:-STACK_DEPTH]
        state.screen, state.data = outcome.screen, dict(outcome.data)
    reply = _render(state, make_ctx(state, 0))
    return Reply(reply.text, reply.end, reply.screen, sensitive)


def _render(state: DialState, ctx: Ctx) -> Reply:
    screen = screen_of(state.screen)
    ctx.data = state.data
    body = screen.render(ctx)
    state.data = ctx.data
    return _finish(state, ctx, body, False, False)


def _finish(state: DialState, ctx: Ctx, body: str, end: bool, sensitive: bool) -> Reply:
    return Reply(fit_screen(body, ctx.max_chars), end, state.screen, sensitive)
