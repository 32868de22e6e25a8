"""What a hop costs the database: nothing when it only navigates, little when it writes.

A known caller browses from the process's catalog snapshots and their card in Redis; the cart
costs one statement on the hop that changes it; checkout prices the basket in a few statements;
a catalog write (a shop owner's STOCK, a sale that sells an item out) is seen by the next hop,
because it bumps the shop's version.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from gateway.commerce import shop_stock
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from tests.conftest import Dialer
from tests.menus.conftest import CASH, TO_AVOCADO, product_named


@contextmanager
def statements(rt: Runtime) -> Iterator[list[str]]:
    """The SQL statements run on ``rt``'s engine while the block runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(rt.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(rt.engine, "before_cursor_execute", note)


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
    assert costs[1:7] == [0] * 6, costs
    assert costs[8] <= 3, costs  # another shop, used for the first time in this process: loaded once
    assert costs[0] <= 2 and costs[7] <= 2, costs  # home looks up the last order ("Order again")
    assert "Avocado" in dialer.walk(*TO_AVOCADO)


def test_the_cart_costs_one_statement_and_checkout_a_bounded_few(dialer: Dialer, rt: Runtime,
                                                                  demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO)
    dialer.dial()
    assert hop_costs(rt, dialer, *TO_AVOCADO) == [0, 0, 0]
    assert hop_costs(rt, dialer, "2") == [1]  # add 2 avocados: one upsert
    assert "Added 2 x Avocado." in dialer.screen
    # checkout: the summary prices the basket in SQL (the shop's delivery fee and minimum order)
    (summary,) = hop_costs(rt, dialer, "1")
    assert summary <= 12 and "Total KSh 50" in dialer.screen, (summary, dialer.screen)
    (confirm,) = hop_costs(rt, dialer, "1")
    assert dialer.ended and "Order" in dialer.screen
    assert confirm <= 25, confirm  # one transaction: order, lines, stock, events, outbox
    (redial,) = hop_costs(rt, dialer, None)  # the card (cart emptied) from Redis; home's "Order again"
    assert redial <= 3, redial


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
