"""Money is an integer in minor units with its currency; these convert at the edges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision

# Far above any real price, far below what a BIGINT column holds (a typo must not crash a write).
MAX_MINOR = 10**15


def precision(currency: str) -> int:
    return int(get_currency_precision(currency.upper()))


def to_minor(amount: str, currency: str) -> int:
    """``"12.50", "KES"`` -> ``1250``. Raises ``ValueError`` for anything that is not a price."""
    try:
        value = Decimal(amount.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not a price: {amount!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"not a price: {amount!r}")
    scaled = value * (10 ** precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount!r} has more decimals than {currency} allows")
    if scaled > MAX_MINOR:
        raise ValueError(f"{amount!r} is larger than any price Bodega takes")
    return int(scaled)


def format_money(minor: int, currency: str) -> str:
    """``1250, "KES"`` -> ``KES 12.50``; whole amounts drop the decimals (``KES 360``)."""
    digits = precision(currency)
    whole, cents = divmod(abs(minor), 10 ** digits) if digits else (abs(minor), 0)
    sign = "-" if minor < 0 else ""
    text = f"{whole:,}"
    if cents:
        text += f".{cents:0{digits}d}"
    return f"{currency} {sign}{text}"
