"""The cart: lines with totals, change a quantity, remove a line, empty it, one shop at a time."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from gateway.core.runtime import Runtime
from tests.conftest import DEMO_CSV, Dialer
from tests.menus.conftest import CART, TO_AVOCADO, product_named, records

KEEP_SHOPPING = "2"
VIEW_CART = "3"


def fill_cart(dialer: Dialer) -> str:
    """2 avocados (KSh 25) then 1 cabbage (KSh 60), ending on the cart."""
    dialer.walk(*TO_AVOCADO, "2", KEEP_SHOPPING, "2", "1")
    return dialer.dial(VIEW_CART)


def test_cart_lists_lines_with_totals(dialer: Dialer, demo_catalog: None) -> None:
    cart = fill_cart(dialer)
    assert cart.splitlines() == ["CON My cart: KSh 110", "1. Avocado x2 KSh 50", "2. Cabbage x1 KSh 60",
                                 "99 Checkout", "88 Empty cart", "0 Back"]


def test_change_quantity_and_remove_a_line(dialer: Dialer, demo_catalog: None) -> None:
    fill_cart(dialer)
    line = dialer.dial("2")
    assert line.splitlines()[:3] == ["CON Cabbage", "1 x KSh 60", "New quantity (1-10):"]
    assert dialer.dial("11").startswith("CON Enter a number from 1 to 10.\nCabbage")
    assert "2. Cabbage x3 KSh 180" in dialer.dial("3")
    dialer.dial("1")
    cart = dialer.dial("99")  # remove avocados
    assert cart.splitlines()[:2] == ["CON My cart: KSh 180", "1. Cabbage x3 KSh 180"]


def test_empty_the_cart_after_confirming(dialer: Dialer, demo_catalog: None) -> None:
    fill_cart(dialer)
    assert "Empty your cart?" in dialer.dial("88")
    assert "My cart: KSh 110" in dialer.dial("0")  # changed my mind
    dialer.dial("88")
    emptied = dialer.dial("1")
    assert emptied.splitlines() == ["CON My cart", "Your cart is empty.", "0 Back"]
    assert "Choose a number from the list." in dialer.dial("99")  # nothing to check out


def test_another_shops_item_offers_to_switch(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2")
    offer = dialer.walk("2", "1", "1", "3")  # Duka la Baraka: first category, first item
    assert offer.startswith("CON Your cart holds items from Mama Njeri Groceries.")
    assert "1. Empty cart and add" in offer
    assert "0 Back" in offer
    added = dialer.dial("1")
    assert added.startswith("CON Added 3 x ")
    cart = dialer.dial(VIEW_CART)
    assert "Avocado" not in cart and "x3" in cart
    with records(rt) as db:
        assert product_named(db, "Avocado").stock == 60  # a cart reserves nothing


def test_redial_with_a_cart_offers_to_continue(dialer: Dialer, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2")
    home = dialer.dial()  # a new dial, a new session
    assert home.splitlines()[:2] == ["CON Welcome back! Your cart has 2 item(s).", "1. Mama Njeri Groceries"]
    assert "\n91 My cart (2)\n" in home
    assert "1. Avocado x2 KSh 50" in dialer.dial(CART)
    assert "Total KSh 50\nPick up at the shop" in dialer.dial("99")  # the summary


def test_removing_the_only_line_of_a_later_page_shows_the_first(make_app: Callable[..., Flask]) -> None:
    app = make_app(USSD_MAX_CHARS=120)  # a strict aggregator: the cart takes two pages
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)]).exit_code == 0
    dialer = Dialer(app.test_client())
    dialer.walk("1", "1")
    for item in range(1, 4):  # three vegetables, one of each
        dialer.dial(str(item))
        dialer.dial("1")
        dialer.dial(KEEP_SHOPPING)
    dialer.dial("00")
    pages = [dialer.dial(CART)]
    while "98 More" in pages[-1]:
        pages.append(dialer.dial("98"))
    assert len(pages) == 2, pages
    assert len(pages[-1].splitlines()) == 5  # title, one line, 99, 88, 0
    dialer.dial("1")
    after = dialer.dial("99")  # remove that line: its page is gone
    assert after.startswith("CON My cart: KSh") and "\n1. Avocado x1" in after, after


def test_adding_the_same_item_again_counts_what_the_cart_holds(dialer: Dialer, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "6")
    again = dialer.walk(*TO_AVOCADO)  # a new dial: the cart is kept
    assert again == "CON Avocado - KSh 25\n6 in your cart. How many more? (1-4)"
    assert dialer.dial("5").startswith("CON Enter a number from 1 to 4.")
    assert dialer.dial("4").startswith("CON Added 4 x Avocado.")
    full = dialer.walk(*TO_AVOCADO)
    assert full == "CON Your cart already has 10 x Avocado, as many as one order can take.\n0 Back"
    assert dialer.dial("1").startswith("CON Press 0 to go back.")
    assert "Avocado x10" in dialer.walk(CART)
