"""Amounts on the wire: what providers send and expect, to and from integer minor units.

MoMo writes amounts as strings (``"600"``, ``"12.50"``), Airtel and PagoEfectivo as JSON numbers
(``1000``, ``160.35``). Reading is the one bounded parser every provider shares
(``money.provider_minor``): a provider's callback is untrusted input, so nothing huge is ever
built, and an amount no payment can be reads as ``OUT_OF_RANGE`` and is flagged, not paid.
"""

from __future__ import annotations

from typing import Any

from gateway.commerce.money import OUT_OF_RANGE, precision, provider_minor

__all__ = ["OUT_OF_RANGE", "decimal_number", "decimal_text", "minor_from"]


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
    """A provider's amount (string or JSON number) in minor units of ``currency`` (``"5"`` -> 500
    for EUR), read by ``money.provider_minor``: bounded before any arithmetic; None when it is not
    a number at all (the callback is malformed), ``OUT_OF_RANGE`` for a number no payment can be
    (negative, huge, a fraction of a minor unit), which settling flags as a mismatch."""
    if isinstance(value, bool):
        return None
    return provider_minor(value, precision(currency))
