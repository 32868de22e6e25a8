"""Property tests of the inbound SMS webhook and the shop-owner command parser, end to end.

Whatever a shop owner (or someone spoofing any number) texts, through the real webhook, Redis,
RQ worker and database: the webhook answers 200 (or 400 with a reason for a malformed form), the
handling job finishes, at most one reply is queued and it is GSM-7, nothing is logged at ERROR,
every order stays in a known status, and stock never goes negative.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gateway.commerce import order_states
from gateway.commerce.models import InboundSms, Order, OutboundSms, Product
from gateway.core.runtime import Runtime
from gateway.sms import inbox as sms_inbox
from menus import sms_commands  # noqa: F401 - registers the keywords
from menus.sms_desk import KEYWORDS
from menus.text import is_gsm7
from tests.conftest import empty_database, run_jobs
from tests.reliability.conftest import errors_in
from tests.sms.conftest import OWNER, SHORTCODE, at_inbound, make_order, make_shop

FAST = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
REFS = ["K7P2Q", "k7p2q", "KIP2O", "#1", "ZZZZZ", "", "S1-001"]

word = st.one_of(st.sampled_from(sorted(KEYWORDS)), st.sampled_from(REFS),
                 st.sampled_from(["1234", "0000", "12.50", "1,200", "-5", "99999999999999999999", "²",
                                  "٣", "🙂", "\x00", "OK:", ":K7P2Q", "PIN", "sí,", "ñ"]),
                 st.text(max_size=12))
command_text = st.one_of(st.lists(word, max_size=6).map(" ".join), st.text(max_size=300),
                         st.integers(0, 2000).map(lambda n: "OK " * n))
senders = st.one_of(st.just(OWNER), st.just(OWNER), st.text(max_size=25), st.sampled_from(
    ["+254799000999", "0722000101", "254722000101", "BODEGA", SHORTCODE, "+1", "x" * 40]))


@pytest.fixture
def shop_world(make_app: Callable[..., Flask], database_url: str, redis_url: str) -> Iterator[Flask]:
    """An app whose reply limit is out of the way (it has its own test in tests/sms)."""
    yield make_app(SMS_REPLIES_PER_HOUR=100_000)


def _fresh(app: Flask, database_url: str, redis_url: str,
           order_status: str | None) -> tuple[Runtime, str]:
    """An empty world with one shop run from OWNER's number and one order in ``order_status``."""
    redis.Redis.from_url(redis_url).flushdb()
    empty_database(database_url)
    rt: Runtime = app.extensions["bodega"]
    shop = make_shop(rt, "Corner Shop", 77, [(OWNER, "owner")])
    order = make_order(rt, shop, status=order_status)
    return rt, order.reference


@FAST
@given(sender=senders, text=command_text, status=st.sampled_from([None, "paid", "confirmed", "cancelled"]))
@example(sender=OWNER, text="OK K7P2Q\x00", status=None)
@example(sender=OWNER, text="STOCK S1-001 ²", status=None)
@example(sender=OWNER, text="PRICE S1-001 99999999999999999999", status=None)
@example(sender=OWNER, text="STOCK S1-001 -5", status=None)
@example(sender=OWNER, text="OK {ref}", status=None)
def test_any_text_from_anyone_is_handled(shop_world: Flask, database_url: str, redis_url: str,
                                         caplog: pytest.LogCaptureFixture, sender: str, text: str,
                                         status: str | None) -> None:
    rt, reference = _fresh(shop_world, database_url, redis_url, status)
    caplog.clear()
    text = text.replace("{ref}", reference)
    client = shop_world.test_client()
    response = client.post("/hooks/africastalking/sms", data=at_inbound(sender, text, str(uuid.uuid4())))
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400), body
    if response.status_code == 400:
        assert body.startswith("Bad request: ")
    run_jobs(rt)
    with rt.sessions() as db:
        unhandled = db.scalar(select(func.count()).select_from(InboundSms)
                              .where(InboundSms.status.in_(("received", "processing"))))
    assert unhandled == 0, "the handling job must finish, whatever the text"
    assert errors_in(caplog) == []
    with rt.sessions() as db:
        texts = list(db.scalars(select(OutboundSms)))
        statuses = set(db.scalars(select(Order.status)))
        lowest = db.scalar(select(func.min(Product.stock)))
    replies = [t for t in texts if t.purpose in (sms_inbox.REPLY, sms_inbox.STRANGER)]
    assert len(replies) <= 1, [r.body for r in replies]
    assert all(t.body and is_gsm7(t.body) for t in texts), [t.body for t in texts]
    assert statuses <= set(order_states.ALLOWED)
    assert lowest is None or lowest >= 0
