"""A shop's terms on the keypad: the delivery fee is its own line and in the total, an order below
the minimum is refused saying what is missing, delivery is offered only where the shop delivers,
and a closed shop is marked in the list and takes no order. Set with ``flask shop set``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from gateway.commerce.models import AuditEntry, Shop
from gateway.core.runtime import Runtime
from tests.conftest import Dialer
from tests.menus.conftest import CASH, CHECKOUT, TO_AVOCADO, all_orders, records

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def shop_set(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["shop", "set", "1", *args])
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_the_delivery_fee_is_a_line_and_in_the_total(app: Flask, dialer: Dialer, rt: Runtime,
                                                     demo_catalog: None) -> None:
    shop_set(app, "--delivery-fee", "50")
    dialer.walk(*TO_AVOCADO, "2", CHECKOUT)  # 2 x Avocado, KSh 50
    assert "2. Delivery (+KSh 50)" in dialer.dial("2")  # Change delivery
    dialer.dial("2")
    dialer.dial("Kibera market gate")
    dialer.dial(CASH[0])
    summary = dialer.dial(CASH[1])
    assert "Delivery fee KSh 50\nTotal KSh 100" in summary
    assert "Total KSh 100, pay on delivery" in dialer.dial("1")
    with records(rt) as db:
        (order,) = all_orders(db)
        assert (order.total_minor, order.delivery_fee_minor) == (10000, 5000)


def test_a_fee_changed_after_the_summary_is_shown_before_it_is_charged(
        app: Flask, dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    shop_set(app, "--delivery-fee", "50")
    dialer.walk(*TO_AVOCADO, "2", CHECKOUT, "2", "2", "Kibera market gate", *CASH)
    assert "Delivery fee KSh 50\nTotal KSh 100" in dialer.screen
    shop_set(app, "--delivery-fee", "80")  # while the customer reads the summary
    changed = dialer.dial("1")
    assert changed.startswith("CON Your cart changed.") and "Total KSh 130" in changed
    with records(rt) as db:
        assert all_orders(db) == []  # nothing charged that the customer was not shown
    assert "Total KSh 130, pay on delivery" in dialer.dial("1")
    with records(rt) as db:
        (order,) = all_orders(db)
        assert (order.total_minor, order.delivery_fee_minor) == (13000, 8000)


def test_pickup_pays_no_fee(app: Flask, dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    shop_set(app, "--delivery-fee", "50")
    summary = dialer.walk(*TO_AVOCADO, "2", CHECKOUT, *CASH)  # checkout: pick up
    assert "Delivery fee" not in summary and "Total KSh 50" in summary


def test_below_the_minimum_says_what_is_missing(app: Flask, dialer: Dialer, demo_catalog: None) -> None:
    shop_set(app, "--min-order", "200")
    dialer.walk(*TO_AVOCADO, "2")
    screen = dialer.dial(CHECKOUT)
    assert "Mama Njeri Groceries takes orders from KSh 200: add KSh 150 more.\n1. Add more\n0 Back" in screen
    assert "Press 1 to add more or 0 to go back." in dialer.dial("5")
    categories = dialer.dial("1")  # back in the shop, to add what is missing
    assert categories.startswith("CON Mama Njeri Groceries\n1. Vegetables")
    dialer.dial("1")
    dialer.dial("1")
    dialer.dial("6")  # 6 more avocados: KSh 200 in all
    assert "Total KSh 200" in dialer.dial(CHECKOUT)


def test_delivery_is_offered_only_where_the_shop_delivers(app: Flask, dialer: Dialer,
                                                          demo_catalog: None) -> None:
    shop_set(app, "--no-delivery")
    dialer.walk(*TO_AVOCADO, "2")
    summary = dialer.dial(CHECKOUT)  # one way to get it: not asked, said on the summary
    assert "Pick up at the shop" in summary and "Change delivery" not in summary
    assert "Choose a number from the list." in dialer.dial("2")  # 2 is not offered here
    assert "How will you pay?" in dialer.dial("3")


def test_a_closed_shop_is_marked_and_takes_no_order(app: Flask, dialer: Dialer, rt: Runtime,
                                                    demo_catalog: None) -> None:
    tomorrow = DAYS[(datetime.now(UTC) + timedelta(days=1)).weekday()]
    shop_set(app, "--hours", f"{tomorrow} 08:00-09:00", "--timezone", "UTC")
    shops = dialer.dial()
    assert "1. Mama Njeri Groceries (closed, opens 08:00)" in shops
    for answer in ("1", "1", "1", "2"):  # browsing a closed shop is fine
        dialer.dial(answer)
    assert "Sorry, Mama Njeri Groceries is closed, opens 08:00." in dialer.dial("1")
    with records(rt) as db:
        assert all_orders(db) == []


def test_new_terms_reach_a_dial_already_at_checkout(app: Flask, dialer: Dialer, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2", CHECKOUT)  # the summary, priced from the catalog snapshot
    assert "Total KSh 50" in dialer.screen and "Delivery fee" not in dialer.screen
    shop_set(app, "--delivery-fee", "30")
    assert "2. Delivery (+KSh 30)" in dialer.dial("2")  # Change delivery: the fee just set
    shop_set(app, "--min-order", "200")
    assert "takes orders from KSh 200: add KSh 150 more." in dialer.dial("0")
    shop_set(app, "--min-order", "0", "--no-delivery")
    summary = dialer.dial("7")  # a key it does not offer: the summary again, under the new terms
    assert "Total KSh 50" in summary and "Change delivery" not in summary


def test_bad_terms_change_nothing(app: Flask, rt: Runtime, demo_catalog: None) -> None:
    cli = app.test_cli_runner()
    for args, reason in ((["--hours", "Mon-Sat 8-19"], "cannot read 'Mon-Sat 8-19'"),
                         (["--hours", "Funday 08:00-10:00"], "cannot read"),
                         (["--delivery-fee", "-5"], "negative"),
                         (["--min-order", "ten"], "not a price"),
                         (["--timezone", "Africa/Narnia"], "unknown time zone"),
                         (["--town", "Kasarani", "--hours", "Mon 25:00-26:00"], "not a time of day")):
        result = cli.invoke(args=["shop", "set", "1", *args])
        assert result.exit_code == 1 and reason in result.output, (args, result.output)
    with records(rt) as db:
        shop = db.scalar(select(Shop).where(Shop.number == 1))
        assert shop is not None
        assert (shop.town, shop.hours, shop.delivery_fee_minor, shop.timezone) == (None, None, 0, None)
        assert db.scalar(select(AuditEntry).where(AuditEntry.action == "shop.terms")) is None
    done = shop_set(app, "--town", "Kasarani", "--hours", "Mon-Sat 08:00-19:00", "--timezone",
                    "Africa/Nairobi", "--min-order", "200")
    assert "town Kasarani" in done and "hours Mon-Sat 08:00-19:00" in done and "KSh 200" in done
