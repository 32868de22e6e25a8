"""Amounts on the wire: what providers send and expect, to and from integer minor units.

MoMo writes amounts as strings (``"600"``, ``"12.50"``), Airtel and PagoEfectivo as JSON numbers
(``1000``, ``160.35``). Reading is bounded: a provider's callback is untrusted input, so an amount
is at most ``MAX_CHARS`` characters of plain ASCII digits with one optional decimal point (no
sign, no exponent, no ``NaN``): ``Decimal("1e999999")`` is never built. A plain amount no payment
can be (too many decimals, above ``MAX_MINOR``) reads as ``OUT_OF_RANGE``, so it is flagged.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.commerce.money import MAX_MINOR, precision

MAX_CHARS = 24
OUT_OF_RANGE = MAX_MINOR + 1  # an amount no payment can be: always a mismatch
PLAIN_AMOUNT = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,6}))?")  # ASCII digits only


def decimal_text(minor: int, currency: str) -> str:
    """``1250, "GHS"`` -> ``"12.50"``; ``5000, "UGX"`` -> ``"5000"``; ``1200, "GHS"`` -> ``"12"``."""
    digits = precision(currency)
    if not digits:
        return str(minor)
    whole, cents = divmod(minor, 10**digits)
    return f"{whole}.{cents:0{digits}d}" if cents else str(whole)


def decimal_number(minor: int, currency: str) -> int | float:
    """The amount as a JSON number (``160.35``, ``1000``) for providers that take numbers."""
    text = decimal_text(minor, currency)
    return float(text) if "." in text else int(text)


def minor_from(value: Any, currency: str) -> int | None:
    """A provider's amount (string or JSON number) in minor units (``"5"`` -> 500 for EUR).

    None when it is not a plain amount at all (malformed: the callback gets 400). A plain amount
    no payment can be (more decimals than ``currency`` has, above ``MAX_MINOR``) is
    ``OUT_OF_RANGE``, which never equals an amount asked for: settling flags it for the admin
    rather than losing word of money that moved."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = (repr(value) if isinstance(value, float) else str(value)).strip()
    match = PLAIN_AMOUNT.fullmatch(text) if len(text) <= MAX_CHARS else None
    if match is None:
        return None
    whole, decimals = match.group(1), (match.group(2) or "").rstrip("0")
    digits = precision(currency)
    if len(decimals) > digits:
        return OUT_OF_RANGE
    minor = int(whole) * 10**digits + int(decimals.ljust(digits, "0") or 0)
    return minor if minor <= MAX_MINOR else OUT_OF_RANGE
