"""Opening hours as a shop's door says them, in the shop's time zone; the basket every checkout
uses (items, fee as its own line, what is missing to reach the minimum)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.commerce.models import Shop
from gateway.commerce.shop_terms import BadTerms, Basket, basket, is_open, opens_next, parse_hours, shop_zone

TUESDAY = datetime(2026, 12, 1, tzinfo=UTC)  # a Tuesday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return TUESDAY.replace(day=day, hour=hour, minute=minute)


def shop(hours: str | None, timezone: str | None = None, phone: str = "+254722000101") -> Shop:
    return Shop(name="S", currency="KES", owner_phone=phone, hours=hours, timezone=timezone,
                delivers=True, delivery_fee_minor=5000, min_order_minor=20000)


def test_hours_in_the_shops_time_zone() -> None:
    nairobi = shop("Mon-Sat 08:00-19:00")  # UTC+3, from the owner's number
    assert str(shop_zone(nairobi)) == "Africa/Nairobi"
    assert not is_open(nairobi, at(1, 4, 59)) and opens_next(nairobi, at(1, 4, 59)) == "08:00"
    assert is_open(nairobi, at(1, 5)) and is_open(nairobi, at(1, 15, 59))
    assert not is_open(nairobi, at(1, 16)) and opens_next(nairobi, at(1, 16)) == "08:00"
    assert not is_open(nairobi, at(6, 9)) and opens_next(nairobi, at(5, 17)) == "Mon 08:00"  # Sunday
    lima = shop("Mon-Sat 08:00-19:00", "America/Lima")  # UTC-5
    assert is_open(lima, at(1, 13)) and not is_open(lima, at(1, 12, 59))


def test_spans_past_midnight_and_several_spans() -> None:
    bar = shop("Fri 18:00-02:00; Sat 10:00-12:00", "UTC")
    assert is_open(bar, at(4, 23)) and is_open(bar, at(5, 1, 59))  # Friday night into Saturday
    assert not is_open(bar, at(5, 2)) and opens_next(bar, at(5, 2)) == "10:00"
    assert is_open(shop(None), at(1, 3))  # no hours: always open
    assert is_open(shop("nonsense stored earlier"), at(1, 3))  # never shut by a typo


@pytest.mark.parametrize(("typed", "reason"), [
    ("Mon-Sat 8-19", "cannot read"), ("Mon-Sun 08:00-08:00", "same time"), ("Mon 24:00-25:00", "time of day"),
    ("Xyz 08:00-09:00", "unknown day"), ("", "no hours"),
])
def test_hours_that_do_not_parse_say_why(typed: str, reason: str) -> None:
    with pytest.raises(BadTerms, match=reason):
        parse_hours(typed)


def test_basket_fee_total_and_what_is_missing() -> None:
    terms = shop(None)
    assert basket(terms, 15000, "delivery") == Basket(15000, 5000, 20000, 5000)
    assert basket(terms, 25000, "pickup") == Basket(25000, 0, 25000, 0)
