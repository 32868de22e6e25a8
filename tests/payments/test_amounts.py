"""Amounts on the wire: written as each provider wants, read back bounded."""

from __future__ import annotations

import time
from typing import Any

import pytest

from gateway.payments.amounts import OUT_OF_RANGE, decimal_number, decimal_text, minor_from


@pytest.mark.parametrize(("minor", "currency", "text", "number"), [
    (1250, "GHS", "12.50", 12.5), (1200, "PEN", "12", 12), (5000, "UGX", "5000", 5000),
    (16035, "PEN", "160.35", 160.35), (5, "EUR", "0.05", 0.05),
])
def test_amounts_are_written_in_major_units(minor: int, currency: str, text: str, number: float) -> None:
    assert decimal_text(minor, currency) == text
    assert decimal_number(minor, currency) == number


@pytest.mark.parametrize(("value", "currency", "minor"), [
    ("600", "EUR", 60000), ("12.50", "GHS", 1250), (160.35, "PEN", 16035), (1000, "UGX", 1000),
    ("5.0", "UGX", 500 // 100), (0.1, "PEN", 10),
])
def test_plain_amounts_are_read(value: Any, currency: str, minor: int) -> None:
    assert minor_from(value, currency) == minor


@pytest.mark.parametrize("value", ["NaN", "12,50", "", " ", "0x10", "9" * 41, True, None, [], {"amount": 1}])
def test_what_is_not_a_number_is_unreadable(value: Any) -> None:
    assert minor_from(value, "PEN") is None


@pytest.mark.parametrize("value", ["1e999999", "-5", "inf", 1e300, "9" * 25, "1.234", "1" + "0" * 17])
def test_a_number_no_payment_can_be_is_out_of_range_never_a_match(value: Any) -> None:
    assert minor_from(value, "PEN") == OUT_OF_RANGE


def test_decimals_a_currency_lacks_are_out_of_range() -> None:
    assert minor_from("5.5", "UGX") == OUT_OF_RANGE
    assert minor_from("5", "UGX") == 5


def test_a_huge_exponent_is_read_in_microseconds() -> None:
    started = time.perf_counter()
    for _ in range(1000):
        minor_from("1e999999999", "PEN")
    assert time.perf_counter() - started < 0.5
