"""Placing orders: one per dial, stock taken with a conditional UPDATE, short references."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.commerce import carts, order_states, orders
from gateway.commerce.customers import find_or_create_customer
from gateway.commerce.models import Category, Order, OrderEvent, OutboundSms, Product, Shop
from gateway.core.errors import IllegalTransition
from gateway.core.runtime import Runtime


@pytest.fixture
def db(rt: Runtime) -> Session:
    session = rt.sessions()
    yield session  # type: ignore[misc]
    session.rollback()
    session.close()


def make_shop(db: Session, stock: int = 10, items: int = 2) -> list[Product]:
    shop = Shop(number=1, name="Mama Njeri Groceries", currency="KES", owner_phone="+254722000101")
    db.add(shop)
    db.flush()
    category = Category(shop_id=shop.id, name="Vegetables")
    db.add(category)
    db.flush()
    products = [Product(shop_id=shop.id, category_id=category.id, sku=f"V{i}", name=f"Item {i}",
                        price_minor=12000 + i * 1000, currency="KES", stock=stock) for i in range(items)]
    db.add_all(products)
    db.commit()
    return products


def customer_with_cart(db: Session, phone: str, lines: list[tuple[Product, int]]) -> int:
    customer = find_or_create_customer(db, phone, ["en"])
    for product, qty in lines:
        carts.add_to_cart(db, customer.id, product.id, qty)
    db.commit()
    return customer.id


def stock_of(db: Session, product: Product) -> int:
    return int(db.scalar(select(Product.stock).where(Product.id == product.id)))  # type: ignore[arg-type]


def test_a_cart_becomes_one_order(db: Session) -> None:
    tomato, onion = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 2), (onion, 1)])
    order = orders.place_order(db, buyer, "ATUid_1", orders.PICKUP, "ignored for pick-up", orders.CASH)
    db.commit()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{5}", order.reference)
    assert (order.status, order.total_minor, order.landmark) == ("placed", 37000, None)
    assert order.expires_at is None
    assert sorted((line.sku, line.qty) for line in order.lines) == [("V0", 2), ("V1", 1)]
    assert (stock_of(db, tomato), stock_of(db, onion)) == (8, 9)
    assert carts.cart_count(db, buyer) == 0
    events = db.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
    assert [(e.from_status, e.to_status, e.channel) for e in events] == [(None, "placed", "ussd")]
    texts = select(func.count()).select_from(OutboundSms).where(OutboundSms.order_id == order.id)
    assert db.scalar(texts) == 1


def test_mobile_money_orders_await_payment_and_expire(db: Session) -> None:
    (tomato, _) = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 1)])
    order = orders.place_order(db, buyer, "ATUid_2", orders.DELIVERY, "Kibera gate", "mpesa",
                               pay_within=timedelta(minutes=30))
    assert (order.status, order.landmark) == ("awaiting_payment", "Kibera gate")
    assert order.expires_at is not None


def test_the_same_dial_never_makes_two_orders(db: Session) -> None:
    (tomato, _) = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 3)])
    first = orders.place_order(db, buyer, "ATUid_3", orders.PICKUP, None, orders.CASH)
    db.commit()
    carts.add_to_cart(db, buyer, tomato.id, 1)  # even with a new cart, a replayed Confirm ...
    again = orders.place_order(db, buyer, "ATUid_3", orders.PICKUP, None, orders.CASH)
    assert again.id == first.id  # ... returns the order the dial already made
    assert stock_of(db, tomato) == 7
    assert db.scalar(select(func.count()).select_from(Order)) == 1


def test_a_cart_that_changed_since_the_summary_is_not_ordered(db: Session) -> None:
    tomato, onion = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 2)])
    shown = orders.cart_as_shown(carts.cart_lines(db, buyer))
    carts.add_to_cart(db, buyer, onion.id, 1)  # another dial of the same phone
    with pytest.raises(orders.CartChanged):
        orders.place_order(db, buyer, "ATUid_6", orders.PICKUP, None, orders.CASH, shown=shown)
    assert db.scalar(select(func.count()).select_from(Order)) == 0
    assert stock_of(db, tomato) == 10
    order = orders.place_order(db, buyer, "ATUid_6", orders.PICKUP, None, orders.CASH,
                               shown=orders.cart_as_shown(carts.cart_lines(db, buyer)))
    assert order.total_minor == 37000


def test_a_short_line_writes_nothing(db: Session) -> None:
    tomato, onion = make_shop(db, stock=5)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 2), (onion, 6)])
    with pytest.raises(orders.ShortOfStock) as raised:
        orders.place_order(db, buyer, "ATUid_4", orders.PICKUP, None, orders.CASH)
    assert (raised.value.product_name, raised.value.wanted, raised.value.left) == ("Item 1", 6, 5)
    db.commit()  # what the hop does after showing the message: nothing half-written survives
    assert (stock_of(db, tomato), stock_of(db, onion)) == (5, 5)
    assert db.scalar(select(func.count()).select_from(Order)) == 0
    assert carts.cart_count(db, buyer) == 8


@pytest.mark.parametrize(("stock", "active", "left"), [(1, True, 1), (5, False, 0)])
def test_a_line_short_says_what_is_left_when_it_is_refused(rt: Runtime, db: Session, stock: int,
                                                           active: bool, left: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Another buyer takes units (or the shop takes the product off sale) between Confirm reading
    the cart and taking the stock: the refusal says how many are left then, not how many there
    were when the cart was read ("only 5 left; your cart has 3")."""
    tomato, _ = make_shop(db, stock=5)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 3)])
    read_cart = orders._draft

    def meanwhile(session: Session, customer_id: int) -> object:
        draft = read_cart(session, customer_id)
        with rt.sessions() as other:  # the other buyer's Confirm, or the shop's OFF, commits
            other.execute(update(Product).where(Product.id == tomato.id).values(stock=stock, active=active))
            other.commit()
        return draft

    monkeypatch.setattr(orders, "_draft", meanwhile)
    with pytest.raises(orders.ShortOfStock) as raised:
        orders.place_order(db, buyer, "ATUid_4", orders.PICKUP, None, orders.CASH)
    assert (raised.value.wanted, raised.value.left) == (3, left)


