"""The neutral USSD hop: what every aggregator's adapter parses its request into, and the
answer it renders back.

It lives apart from the hop that runs it so that adapters (``gateway.transports``) import the type
they translate into, and nothing of the hop's machinery.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UssdRequest:
    """A hop in neutral form, whatever aggregator carried it."""

    session_id: str
    phone: str  # E.164
    service_code: str
    text: str  # everything typed so far, joined by '*'
    network: str = ""
    provider: str = "at"
    # Aggregators that send only the last screen's input (see gateway.transports.ussd_path):
    latest: str | None = None  # that input; None when ``text`` already holds the whole path (AT)
    new_dial: bool = False  # the provider says this request opens the dial
    hop_seq: int | None = None  # the provider's own hop counter, when it sends one
    max_chars: int | None = None  # the provider's screen budget, when below USSD_MAX_CHARS


@dataclass(frozen=True)
class HopAnswer:
    """The hop's answer in neutral form: the screen's text, and whether it ends the dial."""

    text: str
    end: bool
