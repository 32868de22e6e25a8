"""Getting around on the keypad: direct dial, 0 back, 00 home, 98 more, bad input, languages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.models import Customer
from gateway.core.runtime import Runtime
from tests.conftest import Dialer
from tests.menus.conftest import CHECKOUT, HELP, LANGUAGE, ORDERS, SEARCH, TO_AVOCADO, records

SECOND_SHOP_HOME = "CON Duka la Baraka\n1. Household\n2. Airtime & Phone\n3. Snacks\n90 Search\n0 Back"


def test_direct_dial_in_the_service_code(dialer: Dialer, demo_catalog: None) -> None:
    dialer.service_code = "*384*123*2#"
    assert dialer.dial() == SECOND_SHOP_HOME
    assert dialer.dial("3").startswith("CON Snacks\n1. ")


def test_direct_dial_as_the_first_text(dialer: Dialer, demo_catalog: None) -> None:
    assert dialer.dial(text="2") == SECOND_SHOP_HOME
    assert dialer.dial("3").startswith("CON Snacks\n1. ")
    assert dialer.text == "2*3"


def test_direct_dial_with_the_path_to_a_product(dialer: Dialer, demo_catalog: None) -> None:
    quantity = dialer.dial(text="1*1*1")  # shop 1, Vegetables, first product
    assert quantity.startswith("CON Avocado - KSh 25\nHow many? (1-10)")


def test_direct_dial_stops_at_the_first_refused_key(dialer: Dialer, demo_catalog: None) -> None:
    reply = dialer.dial(text="1*9*1")  # shop 1 has no ninth category: the 1 after it must not apply
    assert reply.startswith("CON Choose a number from the list.\nMama Njeri Groceries\n1. Vegetables")
    assert dialer.dial("1").startswith("CON Vegetables\n1. ")


def test_direct_dial_digits_reported_in_both_code_and_text_apply_once(dialer: Dialer,
                                                                      demo_catalog: None) -> None:
    assert dialer.dial(text="2", service_code="*384*123*2#") == SECOND_SHOP_HOME


def test_direct_dial_to_an_unknown_shop(dialer: Dialer, demo_catalog: None) -> None:
    reply = dialer.dial(text="77")
    assert reply.startswith("CON There is no shop number 77.")


def test_more_back_and_home_on_a_long_list(dialer: Dialer, demo_catalog: None) -> None:
    first = dialer.walk("1", "1")
    assert "98 More" in first
    second = dialer.dial("98")
    assert second.splitlines()[1] != first.splitlines()[1]
    assert not set(first.splitlines()[1:-2]) & set(second.splitlines()[1:-2])
    assert dialer.dial("0") == first
    assert dialer.dial("0").startswith("CON Mama Njeri Groceries")
    assert dialer.dial("00").startswith("CON Welcome to Bodega")


@pytest.mark.parametrize(("path", "bad", "error"), [
    ((), "9", "Choose a number from the list."),
    (("1",), "x", "Choose a number from the list."),
    ((*TO_AVOCADO,), "0x", "Enter a number from 1 to 10."),
    ((*TO_AVOCADO, "1", CHECKOUT), "7", "Choose a number from the list."),  # 1, 2, 3 and 0 offered
    ((*TO_AVOCADO, "1", CHECKOUT, "2"), "4", "Choose 1 to 2."),
    ((*TO_AVOCADO, "1", CHECKOUT, "3"), "3", "Choose 1 to 2."),
    ((LANGUAGE,), "5", "Choose 1 to 3."),
    ((HELP,), "1", "Press 0 to go back."),
    ((ORDERS,), "1", "Choose a number from the list."),
    ((SEARCH,), "7", "Type at least 2 letters of the name."),
])
def test_invalid_input_reshows_the_screen_with_one_line(dialer: Dialer, demo_catalog: None,
                                                        path: tuple[str, ...], bad: str, error: str) -> None:
    screen = dialer.walk(*path)
    again = dialer.dial(bad)
    assert again.startswith(f"CON {error}\n")
    shown, before = again.splitlines()[1:], screen[4:].splitlines()
    # the same screen again: same title and last line (a list may show fewer rows to make room)
    assert (shown[0], shown[-1]) == (before[0], before[-1])
    assert set(shown) <= set(before)


def test_language_switch_is_remembered(dialer: Dialer, rt: Runtime) -> None:
    assert "1. English\n2. Español\n3. Kiswahili" in dialer.walk(LANGUAGE)
    spanish_home = dialer.dial("2")
    assert spanish_home.startswith("CON Bienvenido a Bodega\n")
    assert "\n90 Buscar\n91 Mi carrito\n92 Mis pedidos\n" in spanish_home
    assert dialer.dial().startswith("CON Bienvenido a Bodega")  # the next dial
    dialer.walk(LANGUAGE, "3")
    swahili_home = dialer.dial()
    assert swahili_home.startswith("CON Karibu Bodega\n") and "\n90 Tafuta\n" in swahili_home
    with records(rt) as db:
        assert db.scalar(select(Customer.language).where(Customer.phone == dialer.phone)) == "sw"


@pytest.mark.parametrize(("phone", "welcome"), [
    ("+255712345678", "CON Karibu Bodega"),
    ("+525512345678", "CON Bienvenido a Bodega"),
    ("+254711000222", "CON Welcome to Bodega"),
])
def test_new_customer_language_follows_the_phone_country(client: FlaskClient, phone: str,
                                                         welcome: str) -> None:
    assert Dialer(client, phone=phone).dial().startswith(welcome)


def test_shop_digits_repeated_in_the_text_are_not_replayed_twice(dialer: Dialer, rt: Runtime,
                                                                  demo_catalog: None) -> None:
    expected = dialer.walk("2", "3", "1")  # Snacks' first product, reached from the keypad
    dialer.service_code = "*384*123*2#"
    assert dialer.dial(text="2") == SECOND_SHOP_HOME
    assert dialer.dial("3").startswith("CON Snacks\n1. ")
    rt.redis.flushdb()  # the dial's state is lost; the network keeps repeating the shop digits
    assert dialer.dial("1") == expected


def test_keep_shopping_returns_to_the_page_the_item_came_from(dialer: Dialer, demo_catalog: None) -> None:
    dialer.walk("1", "1")
    second_page = dialer.dial("98")
    assert dialer.dial("1").startswith("CON ") and "How many?" in dialer.screen
    assert dialer.dial("1").startswith("CON Added 1 x ")
    assert dialer.dial("2") == second_page  # Keep shopping
    assert dialer.dial("0") != second_page  # one screen back: the first page


def test_back_after_keep_shopping_leaves_the_list(dialer: Dialer, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "1")  # Added 1 x Avocado
    listing = dialer.dial("2")  # Keep shopping
    assert listing.startswith("CON Vegetables\n1. Avocado")
    assert dialer.dial("0").startswith("CON Mama Njeri Groceries\n1. Vegetables")  # not the list again
