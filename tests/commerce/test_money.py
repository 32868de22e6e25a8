"""Prices as shop owners type them: decimal commas, thousands separators, and what is refused."""

from __future__ import annotations

import time

import pytest

from gateway.commerce.money import (
    MAX_MINOR,
    OUT_OF_RANGE,
    BadPrice,
    PriceProblem,
    format_money,
    is_known_currency,
    provider_minor,
    to_minor,
)
from menus.text import is_gsm7


@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("19,50", "PEN", 1950),
    ("19.50", "PEN", 1950),
    ("1,950.00", "PEN", 195000),
    ("1.950,00", "PEN", 195000),
    ("1,950", "PEN", 195000),
    ("1,950,000", "KES", 195000000),
    ("1.950.000", "UGX", 1950000),
    ("23,90", "PEN", 2390),
    ("1,5", "PEN", 150),
    (" 150 ", "KES", 15000),
    ("1,950.005", "KWD", 1950005),
])
def test_a_typed_price_becomes_minor_units(typed: str, currency: str, minor: int) -> None:
    assert to_minor(typed, currency) == minor


@pytest.mark.parametrize(("typed", "currency", "problem"), [
    ("1e3", "NGN", PriceProblem.UNREADABLE),
    ("1E3", "NGN", PriceProblem.UNREADABLE),
    ("-5", "KES", PriceProblem.NEGATIVE),
    ("\u22125", "KES", PriceProblem.NEGATIVE),
    ("+5", "KES", PriceProblem.UNREADABLE),
    ("KES 5", "KES", PriceProblem.UNREADABLE),
    ("five", "KES", PriceProblem.UNREADABLE),
    ("1,95,0", "KES", PriceProblem.UNREADABLE),
    ("1,950.00.00", "KES", PriceProblem.UNREADABLE),
    ("1.950,000.00", "KES", PriceProblem.UNREADABLE),
    (".50", "KES", PriceProblem.UNREADABLE),
    ("50.", "KES", PriceProblem.UNREADABLE),
    ("\u0661\u0662", "KES", PriceProblem.UNREADABLE),
    ("19.505", "KES", PriceProblem.TOO_MANY_DECIMALS),
    ("1.950", "KES", PriceProblem.TOO_MANY_DECIMALS),
    ("19,5", "UGX", PriceProblem.TOO_MANY_DECIMALS),
    ("9" * 5000, "KES", PriceProblem.TOO_LARGE),
])
def test_anything_else_is_refused_saying_why(typed: str, currency: str, problem: PriceProblem) -> None:
    with pytest.raises(BadPrice) as refused:
        to_minor(typed, currency)
    assert refused.value.problem is problem
    assert "e.g." in str(refused.value) or problem is PriceProblem.TOO_LARGE


def test_the_refusal_says_what_to_send_instead() -> None:
    with pytest.raises(BadPrice, match=r"'1e3'; send digits with one decimal point or comma, e.g. 19.50"):
        to_minor("1e3", "NGN")
    with pytest.raises(BadPrice, match=r"'19,5' has decimals, but UGX prices are whole numbers, e.g. 1950"):
        to_minor("19,5", "UGX")


def test_only_real_currency_codes_are_known() -> None:
    assert is_known_currency("KES") and is_known_currency("pen")
    assert not is_known_currency("XYZ")


@pytest.mark.parametrize(("minor", "currency", "shown"), [
    (195000, "KES", "KSh 1,950"), (5000, "KES", "KSh 50"), (2390, "PEN", "S/ 23.90"),
    (500000, "TZS", "TSh 5,000"), (3000, "UGX", "USh 3,000"), (1950, "XOF", "XOF 1,950"),
    (125050, "KES", "KSh 1,250.50"), (-5000, "KES", "KSh -50"),
])
def test_prices_read_as_people_write_them_in_gsm7(minor: int, currency: str, shown: str) -> None:
    assert format_money(minor, currency) == shown
    assert is_gsm7(shown)


@pytest.mark.parametrize(("reported", "minor"), [
    (50, 5000), ("50", 5000), (50.0, 5000), ("50.5", 5050), ("1e2", 10000),
    ("1e999990", OUT_OF_RANGE), ("-5", OUT_OF_RANGE), (float("inf"), OUT_OF_RANGE), ("0.001", OUT_OF_RANGE),
    ("9" * 40, OUT_OF_RANGE), ("9" * 41, None), ("1" * 100_000, None), ("abc", None), ("NaN", None),
    (None, None), ({"x": 1}, None),
])
def test_provider_amounts_are_bounded_before_any_arithmetic(reported: object, minor: int | None) -> None:
    started = time.perf_counter()
    assert provider_minor(reported) == minor
    assert time.perf_counter() - started < 0.05  # "1e999990" once took 26 s of CPU


def test_format_money_never_prints_an_absurd_amount() -> None:
    started = time.perf_counter()
    assert format_money(10**5000, "KES") == "KSh (out of range)"  # once: "Exceeds the limit (4300 digits)"
    assert format_money(-(10**20), "KES") == "KSh (out of range)"
    assert format_money(MAX_MINOR, "KES") == "KSh 10,000,000,000,000"
    assert time.perf_counter() - started < 0.05


def test_a_megabyte_of_digits_is_refused_as_a_price_not_a_crash() -> None:
    with pytest.raises(BadPrice) as refused:
        to_minor("0" * 100_000 + "1", "KES")  # int() of it raised ValueError (4300 digits)
    assert refused.value.problem is PriceProblem.TOO_LARGE
