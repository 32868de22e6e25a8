"""Every refusal the domain gives a customer or a shop owner reads in their language.

Domain errors carry a message id and values (``BodegaError.render``); the screen or SMS reply
translates them. This walks each one, raised by the domain itself where it can be, through en, es
and sw: translated (not English on a Spanish or Swahili handset), every placeholder filled, the
order status translated too, GSM-7, and short enough for a USSD screen. The shop owner's own
command replies are walked by ``tests/sms/test_shop_notices.py`` (every shop text in every language).
"""

from __future__ import annotations

import string
from typing import Any

import pytest

from gateway.commerce import order_states, orders
from gateway.commerce.models import Order
from gateway.core.errors import BodegaError, OutOfStock
from gateway.core.i18n import load_translator
from gateway.core.text import is_gsm7, septets, to_gsm7

LANGS = ("en", "es", "sw")


def _raised(call: Any) -> BodegaError:
    with pytest.raises(BodegaError) as caught:
        call()
    return caught.value


def domain_refusals() -> list[BodegaError]:
    """One of each refusal a customer or shop can be shown, as the domain raises it."""
    refusals: list[BodegaError] = [
        BodegaError("unexpected"), OutOfStock("short"), orders.EmptyCart("empty"),
        orders.CartChanged("changed"), orders.MixedCart("mixed"),
        orders.ShortOfStock("short", "Sukuma wiki (bunch)", 5, 1),
    ]
    for status in order_states.FINAL:  # a customer's cancel, too late
        order = Order(reference="K7P2Q", status=status)
        refusals.append(_raised(lambda order=order: orders.cancel_by_customer(None, order, "+254711000111")))  # type: ignore[arg-type]
    for status in order_states.LABELS:  # a shop's or admin's move the state machine refuses
        refusals.append(order_states._illegal(Order(reference="K7P2Q"), status, order_states.CONFIRMED))
    return refusals


@pytest.mark.parametrize("lang", LANGS)
def test_every_domain_refusal_reads_in_the_handset_language(lang: str) -> None:
    translator = load_translator()
    used: list[str] = []

    def t(msgid: str, **values: Any) -> str:
        text = translator(lang, msgid)
        assert lang == "en" or text != msgid, f"{lang} has no translation for {msgid!r}"
        used.append(msgid)
        return text.format(**values) if values else text

    for refusal in domain_refusals():
        shown = refusal.render(t)
        assert not any(field for _, field, _, _ in string.Formatter().parse(shown) if field), shown
        assert is_gsm7(to_gsm7(shown)) and septets(to_gsm7(shown)) <= 120, shown
        if lang == "en":
            assert shown == refusal.english
    assert set(order_states.LABELS.values()) <= set(used)  # statuses are translated, not left English
