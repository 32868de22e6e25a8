"""Which customers a wallet can charge: M-Pesa takes KES from Safaricom numbers only."""

from __future__ import annotations

import pytest

from gateway.commerce.wallets import NETWORKS, WALLET_NAMES, can_charge, offered_methods


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


@pytest.mark.parametrize(("method", "phone", "currency", "expected"), [
    ("momo", "+256772123456", "UGX", True),    # MTN Uganda 077
    ("momo", "+256752123456", "UGX", False),   # Airtel Uganda 075
    ("momo", "+233241234567", "GHS", True),    # MTN Ghana 024
    ("momo", "+233241234567", "UGX", False),   # a Ghanaian number, a Ugandan shop
    ("momo", "+250781234567", "RWF", True),    # MTN Rwanda
    ("momo", "+237671234567", "XAF", True),    # MTN Cameroon 67
    ("momo", "+2250512345678", "XOF", True),   # MTN Côte d'Ivoire 05 (ten digits)
    ("airtel", "+256752123456", "UGX", True),  # Airtel Uganda
    ("airtel", "+254733000202", "KES", True),  # Airtel Kenya 073
    ("airtel", "+254711000111", "KES", False),  # Safaricom
    ("airtel", "+255681234567", "TZS", True),  # Airtel Tanzania
    ("pagoefectivo", "+51987654321", "PEN", True),
    ("pagoefectivo", "+51987654321", "USD", True),
    ("pagoefectivo", "+5114567890", "PEN", False),  # a Lima landline gets no SMS
    ("pagoefectivo", "+256772123456", "PEN", False),
])
def test_each_wallet_charges_its_own_networks_in_their_currency(method: str, phone: str, currency: str,
                                                                expected: bool) -> None:
    assert can_charge(method, currency, phone) is expected


def test_limits_are_per_country() -> None:
    assert can_charge("airtel", "KES", "+254733000202", 150_000_00)
    assert not can_charge("airtel", "KES", "+254733000202", 150_000_01)
    assert can_charge("momo", "UGX", "+256772123456", 7_000_000)
    assert not can_charge("momo", "UGX", "+256772123456", 7_000_001)


def test_offered_methods_keep_the_shops_order_and_leave_out_what_cannot_charge() -> None:
    order = ("mpesa", "momo", "airtel", "pagoefectivo", "cash")
    assert offered_methods(order, "KES", "+254711000111", 50_00) == ["mpesa", "cash"]
    assert offered_methods(order, "KES", "+254733000202", 50_00) == ["airtel", "cash"]
    assert offered_methods(order, "UGX", "+256772123456", 5_000) == ["momo", "cash"]
    assert offered_methods(order, "PEN", "+51987654321", 25_00) == ["pagoefectivo", "cash"]
    assert offered_methods(("cash", "momo"), "UGX", "+256772123456", 5_000) == ["cash", "momo"]
    assert offered_methods(order, "NGN", "+2348031234567", 5_000) == ["cash"]


def test_every_wallet_has_its_own_name_and_sane_network_data() -> None:
    assert WALLET_NAMES == {"mpesa": "M-Pesa", "momo": "MTN MoMo", "airtel": "Airtel Money",
                            "pagoefectivo": "PagoEfectivo"}
    for method, networks in NETWORKS.items():
        assert method in WALLET_NAMES
        for network in networks:
            assert network.calling_code.isdigit() and len(network.country) == 2 and network.most_minor > 0
            assert all(p.isdigit() and len(p) < network.digits for p in network.prefixes)
