"""What a hop costs the database: nothing when it only navigates, little when it writes.

A known caller browses from the process's catalog snapshots and their card in Redis (with their
town and last order, so the home screen's "Order again" costs nothing); the cart costs one
statement on the hop that changes it; checkout's questions price the basket from the dial's cart
and the snapshots, so only Confirm reads and writes SQL; a catalog write (a shop owner's STOCK, a
sale that sells an item out) is seen by the next hop, because it bumps the shop's version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from gateway.commerce import shop_stock
from gateway.commerce.customers import CustomerCard
from gateway.commerce.models import CartItem
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from gateway.ussd.hop import card_key
from tests.conftest import Dialer
from tests.menus.conftest import (
    AGAIN_TO_AVOCADO,
    CART,
    CASH,
    CHECKOUT,
    DELIVERY,
    SEARCH,
    TO_AVOCADO,
    product_named,
)


@contextmanager
def _recorded(target: Any, name: str, pick: Callable[..., Any]) -> Iterator[list[Any]]:
    """What ``pick`` takes from each ``name`` event of ``target`` while the block runs."""
    seen: list[Any] = []

    def note(*args: Any) -> None:
        seen.append(pick(*args))

    event.listen(target, name, note)
    try:
        yield seen
    finally:
        event.remove(target, name, note)


def statements(rt: Runtime) -> AbstractContextManager[list[str]]:
    """The SQL statements run on ``rt``'s engine while the block runs."""
    return _recorded(rt.engine, "before_cursor_execute", lambda _conn, _cursor, statement, *_: statement)


def hop_costs(rt: Runtime, dialer: Dialer, *answers: str | None) -> list[int]:
    """Statements per hop: ``None`` dials anew, anything else answers the screen showing."""
    costs = []
    for answer in answers:
        with statements(rt) as seen:
            dialer.dial(answer)
        costs.append(len(seen))
    return costs


def test_a_known_caller_browses_without_sql(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO)  # the caller is new and the shop not loaded yet: that costs SQL once
    # a shop, a category, a product, a refused answer, back, back, home, another shop
    costs = hop_costs(rt, dialer, None, "1", "1", "1", "98", "0", "0", "00", "2")
    assert costs[:8] == [0] * 8, costs  # home knows from the card that there is no order to repeat
    assert costs[8] <= 3, costs  # another shop, used for the first time in this process: loaded once
    assert "Avocado" in dialer.walk(*TO_AVOCADO)


