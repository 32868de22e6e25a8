"""The PIN lockout across workers: many PIN texts handled at once, on PostgreSQL (each handler
in its own thread and transaction, as separate RQ workers would)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from gateway.commerce.models import AuditEntry, InboundSms, Product, Shop
from gateway.commerce.shop_pins import set_pin
from gateway.core.runtime import Runtime
from gateway.sms import inbox as sms_inbox
from tests.sms.conftest import OWNER, Texter, at_inbound

PIN = "4821"


@pytest.fixture(autouse=True)
def _postgresql_only(database_url: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("racing workers need PostgreSQL's concurrent transactions: set TEST_DATABASE_URL")


def _in_parallel(count: int, work: Callable[[int], Any]) -> None:
    barrier = threading.Barrier(count, timeout=20)
    threads = [threading.Thread(target=lambda i=i: (barrier.wait(), work(i))) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def _texts_at_once(client: FlaskClient, rt: Runtime, texts: list[str]) -> list[str]:
    """Store ``texts`` from the owner, then handle them all at once; the replies, in any order."""
    for text in texts:
        assert client.post("/hooks/africastalking/sms", data=at_inbound(OWNER, text)).status_code == 200
    rt.queue.empty()
    with rt.sessions() as db:
        ids = list(db.scalars(select(InboundSms.id).where(InboundSms.status == "received")))
    _in_parallel(len(ids), lambda i: sms_inbox.handle(rt, ids[i]))
    texter = Texter(client, rt)
    return texter.texts_to(OWNER, "shop_reply")


def _setup(rt: Runtime, shop: Shop) -> None:
    with rt.sessions() as db:
        loaded = db.get(Shop, shop.id)
        assert loaded is not None
        set_pin(loaded, PIN)
        db.commit()


def _locks_and_stock(rt: Runtime, shop: Shop) -> tuple[int, int]:
    with rt.sessions() as db:
        locks = len(list(db.scalars(select(AuditEntry).where(AuditEntry.action == "pin.locked"))))
        stock = db.scalar(select(Product.stock).where(Product.shop_id == shop.id, Product.sku == "S1-001"))
        return locks, int(stock or 0)


def test_eleven_wrong_pins_and_a_right_one_at_once_are_checked_three_times(
        client: FlaskClient, rt: Runtime, shop: Shop) -> None:
    _setup(rt, shop)
    texts = [f"STOCK {1000 + i} S1-001 5" for i in range(11)] + [f"STOCK {PIN} S1-001 5"]
    replies = _texts_at_once(client, rt, texts)
    locks, stock = _locks_and_stock(rt, shop)
    assert locks == 1  # was written three times
    wrong = [r for r in replies if r.startswith("Wrong PIN")]
    right = [r for r in replies if "stock now 5" in r]
    locked = [i for i, r in enumerate(replies) if r.startswith("Too many wrong PINs")]
    assert len(locked) == 12 - len(wrong) - len(right), replies
    # Replies are in the order the handlers held the contact's row: the right PIN, if it got
    # through, did so before the lock; a right PIN resets the count, so at most two wrong
    # tries before it and two after it were looked at.
    assert not [r for r in replies[locked[0]:] if "stock now" in r], replies
    assert len(right) <= 1 and len(wrong) <= 2 * (1 + len(right)), replies
    assert stock == (5 if right else 20)


def test_the_right_pin_during_a_lock_is_refused_whatever_races_it(
        client: FlaskClient, rt: Runtime, shop: Shop) -> None:
    _setup(rt, shop)
    texter = Texter(client, rt)
    for wrong in ("1111", "2222", "3333"):
        texter.ask(f"STOCK {wrong} S1-001 5")
    replies = _texts_at_once(client, rt, [f"STOCK {PIN} S1-001 5"] * 3 + ["STOCK 9999 S1-001 5"] * 5)
    assert sum(r.startswith("Too many wrong PINs") for r in replies) == 1 + 8  # the lock, then all eight
    assert _locks_and_stock(rt, shop) == (1, 20)
