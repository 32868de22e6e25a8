"""Races on PostgreSQL, where transactions really overlap: an owner's OK and a customer's cancel
on the same order leave exactly one of them applied, with stock and audit trail to match.

Each side runs in its own thread and database session and waits at a barrier after reading the
order, so both decide on the same stale status before either writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from gateway.commerce import order_states
from gateway.commerce.models import Order, OrderEvent, Product
from gateway.commerce.orders import cancel_by_customer
from gateway.core.errors import IllegalTransition
from gateway.core.runtime import Runtime
from tests.conftest import Dialer

PHONE = "+254711000888"
ROUNDS = 4


@pytest.fixture
def pg_app(make_app: Callable[..., Flask], database_url: str, demo_catalog: None) -> Flask:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("races need PostgreSQL's concurrent transactions: set TEST_DATABASE_URL")
    return make_app()


def _cash_order(app: Flask) -> int:
    dialer = Dialer(app.test_client(), phone=PHONE)
    final = dialer.walk("1", "1", "1", "2", "1", "3", "2", "1")  # 2 avocados, pick up, cash
    assert final.startswith("END Order "), final
    with app.extensions["bodega"].sessions() as db:
        return int(db.scalar(select(Order.id).order_by(Order.id.desc()).limit(1)))


def _race(rt: Runtime, order_id: int, moves: dict[str, Callable[..., object]]) -> dict[str, str]:
    barrier = threading.Barrier(len(moves), timeout=10)
    outcome: dict[str, str] = {}

    def run(name: str, move: Callable[..., object]) -> None:
        db = rt.sessions()
        try:
            order = db.get(Order, order_id)
            assert order is not None
            barrier.wait()
            move(db, order)
            db.commit()
            outcome[name] = "applied"
        except IllegalTransition:
            db.rollback()
            outcome[name] = "refused"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            db.rollback()
            outcome[name] = f"error: {exc!r}"
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=item) for item in moves.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


def test_owner_ok_and_customer_cancel_racing_leave_one_consistent_state(pg_app: Flask) -> None:
    rt: Runtime = pg_app.extensions["bodega"]
    seen: set[str] = set()
    for _ in range(ROUNDS):
        order_id = _cash_order(pg_app)
        outcome = _race(rt, order_id, {
            "owner": lambda db, order: order_states.transition(db, order, order_states.CONFIRMED,
                                                               actor="+254722000101", channel="sms"),
            "customer": lambda db, order: cancel_by_customer(db, order, PHONE),
        })
        assert sorted(outcome.values()) == ["applied", "refused"], outcome
        with rt.sessions() as db:
            order = db.get(Order, order_id)
            assert order is not None
            query = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
            events = [(e.from_status, e.to_status) for e in db.scalars(query)]
            avocado = db.scalar(select(Product).where(Product.name == "Avocado"))
            assert avocado is not None
            if outcome["owner"] == "applied":
                assert order.status == "confirmed" and events == [(None, "placed"), ("placed", "confirmed")]
                assert avocado.stock == 58, "a confirmed order keeps its stock reserved"
            else:
                assert order.status == "cancelled" and events == [(None, "placed"), ("placed", "cancelled")]
                assert avocado.stock == 60, "a cancelled order gives its stock back, once"
            seen.add(order.status)
            # put the shelf back for the next round
            avocado.stock = 60
            db.commit()
    assert seen, "no round ran"


def test_a_move_decided_on_a_stale_status_is_refused(make_app: Callable[..., Flask],
                                                     demo_catalog: None) -> None:
    """The same race played out in turn (so it runs on SQLite too): the owner's screen still
    shows 'placed' when the customer's cancel commits; the owner's OK must not overwrite it."""
    app = make_app()
    rt: Runtime = app.extensions["bodega"]
    order_id = _cash_order(app)
    owner_db = rt.sessions()
    stale = owner_db.get(Order, order_id)
    assert stale is not None and stale.status == "placed"
    with rt.sessions.begin() as customer_db:
        order = customer_db.get(Order, order_id)
        assert order is not None
        cancel_by_customer(customer_db, order, PHONE)
    with pytest.raises(IllegalTransition) as refused:
        order_states.transition(owner_db, stale, order_states.CONFIRMED, actor="+254722000101",
                                channel="sms")
    assert refused.value.english.endswith("is already cancelled.")
    owner_db.rollback()
    owner_db.close()
    with rt.sessions() as db:
        order = db.get(Order, order_id)
        assert order is not None and order.status == "cancelled"
        query = select(OrderEvent.to_status).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        assert list(db.scalars(query)) == ["placed", "cancelled"]
