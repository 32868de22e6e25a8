"""The dial's own path, for aggregators that send only the latest input (Hubtel, Arkesel, Nalo).

Africa's Talking sends everything typed so far, joined by ``*``, and the hop derives each new
answer by comparing that text with the one it stored. The other aggregators send only what was
typed on the last screen. Rather than teach the hop a second way of reading input, this module
rebuilds AT's cumulative text from the text the dial stored, so replay-safe diffing, the stored
reply for a retried request and the menus work exactly as they do for AT:

- a new dial (or a continuing request for a dial Redis does not know) starts cleanly at the
  first screen: its input is not applied, since nothing says which screen it answered;
- a retried request (the same provider sequence as the last hop, or, for providers without one,
  the same input again within ``RETRY_WINDOW`` seconds) gets the stored text back, so the hop
  answers it with the stored reply and applies nothing;
- anything else appends the input to the stored text with one ``*``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from config.settings import Settings
from gateway.core.runtime import Runtime
from gateway.ussd.request import UssdRequest
from menus.engine import DialState

# A person reads a screen and types an answer in more than this (and the network adds ~2 s per
# round trip); an aggregator resending a request it thinks was lost does it sooner.
RETRY_WINDOW = 2.0
BUDGETS_KEY = "screen_budgets"  # Runtime.extras: a provider's screen budget -> settings narrowed to it
HEARD = "heard"  # key in the dial's bag: [last input, when it arrived] for retry detection


def follow_path(req: UssdRequest, state: DialState | None, now: float) -> UssdRequest:
    """``req`` with ``text`` set to the dial's whole path (AT's form); AT's own requests unchanged."""
    if req.latest is None:
        return req
    if state is None:
        return dataclasses.replace(req, text="")
    if state.ended or req.new_dial or is_retry(req, state, now):
        return dataclasses.replace(req, text=state.text)
    text = req.latest if state.text == "" else f"{state.text}*{req.latest}"
    return dataclasses.replace(req, text=text)


def is_retry(req: UssdRequest, state: DialState, now: float) -> bool:
    """Whether ``req`` repeats the dial's last hop: by the provider's sequence when it sends one,
    else by the same input arriving again within ``RETRY_WINDOW`` of the last one."""
    if req.hop_seq is not None:
        return req.hop_seq <= state.seq
    heard: Any = state.bag.get(HEARD)
    if not isinstance(heard, list) or len(heard) != 2:
        return False
    last_input, last_at = heard
    return last_input == req.latest and isinstance(last_at, int | float) and 0 <= now - last_at < RETRY_WINDOW


def note_heard(state: DialState, req: UssdRequest, now: float) -> None:
    """Remember this hop's input and time in the dial, for ``is_retry`` on the next request."""
    if req.latest is not None and req.hop_seq is None:
        state.bag[HEARD] = [req.latest, round(now, 3)]


def within_budget(rt: Runtime, req: UssdRequest) -> Runtime:
    """``rt`` with the screen budget lowered to the provider's (Nalo shows 120 characters)."""
    if req.max_chars is None or req.max_chars >= rt.settings.USSD_MAX_CHARS:
        return rt
    # Copying the settings costs tens of microseconds: each budget's copy is made once per process.
    budgets: dict[int, tuple[Settings, Settings]] = rt.extras.setdefault(BUDGETS_KEY, {})
    base, narrowed = budgets.get(req.max_chars, (None, None))
    if base is not rt.settings or narrowed is None:
        narrowed = dataclasses.replace(rt.settings, USSD_MAX_CHARS=req.max_chars)
        budgets[req.max_chars] = (rt.settings, narrowed)
    return dataclasses.replace(rt, settings=narrowed)
