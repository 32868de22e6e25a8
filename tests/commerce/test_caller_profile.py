"""The caller's card round-trips their town and last order; a card written before it carried them
(or with a profile it cannot read) says "not known" rather than "no order", so the hop reads SQL."""

from __future__ import annotations

from gateway.commerce.caller_profile import CallerProfile, LastOrder
from gateway.commerce.customers import CustomerCard

AVOCADO = LastOrder("delivery", "Kibera market gate", "cash", 2, "Avocado", 3)


def test_a_card_keeps_the_town_and_the_last_order() -> None:
    card = CustomerCard(7, "sw", [[3, 2]], CallerProfile("Kasarani", AVOCADO))
    assert CustomerCard.from_json(card.to_json()) == card
    first_time = CustomerCard(8, "en", [], CallerProfile(None, None))
    assert CustomerCard.from_json(first_time.to_json()) == first_time


def test_an_old_or_unreadable_profile_is_not_known() -> None:
    old = CustomerCard.from_json('{"id":7,"lang":"en","cart":[[3,2]]}')
    assert old == CustomerCard(7, "en", [[3, 2]], None)
    odd = CustomerCard.from_json('{"id":7,"lang":"en","cart":[],"profile":{"town":null,"last":[1]}}')
    assert odd is not None and odd.profile is None
    unknown = CustomerCard.from_json('{"id":7,"lang":"en","cart":[],"profile":null}')
    assert unknown == CustomerCard(7, "en", [])
