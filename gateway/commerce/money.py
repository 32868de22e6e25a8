"""Money is an integer in minor units with its currency; these convert at the edges."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

# Far above any real price, far below what a BIGINT column holds (a typo must not crash a write).
MAX_MINOR = 10**15
# Longer than any amount a person or a provider writes: text beyond it is refused before parsing.
MAX_AMOUNT_TEXT = 40
# What ``provider_minor`` answers for a number no payment can be (huge, negative, infinite): it
# never equals an amount asked for, so settling flags a mismatch for the admin.
OUT_OF_RANGE = MAX_MINOR + 1

NEGATIVE_SIGNS = ("-", "\u2212")  # hyphen-minus and the minus sign
DIGITS_AND_SEPARATORS = re.compile(r"[0-9.,]+")
# Thousands groups: 1-3 digits, then groups of exactly 3 after the separator.
GROUPED = {sep: re.compile(r"\d{1,3}(?:" + re.escape(sep) + r"\d{3})+") for sep in ",."}


class PriceProblem(Enum):
    UNREADABLE = "unreadable"
    NEGATIVE = "negative"
    TOO_MANY_DECIMALS = "too_many_decimals"
    TOO_LARGE = "too_large"


class BadPrice(ValueError):
    """A typed price Bodega refuses; ``str(exc)`` says why and what to send instead."""

    def __init__(self, amount: str, currency: str, problem: PriceProblem) -> None:
        self.amount, self.currency, self.problem = amount, currency, problem
        super().__init__(_explain(amount, currency, problem))


def precision(currency: str) -> int:
    return int(get_currency_precision(currency.upper()))


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def is_known_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code (``KES``, ``PEN``; not ``XYZ``)."""
    return code.upper() in _currency_codes()


def example_price(currency: str) -> str:
    """A price as Bodega reads it best, for messages: ``19.50`` (or ``1950`` without decimals)."""
    return "19.50" if precision(currency) >= 2 else "1950"


def to_minor(amount: str, currency: str) -> int:
    """A typed price in minor units: ``"19,50"``, ``"19.50"``, ``"1,950.00"``, ``"1.950,00"``.

    The separator written last is the decimal one, except a lone comma before exactly three
    digits, which groups thousands (``1,950`` is 1950). Raises ``BadPrice`` for signs,
    exponents, letters, misplaced separators and more decimals than ``currency`` has.
    """
    text = amount.strip()
    if len(text) > MAX_AMOUNT_TEXT:  # before any regex or int(): a megabyte of digits is not a price
        raise BadPrice(amount, currency, PriceProblem.TOO_LARGE)
    if text.startswith(NEGATIVE_SIGNS) and text[1:2].isdigit():
        raise BadPrice(amount, currency, PriceProblem.NEGATIVE)
    split = _whole_and_decimals(text) if DIGITS_AND_SEPARATORS.fullmatch(text) else None
    if split is None:
        raise BadPrice(amount, currency, PriceProblem.UNREADABLE)
    whole, decimals = split
    digits = precision(currency)
    if len(decimals) > digits:
        raise BadPrice(amount, currency, PriceProblem.TOO_MANY_DECIMALS)
    if len(whole.lstrip("0")) > len(str(MAX_MINOR)):
        raise BadPrice(amount, currency, PriceProblem.TOO_LARGE)
    minor = int(whole) * 10**digits + int(decimals.ljust(digits, "0") or 0)
    if minor > MAX_MINOR:
        raise BadPrice(amount, currency, PriceProblem.TOO_LARGE)
    return minor


def _whole_and_decimals(text: str) -> tuple[str, str] | None:
    """``"1.950,00"`` -> ``("1950", "00")``; None when the separators do not make one number."""
    last = max(text.rfind(","), text.rfind("."))
    if last == -1:
        return text, ""
    head, sep, tail = text[:last], text[last], text[last + 1:]
    if (sep == "," or sep in head) and _grouped(text, sep):  # 1,950 and 1.950.000: thousands only
        return text.replace(sep, ""), ""
    if not tail.isdigit() or not head:
        return None
    if head.isdigit():
        return head, tail
    thousands = "." if sep == "," else ","
    return (head.replace(thousands, ""), tail) if _grouped(head, thousands) else None


