"""Amounts on the wire: written as each provider wants, read back bounded."""

from __future__ import annotations

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


@pytest.mark.parametrize("value", [
    "1e999999", "1E5", "-5", "+5", "NaN", "inf", 1e300, float("nan"), "9" * 25, "12,50", "",
    True, None, [], {"amount": 1}, " ", "0x10", "١٢",
])
def test_anything_else_is_refused_without_building_it(value: Any) -> None:
    assert minor_from(value, "PEN") is None


def test_a_plain_amount_no_payment_can_be_is_out_of_range_never_a_match() -> None:
    assert minor_from("5.5", "UGX") == OUT_OF_RANGE  # decimals the currency lacks
    assert minor_from("1.234", "PEN") == OUT_OF_RANGE
    assert minor_from("1" + "0" * 17, "PEN") == OUT_OF_RANGE  # above MAX_MINOR
