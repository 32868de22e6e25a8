"""Fewer keypresses: a first order in at most 7 hops, Order again in 3, answers remembered."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import update

from gateway.commerce.models import Product
from gateway.core.runtime import Runtime
from tests.conftest import Dialer
from tests.menus.conftest import (
    AGAIN_TO_AVOCADO,
    CASH,
    CHECKOUT,
    DELIVERY,
    REFERENCE,
    TO_AVOCADO,
    all_orders,
    product_named,
    records,
)

PLACED = rf"END Order ({REFERENCE})(: approve| placed).*"


def hops_to_end(dialer: Dialer, *answers: str) -> tuple[int, str]:
    """Dial, answer each screen; the number of hops the network carried and the last reply."""
    reply = dialer.dial()
    hops = 1
    for answer in answers:
        assert not dialer.ended, (hops, reply)
        reply = dialer.dial(answer)
        hops += 1
    return hops, reply


def test_a_first_order_on_the_demo_catalog_takes_seven_hops(dialer: Dialer, demo_catalog: None) -> None:
    # dial -> shop -> category -> product -> quantity -> Checkout -> Confirm
    hops, final = hops_to_end(dialer, *TO_AVOCADO, "2", CHECKOUT, "1")
    assert re.fullmatch(PLACED, final, re.S), final
    assert hops == 7


def test_a_repeat_order_takes_three_hops(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "4", CHECKOUT, *DELIVERY, "Kibera market gate", *CASH, "1")
    with records(rt) as db:
        (first,) = all_orders(db)
    home = dialer.dial()
    assert "\n1. Order again: 4x Avocado\n2. Mama Njeri Groceries\n" in home, home
    summary = dialer.dial("1")
    assert "4 item(s) from Mama Njeri Groceries\nTotal KSh 100\nDelivery: Kibera market gate" in summary
    assert "Payment: Cash on delivery" in summary  # the last order's answers, not the first offered
    final = dialer.dial("1")
    assert re.fullmatch(rf"END Order {REFERENCE} placed\. Total KSh 100, pay on delivery\..*", final, re.S)
    assert len(dialer.text.split("*")) + 1 == 3  # dial, Order again, Confirm
    assert dialer.post() == final  # the network retries Confirm
    rt.redis.flushdb()  # and even with the dial's state lost
    dialer.post()
    with records(rt) as db:
        orders = all_orders(db)
        assert len(orders) == 2 and orders[0].id == first.id
        assert (orders[1].fulfilment, orders[1].landmark, orders[1].payment_method) == (
            "delivery", "Kibera market gate", "cash")
        assert [(line.name, line.qty) for line in orders[1].lines] == [("Avocado", 4)]
        assert product_named(db, "Avocado").stock == 52


def test_order_again_at_today_s_prices_leaves_out_what_is_gone(dialer: Dialer, rt: Runtime,
                                                               demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "5", "2", "2", "2", CHECKOUT, "1")  # 5 avocados, 2 cabbages, M-Pesa
    with records(rt) as db:
        db.execute(update(Product).where(Product.name == "Avocado").values(stock=3, price_minor=3000))
        db.execute(update(Product).where(Product.name == "Cabbage").values(active=False))
        db.commit()
    home = dialer.dial()
    assert "1. Order again: 5x Avocado +1" in home, home
    summary = dialer.dial("1")
    assert summary.startswith("CON Left out: Cabbage. Only 3 Avocado left.\n3 item(s)"), summary
    assert "Total KSh 90\nPick up at the shop\nPayment: M-Pesa" in summary
    with records(rt) as db:
        db.execute(update(Product).where(Product.name == "Avocado").values(stock=0))
        db.execute(update(Product).where(Product.name == "Cabbage").values(active=False))
        db.commit()
    nothing = dialer.walk("1")
    assert nothing.startswith("CON Sorry, none of those items are available now.\n"), nothing
    assert "\n91 My cart (3)\n" in nothing  # the cart the last dial refilled is left as it was


def test_checkout_opens_with_the_customer_s_remembered_answers(dialer: Dialer, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "1", CHECKOUT, *DELIVERY, "Total petrol station", *CASH, "1")
    summary = dialer.walk(*AGAIN_TO_AVOCADO, "1", CHECKOUT)  # a new order, picked by hand
    assert "Delivery: Total petrol station\nPayment: Cash on delivery\n1. Confirm" in summary, summary


def single_category_catalog(path: Path) -> Path:
    path.write_text("shop,owner_phone,category,sku,name,price,stock,currency\n"
                    "Kiosk ya Juma,+254722000909,Drinks,K-1,Soda 500ml,60.00,10,KES\n"
                    "Kiosk ya Juma,+254722000909,Drinks,K-2,Water 1l,50.00,10,KES\n", encoding="utf-8")
    return path


def test_a_shop_with_one_category_opens_on_its_products(make_app: Callable[..., Flask],
                                                        tmp_path: Path) -> None:
    app = make_app()
    csv = single_category_catalog(tmp_path / "kiosk.csv")
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(csv)]).exit_code == 0
    dialer = Dialer(app.test_client())
    dialer.dial()
    products = dialer.dial("1")
    assert products.startswith("CON Kiosk ya Juma\n1. Soda 500ml - KSh 60\n2. Water 1l - KSh 50\n90 Search")
    assert dialer.dial("0").startswith("CON Welcome to Bodega\n1. Kiosk ya Juma")  # one back: the shops
    hops, final = hops_to_end(dialer, "1", "2", "1", CHECKOUT, "1")
    assert hops == 6 and re.fullmatch(PLACED, final, re.S), final
    assert dialer.dial(text="1").startswith("CON Kiosk ya Juma\n1. Soda")  # its direct code, too