def test_an_inactive_product_cannot_be_ordered(db: Session) -> None:
    (tomato, _) = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 1)])
    tomato.active = False
    db.commit()
    with pytest.raises(orders.ShortOfStock) as raised:
        orders.place_order(db, buyer, "ATUid_5", orders.PICKUP, None, orders.CASH)
    assert raised.value.left == 0  # no longer sold: as good as sold out


def test_an_empty_cart_is_refused(db: Session) -> None:
    make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [])
    with pytest.raises(orders.EmptyCart):
        orders.place_order(db, buyer, "ATUid_6", orders.PICKUP, None, orders.CASH)


def test_a_taken_reference_is_drawn_again(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    (tomato, _) = make_shop(db)
    first_buyer = customer_with_cart(db, "+254711000111", [(tomato, 1)])
    second_buyer = customer_with_cart(db, "+254711000222", [(tomato, 1)])
    draws = iter(["K7P2Q", "K7P2Q", "M3X9Z"])
    monkeypatch.setattr(orders, "new_reference", lambda: next(draws))
    first = orders.place_order(db, first_buyer, "ATUid_7", orders.PICKUP, None, orders.CASH)
    second = orders.place_order(db, second_buyer, "ATUid_8", orders.PICKUP, None, orders.CASH)
    db.commit()
    assert (first.reference, second.reference) == ("K7P2Q", "M3X9Z")
    assert stock_of(db, tomato) == 8  # the collided attempt took nothing


def test_references_avoid_confusable_characters() -> None:
    drawn = "".join(orders.new_reference() for _ in range(2000))
    assert not set(drawn) & set("O0I1")
    assert set(drawn) == set(orders.REFERENCE_ALPHABET)


def test_customer_cancels_and_stock_comes_back(db: Session) -> None:
    (tomato, _) = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 4)])
    order = orders.place_order(db, buyer, "ATUid_9", orders.PICKUP, None, orders.CASH)
    db.commit()
    event = orders.cancel_by_customer(db, order, "+254711000111")
    db.commit()
    assert (event.from_status, event.to_status, event.actor) == ("placed", "cancelled", "+254711000111")
    assert stock_of(db, tomato) == 10
    with pytest.raises(IllegalTransition):
        orders.cancel_by_customer(db, order, "+254711000111")


def test_confirmed_orders_cannot_be_cancelled_by_the_customer(db: Session) -> None:
    (tomato, _) = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 1)])
    order = orders.place_order(db, buyer, "ATUid_10", orders.PICKUP, None, orders.CASH)
    order_states.transition(db, order, order_states.CONFIRMED, "+254722000101", "sms")
    with pytest.raises(IllegalTransition) as raised:
        orders.cancel_by_customer(db, order, "+254711000111")
    assert raised.value.english == f"{order.reference} can no longer be cancelled."