def _grouped(text: str, sep: str) -> bool:
    return GROUPED[sep].fullmatch(text) is not None


def _explain(amount: str, currency: str, problem: PriceProblem) -> str:
    shown, example = amount[:20], example_price(currency)
    if problem is PriceProblem.NEGATIVE:
        return f"{shown!r} is negative: send the price without a sign, e.g. {example}"
    if problem is PriceProblem.TOO_MANY_DECIMALS:
        digits = precision(currency)
        if not digits:
            return f"{shown!r} has decimals, but {currency} prices are whole numbers, e.g. 1950"
        return f"{shown!r} has more decimals than {currency} allows (at most {digits}), e.g. {example}"
    if problem is PriceProblem.TOO_LARGE:
        return f"{shown!r} is larger than any price Bodega takes"
    return f"not a price: {shown!r}; send digits with one decimal point or comma, e.g. {example} or 1,950.00"


def provider_minor(value: object, currency_digits: int = 2) -> int | None:
    """An amount a provider reported in major units (``1``, ``"1.00"``, ``1e2``) in minor units.

    Bounded before any arithmetic: text longer than ``MAX_AMOUNT_TEXT`` or not a number is None
    (malformed); a number no payment can be (negative, infinite, above ``MAX_MINOR``, a fraction
    of a minor unit) is ``OUT_OF_RANGE`` (a mismatch). ``"1e999990"`` answers in microseconds.
    """
    text = str(value).strip() if isinstance(value, (str, int, float, Decimal)) else ""
    if not text or len(text) > MAX_AMOUNT_TEXT:
        return None
    try:
        number = Decimal(text)  # parsing alone is cheap whatever the exponent; arithmetic is not
    except (InvalidOperation, ValueError):
        return None
    if number.is_nan():
        return None
    if not number.is_finite() or number < 0 or number.adjusted() > len(str(MAX_MINOR)):
        return OUT_OF_RANGE
    minor = number.scaleb(currency_digits)
    if minor != minor.to_integral_value() or minor > MAX_MINOR:
        return OUT_OF_RANGE
    return int(minor)


# How people write each currency, in GSM-7 only (one non-GSM-7 character would turn a whole SMS or
# screen into UCS-2). A currency not listed shows its ISO code: ``XOF 1,950``.
SYMBOLS = {"KES": "KSh", "PEN": "S/", "TZS": "TSh", "UGX": "USh", "USD": "$", "GBP": "\u00a3",
           "EUR": "\u20ac"}


def currency_sign(currency: str) -> str:
    """``KES`` -> ``KSh``, ``PEN`` -> ``S/``; the ISO code itself where no GSM-7 symbol is in use."""
    return SYMBOLS.get(currency.upper(), currency.upper())


def format_money(minor: int, currency: str) -> str:
    """``195000, "KES"`` -> ``KSh 1,950``; ``2390, "PEN"`` -> ``S/ 23.90``; whole amounts drop the
    decimals (``KSh 360``). The one formatter for screens, SMS and the console. An amount beyond
    ``MAX_MINOR`` either way reads ``KSh (out of range)``: never a 4,300-digit string."""
    if abs(minor) > MAX_MINOR:
        return f"{currency_sign(currency)} (out of range)"
    digits = precision(currency)
    whole, cents = divmod(abs(minor), 10 ** digits) if digits else (abs(minor), 0)
    sign = "-" if minor < 0 else ""
    text = f"{whole:,}"
    if cents:
        text += f".{cents:0{digits}d}"
    return f"{currency_sign(currency)} {sign}{text}"


def plain_amount(minor: int, currency: str) -> str:
    """``5000, "KES"`` -> ``50``; ``2390, "PEN"`` -> ``23.90``: what a form shows to be typed back."""
    digits = precision(currency)
    whole, cents = divmod(minor, 10 ** digits) if digits else (minor, 0)
    return f"{whole}.{cents:0{digits}d}" if cents else str(whole)
