"""A stateful model of one customer dialling, typing, being replayed, and losing Redis mid-dial.

Hypothesis drives the real webhook in any order of these moves. Whatever it tries: every reply
keeps the USSD contract, a replayed hop answers exactly as before (while Redis held the dial),
stock never goes negative, no order exists without an answered confirmation screen, the session
log always drains, and after Redis loses everything a new dial still finds the cart in SQL.
"""

from __future__ import annotations

import uuid

import pytest
import redis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from gateway.commerce.carts import cart_count
from gateway.commerce.models import Customer, Order, Product
from gateway.core.runtime import Runtime
from tests.reliability.conftest import check_reply, drain_session_log, errors_in, post_hop

PHONE = "+254711000222"
keypad = st.sampled_from(["1", "1", "1", "2", "3", "0", "00", "98", "9", "", "*", "abc", "1*1"])


def journey_machine(app: Flask) -> type[RuleBasedStateMachine]:
    rt: Runtime = app.extensions["bodega"]

    class CustomerJourney(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.client = app.test_client()
            self.session_id = ""
            self.text = ""
            self.body = ""
            self.state_lost = False
            self.confirmed: set[str] = set()

        def hop(self, text: str) -> str:
            self.body = check_reply(post_hop(self.client, self.session_id, PHONE, text))
            self.text = text
            return self.body

        def cart(self) -> int:
            with rt.sessions() as db:
                customer = db.scalar(select(Customer).where(Customer.phone == PHONE))
                return cart_count(db, customer.id) if customer else 0

        @initialize()
        def first_dial(self) -> None:
            self.session_id = f"ATUid_{uuid.uuid4().hex}"
            self.state_lost = False
            self.hop("")

        @rule()
        def dial_again(self) -> None:
            """A new dial: if the cart holds anything, the home screen says how many."""
            units = self.cart()
            self.first_dial()
            assert self.body.startswith("CON ")
            if units:
                assert str(units) in self.body and "cart" in self.body.lower(), self.body

        @rule()
        def put_one_item_in_the_cart(self) -> None:
            """First shop -> first category -> first product -> quantity 1 (the shops start at 2
            under a returning customer's Order again)."""
            units = self.cart()
            self.first_dial()
            for typed in ("2" if "1. Order again" in self.body else "1", "1", "1", "1"):
                self.answer(typed)
            full = "as many as one order can take" in self.body  # the line is at USSD_MAX_QTY
            assert self.cart() == units + (0 if full else 1), self.body

        @precondition(lambda self: self.body.startswith("CON "))
        @rule(typed=keypad)
        def answer(self, typed: str) -> None:
            if "confirm" in self.body.lower():
                self.confirmed.add(self.session_id)
            self.hop(typed if self.text == "" else f"{self.text}*{typed}")
            self.state_lost = False

        @rule()
        def aggregator_retries_the_last_hop(self) -> None:
            before = self.body
            after = self.hop(self.text)
            if not self.state_lost:
                assert after == before

        @rule()
        def redis_loses_everything(self) -> None:
            rt.redis.flushdb()
            self.state_lost = True

        @rule()
        def worker_writes_the_session_log(self) -> None:
            drain_session_log(rt)

        @invariant()
        def stock_is_never_negative(self) -> None:
            with rt.sessions() as db:
                assert db.scalar(select(func.min(Product.stock))) >= 0

        @invariant()
        def orders_only_after_a_confirm(self) -> None:
            with rt.sessions() as db:
                sessions = set(db.scalars(select(Order.ussd_session_id)))
            assert sessions <= self.confirmed

    return CustomerJourney


def test_customer_journey_survives_anything(world, caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
                                            redis_url: str) -> None:
    app, reset = world
    machine = journey_machine(app)

    def fresh_machine() -> RuleBasedStateMachine:
        reset()
        caplog.clear()
        return machine()

    run_state_machine_as_test(fresh_machine, settings=settings(
        max_examples=12, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
    assert errors_in(caplog) == []
    assert redis.Redis.from_url(redis_url).ping()