def test_customer_sees_only_their_orders_newest_first(db: Session) -> None:
    (tomato, _) = make_shop(db)
    mine = customer_with_cart(db, "+254711000111", [(tomato, 1)])
    theirs = customer_with_cart(db, "+254711000222", [(tomato, 1)])
    placed = []
    for n in range(3):
        carts.add_to_cart(db, mine, tomato.id, 1)
        placed.append(orders.place_order(db, mine, f"ATUid_m{n}", orders.PICKUP, None, orders.CASH))
    other = orders.place_order(db, theirs, "ATUid_t", orders.PICKUP, None, orders.CASH)
    db.commit()
    listed = orders.customer_orders(db, mine, 0, 10)
    assert [o.id for o in listed] == [o.id for o in reversed(placed)]
    assert [o.id for o in orders.customer_orders(db, mine, 1, 1)] == [placed[1].id]
    assert orders.get_customer_order(db, mine, other.id) is None
    assert orders.get_customer_order(db, theirs, other.id) is not None


# --- concurrency: real connections racing on PostgreSQL -------------------------------------------



def on_postgres(rt: Runtime) -> None:
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises all writers, so it cannot show a race; "
                    "run with TEST_DATABASE_URL=postgresql+psycopg://... to prove this")


def race(workers: int, attempt: Callable[[int], str]) -> list[str]:
    """Run ``attempt(i)`` on ``workers`` threads released together; returns their outcomes."""
    gate = threading.Barrier(workers)

    def run(i: int) -> str:
        gate.wait()
        return attempt(i)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(workers)))


def test_fifty_buyers_race_for_the_last_ten_units(rt: Runtime, db: Session) -> None:
    on_postgres(rt)
    (tomato, _) = make_shop(db, stock=10)
    buyers = [customer_with_cart(db, f"+2547110{i:05d}", [(tomato, 1)]) for i in range(50)]

    def attempt(i: int) -> str:
        session = rt.sessions()
        try:
            orders.place_order(session, buyers[i], f"ATUid_race_{i}", orders.PICKUP, None, orders.CASH)
            session.commit()
            return "ordered"
        except orders.ShortOfStock:
            session.rollback()
            return "sold out"
        finally:
            session.close()

    outcomes = race(50, attempt)
    assert outcomes.count("ordered") == 10 and outcomes.count("sold out") == 40
    db.expire_all()
    assert stock_of(db, tomato) == 0
    assert db.scalar(select(func.count()).select_from(Order)) == 10


def test_duplicate_confirms_racing_make_one_order(rt: Runtime, db: Session) -> None:
    on_postgres(rt)
    (tomato, _) = make_shop(db, stock=10)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 2)])

    def attempt(_: int) -> str:
        session = rt.sessions()
        try:
            order = orders.place_order(session, buyer, "ATUid_same", orders.PICKUP, None, orders.CASH)
            session.commit()
            return order.reference
        finally:
            session.close()

    references = race(8, attempt)
    assert len(set(references)) == 1
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    assert stock_of(db, tomato) == 8


def test_a_replayed_confirm_says_it_placed_nothing(rt: Runtime, db: Session) -> None:
    (tomato, _) = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 3)])
    first = orders.place_order(db, buyer, "ATUid_9", orders.PICKUP, None, orders.CASH)
    assert orders.placed_now(db, first) and first.lines[0].qty == 3
    db.commit()
    carts.add_to_cart(db, buyer, tomato.id, 1)
    db.commit()
    replay = rt.sessions()  # the replayed hop's own session
    try:
        again = orders.place_order(replay, buyer, "ATUid_9", orders.PICKUP, None, orders.CASH)
        assert again.id == first.id and not orders.placed_now(replay, again)
        replay.commit()
    finally:
        replay.close()
    db.expire_all()
    assert stock_of(db, tomato) == 7 and carts.cart_count(db, buyer) == 1  # its units given back


@pytest.mark.parametrize("undo", ["rollback", "savepoint"])
def test_an_order_undone_in_the_session_does_not_stop_the_next_one(db: Session, undo: str) -> None:
    """An order rolled back (the whole transaction, or a savepoint around it) and one placed after
    it in the same session: SQLite hands the undone order's id (and its lines' ids) to the new one,
    which is the session's order with that id, not a refusal to place it (the undone order is
    still referenced, as by the caller's variable or a traceback's frame)."""
    tomato, onion = make_shop(db)
    buyer = customer_with_cart(db, "+254711000111", [(tomato, 2), (onion, 1)])
    savepoint = db.begin_nested() if undo == "savepoint" else None
    undone = orders.place_order(db, buyer, "ATUid_1", orders.PICKUP, None, orders.CASH)
    if savepoint is not None:
        savepoint.rollback()
    else:
        db.rollback()
    order = orders.place_order(db, buyer, "ATUid_2", orders.PICKUP, None, orders.CASH)
    db.commit()
    assert db.get(Order, order.id) is order
    assert sorted((line.sku, line.qty) for line in order.lines) == [("V0", 2), ("V1", 1)]
    assert db.scalar(select(Order.ussd_session_id).where(Order.id == order.id)) == "ATUid_2"
    assert (stock_of(db, tomato), stock_of(db, onion)) == (8, 9)
    assert undone is not None  # held until here
