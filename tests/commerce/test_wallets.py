"""Which customers a wallet can charge: M-Pesa takes KES from Safaricom numbers only."""

from __future__ import annotations

import pytest

from gateway.commerce.wallets import can_charge


@pytest.mark.parametrize(("phone", "currency", "expected"), [
    ("+254711000111", "KES", True),   # 071x Safaricom
    ("+254748123456", "kes", True),   # 0748 Safaricom, currency in any case
    ("+254110123456", "KES", True),   # 0110 Safaricom
    ("+254733000202", "KES", False),  # 073x Airtel
    ("+254100123456", "KES", False),  # 0100 Airtel
    ("+254771234567", "KES", False),  # 077x Telkom
    ("+255754000111", "KES", False),  # Tanzania
    ("+254711000111", "TZS", False),  # a currency M-Pesa Kenya does not collect
    ("+25471100011", "KES", False),   # a digit short
])
def test_m_pesa_coverage(phone: str, currency: str, expected: bool) -> None:
    assert can_charge("mpesa", currency, phone) is expected


def test_cash_suits_everyone() -> None:
    assert can_charge("cash", "PEN", "+51987654321")


def test_m_pesa_takes_at_most_kes_250000_in_one_payment() -> None:
    assert can_charge("mpesa", "KES", "+254711000111", 250_000_00)
    assert not can_charge("mpesa", "KES", "+254711000111", 250_000_01)
