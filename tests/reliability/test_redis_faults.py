"""Redis dies or freezes in the middle of a dial: a polite END within a second, the cart stays in
SQL, and once Redis is back a new dial resumes with it.

A private redis-server is started on 127.0.0.1 for each test (``private_redis``) so it can be
killed or frozen without touching the suite's own Redis. The one-second bound is the contract of
``gateway.core.redis_store.connect`` (0.5 s client timeouts) with AT's handset waiting: not a benchmark.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.commerce.carts import cart_count
from gateway.commerce.models import Customer
from gateway.core.runtime import Runtime
from gateway.ussd.hop import BUSY
from tests.conftest import DEMO_CSV
from tests.reliability.conftest import RedisServer, check_reply, post_hop

PHONE = "+254711000333"


def _app_on(make_app: Callable[..., Flask], server: RedisServer) -> Flask:
    app = make_app(REDIS_URL=server.url)
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)])
    assert result.exit_code == 0, result.output
    return app


def _cart_of(rt: Runtime, phone: str) -> int:
    with rt.sessions() as db:
        customer = db.scalar(select(Customer).where(Customer.phone == phone))
        return cart_count(db, customer.id) if customer else 0


def _fill_cart(app: Flask) -> tuple[str, str]:
    """Dial, put one item in the cart, and stop at the 'Added' screen; returns (session, text)."""
    client = app.test_client()
    session_id, text = f"ATUid_{uuid.uuid4().hex}", ""
    check_reply(post_hop(client, session_id, PHONE, ""))
    for typed in ("1", "1", "1", "1"):
        text = typed if not text else f"{text}*{typed}"
        body = check_reply(post_hop(client, session_id, PHONE, text))
    assert body.startswith("CON ") and "Added 1" in body, body
    return session_id, text


@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_redis_lost_mid_dial_ends_politely_and_the_cart_survives(
        make_app: Callable[..., Flask], private_redis: RedisServer, fault: str) -> None:
    app = _app_on(make_app, private_redis)
    rt: Runtime = app.extensions["bodega"]
    session_id, text = _fill_cart(app)

    private_redis.kill() if fault == "killed" else private_redis.freeze()
    started = time.monotonic()
    response = post_hop(app.test_client(), session_id, PHONE, f"{text}*3")
    elapsed = time.monotonic() - started

    assert check_reply(response) == f"END {BUSY}"
    assert elapsed < 1.0, f"the handset waited {elapsed:.2f}s for a dead Redis"
    assert _cart_of(rt, PHONE) == 1

    if fault == "killed":
        private_redis.start()  # a new, empty server on the same port: every dial state is gone
    else:
        private_redis.thaw()
        rt.redis.flushdb()
    home = check_reply(post_hop(app.test_client(), f"ATUid_{uuid.uuid4().hex}", PHONE, ""))
    assert home.startswith("CON ") and "Your cart has 1 item(s)" in home, home


def test_redis_down_on_the_first_hop_is_busy_not_an_error_page(
        make_app: Callable[..., Flask], private_redis: RedisServer) -> None:
    app = _app_on(make_app, private_redis)
    private_redis.kill()
    started = time.monotonic()
    response = post_hop(app.test_client(), f"ATUid_{uuid.uuid4().hex}", PHONE, "")
    assert check_reply(response) == f"END {BUSY}"
    assert time.monotonic() - started < 1.0
