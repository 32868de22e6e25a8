"""``0`` back, ``00`` home and a wrong key behave the same on every screen of the journey."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from gateway.commerce.models import Product
from gateway.core.runtime import Runtime
from gateway.ussd.hop import UssdRequest, state_key
from menus.screens import REGISTRY
from tests.conftest import Dialer
from tests.menus.conftest import CASH, MPESA, TO_AVOCADO

# How to reach each screen from a fresh dial, after `SETUP` (an M-Pesa order and 2 avocados in
# the cart). Every screen but the ones that end a dial or are never shown must be listed.
SETUP = (*TO_AVOCADO, "1", "1", "1", MPESA, "1")
PATHS: dict[str, tuple[str, ...]] = {
    "shop.list": ("1",),
    "shop.categories": ("1", "1"),
    "shop.products": ("1", "1", "1"),
    "shop.quantity": TO_AVOCADO,
    "shop.added": (*TO_AVOCADO, "1"),
    "cart.view": ("2",),
    "cart.line": ("2", "1"),
    "cart.empty": ("2", "88"),
    "cart.switch_shop": ("1", "2", "1", "1", "1"),
    "checkout.fulfilment": ("2", "99"),
    "checkout.landmark": ("2", "99", "2"),
    "checkout.payment": ("2", "99", "1"),
    "checkout.confirm": ("2", "99", "1", CASH),
    "orders.list": ("3",),
    "orders.detail": ("3", "1"),
    "orders.cancel": ("3", "1", "1"),
    "orders.pay": ("3", "1", "2"),
    "account.language": ("4",),
    "help": ("5",),
}
NEVER_SHOWN = {"home", "shop.direct"}
# Shown only when stock runs out under the customer: reached in its own test below.
AFTER_A_SELL_OUT = {"checkout.short_stock"}
# Shown only when shops are in more than one town (the demo's are in one): see test_towns.py.
WITH_SEVERAL_TOWNS = {"shop.town"}
# "Added" replaces the quantity screen, so 0 cannot add the item twice: it goes back to the list.
BACK_TO = {"shop.added": "shop.products"}


def current_screen(rt: Runtime, dialer: Dialer) -> str:
    key = state_key(UssdRequest(dialer.session_id, dialer.phone, "", ""))
    raw = rt.redis.get(key)
    assert raw is not None
    return str(json.loads(raw)["screen"])


@pytest.fixture
def shopper(dialer: Dialer, rt: Runtime, demo_catalog: None) -> Dialer:
    dialer.walk(*SETUP)
    dialer.walk(*TO_AVOCADO, "2")
    return dialer


def test_every_screen_has_a_path() -> None:
    assert set(PATHS) | NEVER_SHOWN | AFTER_A_SELL_OUT | WITH_SEVERAL_TOWNS == set(REGISTRY)


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
    assert "1. Shop" in home


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
