"""``0`` back, ``00`` home and a wrong key behave the same on every screen of the journey."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from gateway.commerce.models import Product
from gateway.core.runtime import Runtime
from gateway.ussd.dial_log import decode_state
from gateway.ussd.hop import UssdRequest, state_key
from menus.screens import REGISTRY
from tests.conftest import Dialer
from tests.menus.conftest import (
    AGAIN_TO_AVOCADO,
    CART,
    CHECKOUT,
    HELP,
    LANGUAGE,
    MPESA,
    ORDERS,
    SEARCH,
    TO_AVOCADO,
)

# How to reach each screen from a fresh dial, after `SETUP` (an M-Pesa order and 2 avocados in
# the cart), so the first screen opens with "1. Order again" and the shops follow from 2. Every
# screen but the ones that end a dial or are never shown must be listed.
SETUP = (*TO_AVOCADO, "1", CHECKOUT, *MPESA, "1")
PATHS: dict[str, tuple[str, ...]] = {
    "shop.categories": ("2",),
    "shop.products": ("2", "1"),
    "shop.quantity": AGAIN_TO_AVOCADO,
    "shop.added": (*AGAIN_TO_AVOCADO, "1"),
    "search.ask": (SEARCH,),
    "search.results": (SEARCH, "avo"),
    "cart.view": (CART,),
    "cart.line": (CART, "1"),
    "cart.empty": (CART, "88"),
    "cart.switch_shop": ("3", "1", "1", "1"),
    "checkout.confirm": (CART, "99"),
    "checkout.fulfilment": (CART, "99", "2"),
    "checkout.landmark": (CART, "99", "2", "2"),
    "checkout.payment": (CART, "99", "3"),
    "orders.list": (ORDERS,),
    "orders.detail": (ORDERS, "1"),
    "orders.cancel": (ORDERS, "1", "1"),
    "orders.pay": (ORDERS, "1", "2"),
    "account.language": (LANGUAGE,),
    "help": (HELP,),
}
NEVER_SHOWN = {"home", "shop.direct"}  # home: 0 and 00 on it show it again
# Shown only when stock runs out under the customer: reached in its own test below.
AFTER_A_SELL_OUT = {"checkout.short_stock"}
# Shown only after a Peruvian checkout paid with a PagoEfectivo code (tests/payments/test_pagoefectivo.py).
AFTER_A_CASH_CODE = {"checkout.pay_code"}
# Shown only when shops are in more than one town (the demo's are in one): see test_towns.py.
WITH_SEVERAL_TOWNS = {"shop.town", "shop.list"}
# Screens that replaced the one before them, so 0 goes one further back: "Added" and the switch
# of shops replace the quantity screen (0 cannot add the item twice), the landmark the delivery
# question (0 returns to the summary), search results the screen asking for letters.
BACK_TO = {"shop.added": "shop.products", "cart.switch_shop": "shop.products",
           "checkout.landmark": "checkout.confirm", "search.results": "home"}


def current_screen(rt: Runtime, dialer: Dialer) -> str:
    key = state_key(UssdRequest(dialer.session_id, dialer.phone, "", ""))
    raw = rt.redis.get(key)
    assert raw is not None
    return str(decode_state(raw)["screen"])


@pytest.fixture
def shopper(dialer: Dialer, rt: Runtime, demo_catalog: None) -> Dialer:
    dialer.walk(*SETUP)
    dialer.walk(*AGAIN_TO_AVOCADO, "2")
    return dialer


def test_every_screen_has_a_path() -> None:
    elsewhere = NEVER_SHOWN | AFTER_A_SELL_OUT | WITH_SEVERAL_TOWNS | AFTER_A_CASH_CODE
    assert set(PATHS) | elsewhere == set(REGISTRY)


@pytest.mark.parametrize("screen", sorted(PATHS))
def test_back_home_and_a_wrong_key(shopper: Dialer, rt: Runtime, screen: str) -> None:
    path = PATHS[screen]
    shopper.walk(*path[:-1])
    before = current_screen(rt, shopper)
    shown = shopper.dial(path[-1])
    assert current_screen(rt, shopper) == screen, shown
    wrong = shopper.dial("777")
    assert wrong.startswith("CON ") and current_screen(rt, shopper) == screen, wrong
    assert len(wrong.splitlines()) >= 2  # a one-line error, then the screen again
    shopper.dial("0")
    assert current_screen(rt, shopper) == BACK_TO.get(screen, before)
    home = shopper.dial("00")
    assert current_screen(rt, shopper) == "home"
    assert "1. Order again: 1x Avocado\n2. Mama Njeri Groceries" in home


def test_back_home_and_a_wrong_key_after_a_sell_out(shopper: Dialer, rt: Runtime) -> None:
    shopper.walk(*PATHS["checkout.confirm"])
    with rt.sessions() as db:
        db.execute(update(Product).where(Product.name == "Avocado").values(stock=1))
        db.commit()
    shopper.dial("1")
    assert current_screen(rt, shopper) == "checkout.short_stock"
    wrong = shopper.dial("777")
    assert wrong.startswith("CON Choose 1 or 2.\nSorry, only 1 Avocado left")
    shopper.dial("0")
    assert current_screen(rt, shopper) == "checkout.confirm"
    shopper.dial("1")
    shopper.dial("00")
    assert current_screen(rt, shopper) == "home"
