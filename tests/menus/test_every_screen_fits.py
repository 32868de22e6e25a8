"""Every screen, rendered in every language, is GSM-7 and fits the screen: with the demo catalog
nothing is cut at 182 characters; with the longest names the columns allow (and at 120
characters) the names give way and the options and ``0 Back`` survive."""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce import carts, order_states, orders
from gateway.commerce.customers import find_or_create_customer
from gateway.commerce.models import Category, Order, Product, Shop
from gateway.core.i18n import load_translator
from gateway.core.runtime import Runtime
from menus.screens import REGISTRY, Ctx
from menus.text import fit_screen, is_gsm7, septets, to_gsm7
from tests.conftest import DEMO_CSV, Dialer

LANGS = ("en", "es", "sw")
OPTION = re.compile(r"^(\d+\.? )")
LONG = "Supermercado “La Güera” – Frutas, Verduras y Más, Año 2024: señor Ñandú ½ kg 🥑 "
LANDMARK = "Opposite the big water tank at the gate"  # 40 is the most a landmark may be
SHORT_ITEM = "Maziwa Lala 500ml, Brookside X"  # 30, the most of a name the short-stock screen shows


def long_name(tag: str, size: int) -> str:
    return (f"{tag} {LONG * 3}")[:size]


def write_long_catalog(path: Path) -> None:
    """Two shops whose names, categories and products are as long as the columns allow."""
    rows = []
    for s in (1, 2):
        shop = long_name(f"S{s}", 80)
        for c in range(3):
            category = long_name(f"C{c}", 80)
            for p in range(12):
                rows.append([shop, f"+25472200010{s}", category, f"S{s}C{c}P{p}", long_name(f"P{p}", 120),
                             "1234567.89", "500", "KES"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["shop", "owner_phone", "category", "sku", "name", "price", "stock", "currency"])
        writer.writerows(rows)


@dataclass
class World:
    """Ids of the rows each screen is shown with."""

    customer_id: int
    shop: int
    category: int
    product: int
    other_shop_product: int
    order: int


def build_world(db: Session) -> World:
    customer = find_or_create_customer(db, "+254711000999", ["en"])
    shop = db.scalars(select(Shop).order_by(Shop.number)).first()
    assert shop is not None
    category = db.scalars(select(Category).where(Category.shop_id == shop.id).order_by(Category.id)).first()
    assert category is not None
    query = select(Product).where(Product.category_id == category.id).order_by(Product.id)
    products = list(db.scalars(query))
    other = db.scalars(select(Product).where(Product.shop_id != shop.id)).first()
    assert other is not None
    for product in products[:6]:
        carts.add_to_cart(db, customer.id, product.id, 9)
    order = orders.place_order(db, customer.id, "fit-test", orders.DELIVERY, LANDMARK, "mpesa")
    order_states.transition(db, order, order_states.PAYMENT_FAILED, "system", "payment")
    for product in products[:5]:
        carts.add_to_cart(db, customer.id, product.id, 10)
    shop.delivery_fee_minor, shop.town = 15000, "Kasarani"  # a fee line, a town option on home
    for other_shop in db.scalars(select(Shop).where(Shop.id != shop.id)):
        other_shop.town = "Lima"
    db.commit()
    return World(customer.id, shop.id, category.id, products[0].id, other.id, order.id)


def screen_data(world: World) -> dict[str, dict[str, Any]]:
    """What each screen is shown with. A new screen must be added here (the test checks)."""
    checkout = {"fulfilment": orders.DELIVERY, "landmark": LANDMARK}
    return {
        "home": {}, "shop.list": {"town": "Kasarani"}, "shop.town": {}, "shop.direct": {}, "help": {},
        "account.language": {},
        "search.ask": {"shop": world.shop}, "search.results": {"q": "a", "shop": None},
        "shop.categories": {"shop": world.shop}, "shop.products": {"category": world.category},
        "shop.quantity": {"product": world.product}, "shop.added": {"product": world.product, "qty": 10},
        "cart.view": {}, "cart.line": {"product": world.product}, "cart.empty": {},
        "cart.switch_shop": {"product": world.other_shop_product, "qty": 10},
        "checkout.fulfilment": {}, "checkout.landmark": {"fulfilment": orders.DELIVERY},
        "checkout.payment": checkout,
        "checkout.confirm": {**checkout, "method": "cash", "note": "Left out: Salt 500g."},
        "checkout.short_stock": {"name": SHORT_ITEM, "wanted": 10, "left": 9},
        "orders.list": {}, "orders.detail": {"order": world.order}, "orders.cancel": {"order": world.order},
        "orders.pay": {"order": world.order}, "checkout.pay_code": {"order": world.order},
    }


Render = Callable[[str, str, int, int], tuple[str, str]]


@pytest.fixture
def render(rt: Runtime) -> Callable[[World], Render]:
    def bind(world: World) -> Render:
        def show(name: str, lang: str, limit: int, reserved: int) -> tuple[str, str]:
            db = rt.sessions()
            try:
                ctx = Ctx(db=db, customer_id=world.customer_id, phone="+254711000999", session_id="fit",
                          lang=lang, data=dict(screen_data(world)[name]), bag={},
                          settings=dataclasses.replace(rt.settings, USSD_MAX_CHARS=limit),
                          translate=load_translator(), reserved=reserved)
                raw = REGISTRY[name].render(ctx)
                return raw, fit_screen(raw, limit - reserved)
            finally:
                db.rollback()
                db.close()
        return show
    return bind


def import_catalog(app: Flask, path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output


def check_fits(shown: str, raw: str, limit: int) -> None:
    assert is_gsm7(shown), shown
    assert septets(shown) <= limit, (septets(shown), shown)
    options = [OPTION.match(line) for line in to_gsm7(raw).split("\n")]
    for found in filter(None, options):
        assert any(line.startswith(found.group(1)) for line in shown.split("\n")), (found.group(1), shown)


def test_every_screen_has_a_rendering_case(app: Flask, rt: Runtime, tmp_path: Path) -> None:
    world = World(1, 1, 1, 1, 1, 1)
    assert set(screen_data(world)) == set(REGISTRY)


def test_demo_catalog_screens_fit_uncut_in_every_language(app: Flask, rt: Runtime,
                                                          render: Callable[[World], Render]) -> None:
    import_catalog(app, DEMO_CSV)
    db = rt.sessions()
    world = build_world(db)
    db.close()
    show = render(world)
    for lang in LANGS:
        for name in REGISTRY:
            raw, shown = show(name, lang, 182, 0)
            check_fits(shown, raw, 182)
            assert ".." not in shown.replace("...", ""), (lang, name, shown)  # nothing was clipped


@pytest.mark.parametrize("limit", [182, 160, 120])
def test_longest_names_fit_in_every_language(app: Flask, rt: Runtime, tmp_path: Path, limit: int,
                                             render: Callable[[World], Render]) -> None:
    path = tmp_path / "long.csv"
    write_long_catalog(path)
    import_catalog(app, path)
    db = rt.sessions()
    world = build_world(db)
    assert len(db.get(Product, world.product).name) == 120  # type: ignore[union-attr]
    db.close()
    show = render(world)
    for lang in LANGS:
        for name in REGISTRY:
            for reserved in (0, min(60, limit // 3) + 1):  # under the longest retry line
                raw, shown = show(name, lang, limit, reserved)
                check_fits(shown, raw, limit - reserved)
        products = show("shop.products", lang, limit, 0)[1].splitlines()[1:-2]
        assert products and all(line.endswith(" - KSh 1,234,567.89") for line in products), products


def test_orders_detail_names_lines_that_do_not_fit(app: Flask, rt: Runtime, tmp_path: Path,
                                                   render: Callable[[World], Render]) -> None:
    path = tmp_path / "long.csv"
    write_long_catalog(path)
    import_catalog(app, path)
    db = rt.sessions()
    world = build_world(db)
    order = db.get(Order, world.order)
    assert order is not None and len(order.lines) == 6
    db.close()
    _, shown = render(world)("orders.detail", "en", 120, 0)
    assert re.search(r"^\+\d more$", shown, re.M), shown
    assert shown.endswith("1. Cancel order\n2. Pay now\n0 Back")


@pytest.mark.parametrize("phone", ["+254711000111", "+525512345678", "+255712345678"])
def test_a_whole_order_on_a_120_character_aggregator(make_app: Callable[..., Flask], phone: str) -> None:
    app = make_app(USSD_MAX_CHARS=120)
    import_catalog(app, DEMO_CSV)
    dialer = Dialer(app.test_client(), phone=phone)
    replies = [dialer.dial(), *(dialer.dial(key) for key in ("1", "1", "1", "2", "1", "2", "2",
                                                              "Opposite the big water tank at the gate",
                                                              "9", "1"))]  # 9: a retry
    assert dialer.ended and re.search(r"[A-HJ-NP-Z2-9]{5}", replies[-1]), replies[-1]
    for reply in replies:
        body = reply[4:]
        assert is_gsm7(body) and septets(body) <= 120, (septets(body), body)
