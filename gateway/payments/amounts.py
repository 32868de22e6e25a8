"""Amounts on the wire: what providers send and expect, to and from integer minor units.

MoMo writes amounts as strings (``"600"``, ``"12.50"``), Airtel and PagoEfectivo as JSON numbers
(``1000``, ``160.35``). Reading is bounded: a provider's callback is untrusted input, so an amount
is at most ``MAX_CHARS`` characters of plain digits with one optional decimal point (no sign, no
exponent, no ``NaN``), never more decimals than the currency has, and never above ``MAX_MINOR`` —
``Decimal("1e999999")`` is never built.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.commerce.money import MAX_MINOR, precision

MAX_CHARS = 24
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
    """A provider's amount (string or JSON number) in minor units, or None when it is not a
    plain, bounded, non-negative amount ``currency`` can hold (``"5"`` -> 500 for EUR)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.strip()
    match = PLAIN_AMOUNT.fullmatch(text) if len(text) <= MAX_CHARS else None
    if match is None:
        return None
    whole, decimals = match.group(1), (match.group(2) or "").rstrip("0")
    digits = precision(currency)
    if len(decimals) > digits:
        return None
    minor = int(whole) * 10**digits + int(decimals.ljust(digits, "0") or 0)
    return minor if minor <= MAX_MINOR else None