def test_searching_a_shop_costs_nothing(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk("1")  # the shop, its snapshot loaded
    assert hop_costs(rt, dialer, SEARCH, "sug") == [0, 0]
    assert dialer.screen.startswith("Found for 'sug':\n1. Sugar 1kg - KSh 170"), dialer.screen


def orm_sessions(rt: Runtime) -> AbstractContextManager[list[object]]:
    """The ORM sessions that began a transaction on ``rt`` while the block runs."""
    return _recorded(rt.sessions, "after_begin", lambda session, *_: session)


def test_a_first_dial_and_adding_to_the_cart_run_without_an_orm_session(
        dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    """Their one statement each (the caller's card, the cart's upsert) runs on a bare connection:
    building, beginning and committing an ORM session cost more CPU than the statement."""
    dialer.walk(*TO_AVOCADO)  # loads the shop once
    with orm_sessions(rt) as begun, statements(rt) as seen:
        dialer.dial()
    assert begun == [] and len(seen) == 0  # the card came from Redis
    rt.redis.delete(card_key(dialer.phone))  # a caller whose card is not in Redis: read from SQL
    with orm_sessions(rt) as begun, statements(rt) as seen:
        dialer.dial()
    assert begun == [] and len(seen) == 1, seen
    dialer.walk(*TO_AVOCADO)
    with orm_sessions(rt) as begun, statements(rt) as seen:
        dialer.dial("2")
    assert "Added 2 x Avocado." in dialer.screen
    assert begun == [] and len(seen) == 1, seen
    with session_scope(rt.sessions) as db:  # committed, and the caller's card says so
        avocado = product_named(db, "Avocado").id
        assert [(line.product_id, line.qty) for line in db.scalars(select(CartItem))] == [(avocado, 2)]
    card = CustomerCard.from_json(rt.redis.get(card_key(dialer.phone)))
    assert card is not None and card.cart == [[avocado, 2]]


def test_the_cart_costs_one_statement_and_checkout_a_bounded_few(dialer: Dialer, rt: Runtime,
                                                                  demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO)
    dialer.dial()
    assert hop_costs(rt, dialer, *TO_AVOCADO) == [0, 0, 0]
    assert hop_costs(rt, dialer, "2") == [1]  # add 2 avocados: one upsert
    assert "Added 2 x Avocado." in dialer.screen
    # checkout: the summary prices the basket from the snapshot (the shop's delivery fee and minimum)
    assert hop_costs(rt, dialer, "1") == [0] and "Total KSh 50" in dialer.screen, dialer.screen
    (confirm,) = hop_costs(rt, dialer, "1")
    assert dialer.ended and "Order" in dialer.screen
    # one transaction: the cart read with its products, shop (and contacts) and customer at once,
    # the stock, the order, its line and its event (no savepoint), the cart emptied, the payment;
    # neither the order's lines, its shop and customer nor the emptied cart are read again
    assert confirm <= 8, confirm
    # the card (cart emptied, the order to repeat) from Redis
    assert hop_costs(rt, dialer, None) == [0] and "1. Order again: 2x Avocado" in dialer.screen


def test_checkout_s_questions_run_no_sql(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2")
    # the summary; Change delivery -> Delivery -> the landmark; Change payment -> cash; Change
    # delivery and back; a key the summary does not offer
    costs = hop_costs(rt, dialer, CHECKOUT, *DELIVERY, "Kibera market gate", *CASH, "2", "0", "7")
    assert costs == [0] * 9, costs
    assert "Delivery: Kibera market gate" in dialer.screen and "Cash on delivery" in dialer.screen
    # a new dial reaches the summary from the cart: the cart and the shop's terms still cost nothing
    dialer.dial()
    assert hop_costs(rt, dialer, CART, "99") == [0, 0] and "Total KSh 50" in dialer.screen


def test_a_caller_who_has_ordered_browses_and_checks_out_without_sql(dialer: Dialer, rt: Runtime,
                                                                     demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2", CHECKOUT, *DELIVERY, "Kibera market gate", *CASH, "1")
    assert dialer.ended and "pay on delivery" in dialer.screen
    home = hop_costs(rt, dialer, None, "2", "0", "00")
    assert home == [0] * 4 and "1. Order again: 2x Avocado" in dialer.screen, (home, dialer.screen)
    assert hop_costs(rt, dialer, *AGAIN_TO_AVOCADO) == [0, 0, 0]
    assert hop_costs(rt, dialer, "1") == [1]  # add one: one upsert
    # the summary opens with the last order's answers, remembered in the card
    assert hop_costs(rt, dialer, CHECKOUT) == [0]
    assert "Delivery: Kibera market gate" in dialer.screen and "Cash on delivery" in dialer.screen


def test_a_card_from_before_profiles_is_read_once_then_kept(dialer: Dialer, rt: Runtime,
                                                            demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2", CHECKOUT, *CASH, "1")
    card = CustomerCard.from_json(rt.redis.get(card_key(dialer.phone)))
    assert card is not None and card.profile is not None and card.profile.last_order is not None
    rt.redis.set(card_key(dialer.phone), f'{{"id":{card.id},"lang":"en","cart":[]}}')  # as cards were
    (first,) = hop_costs(rt, dialer, None)  # the customer, the last order and its lines (and the
    assert 1 <= first <= 4 and "1. Order again: 2x Avocado" in dialer.screen, first  # cart again)
    assert hop_costs(rt, dialer, None) == [0] and "1. Order again" in dialer.screen  # written back


def test_a_caller_s_town_comes_with_their_card(app: Flask, dialer: Dialer, rt: Runtime,
                                               demo_catalog: None) -> None:
    cli = app.test_cli_runner()
    for number, town in (("1", "Kasarani"), ("2", "Kasarani"), ("3", "Lima")):
        assert cli.invoke(args=["shop", "set", number, "--town", town]).exit_code == 0
    dialer.walk("1", "1")  # Kasarani, then a shop there (loaded once in this process)
    assert hop_costs(rt, dialer, None, "1", "0", "95", "0") == [0] * 5
    assert "Mama Njeri Groceries" in dialer.screen and "Tienda" not in dialer.screen


def test_a_redial_after_redis_lost_everything_finds_the_cart(dialer: Dialer, rt: Runtime,
                                                             demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "3")
    rt.redis.flushdb()
    assert "Your cart has 3 item(s)" in dialer.walk()


def test_a_stock_change_by_sms_is_seen_by_the_next_hop(dialer: Dialer, rt: Runtime,
                                                       demo_catalog: None) -> None:
    dialer.walk("1", "1", "1")
    assert "Avocado - KSh 25" in dialer.screen
    with session_scope(rt.sessions) as db:
        shop_stock.set_stock(db, product_named(db, "Avocado"), 0, actor="+254711000001")
    assert "Avocado (sold out)" in dialer.walk("1", "1", "1")


def test_a_sale_that_sells_out_is_seen_by_the_next_hop(client: Any, rt: Runtime, demo_catalog: None) -> None:
    with session_scope(rt.sessions) as db:
        shop_stock.set_stock(db, product_named(db, "Avocado"), 2, actor="+254711000001")
    buyer, browser = Dialer(client), Dialer(client, phone="+254711000222")
    assert "Avocado - KSh 25" in browser.walk("1", "1", "1")
    buyer.walk(*TO_AVOCADO, "2", "1", "1", CASH, "1")
    assert buyer.ended and "Order" in buyer.screen
    assert "Avocado (sold out)" in browser.walk("1", "1", "1")


def test_a_caller_redis_has_no_card_for_is_read_in_one_statement(dialer: Dialer, rt: Runtime,
                                                                 demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2", CHECKOUT, *CASH, "1")
    dialer.walk(*AGAIN_TO_AVOCADO, "1")  # one avocado in the cart again
    rt.redis.delete(card_key(dialer.phone))
    (first,) = hop_costs(rt, dialer, None)  # the customer, the cart and the last order's lines
    assert first == 1, first
    assert "1. Order again: 2x Avocado" in dialer.screen
    card = CustomerCard.from_json(rt.redis.get(card_key(dialer.phone)))
    assert card is not None and card.profile is not None and card.profile.last_order is not None
    assert [qty for _product, qty in card.cart] == [1]
    assert card.profile.last_order.payment_method == "cash"
    assert hop_costs(rt, dialer, "2") == [0]  # a shop already loaded: the cart is not read again
