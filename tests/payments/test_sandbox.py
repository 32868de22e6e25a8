"""With no M-Pesa account the sandbox wallet collects: it completes by itself unless declined."""

from __future__ import annotations

import time
from collections.abc import Callable

from rq import SimpleWorker

from gateway.commerce import order_states, settlement
from gateway.commerce.models import Order
from gateway.core.runtime import Runtime
from gateway.core.transactions import unit_of_work
from gateway.jobs import lanes, request_payment
from gateway.payments.sandbox import answer_prompt, pending_prompts
from tests.conftest import run_jobs
from tests.payments.conftest import PHONE, Shop


def work_like_the_worker(rt: Runtime) -> None:
    """A real RQ worker with its scheduler, in burst mode (runs due delayed jobs too), then the
    job lanes (the texts those jobs queued), as the worker's lane thread would."""
    SimpleWorker([rt.queue], connection=rt.queue.connection).work(burst=True, with_scheduler=True)
    lanes.drain(rt)


def test_sandbox_pays_by_itself_end_to_end_through_a_real_worker(open_shop: Callable[..., Shop]) -> None:
    shop = open_shop(SANDBOX_PAYMENT_SECONDS=1)
    reference = shop.buy_avocados_with_mpesa()
    work_like_the_worker(shop.rt)
    (payment,) = shop.payments(reference)
    assert (payment.provider, payment.status) == ("sandbox", "requested")
    with unit_of_work(shop.rt) as db:
        assert [p.id for p in pending_prompts(db, PHONE)] == [payment.id]
    assert shop.order(reference).status == "awaiting_payment"
    time.sleep(1.2)  # the prompt's time runs out; the scheduler hands the check job to the worker
    work_like_the_worker(shop.rt)
    work_like_the_worker(shop.rt)  # and the receipt SMS it queued
    (payment,) = shop.payments(reference)
    assert payment.status == "paid" and (payment.receipt or "").startswith("SB")
    assert shop.order(reference).status == "paid"
    (sms,) = shop.sms("payment_received")
    assert payment.receipt in sms.body and sms.status == "sent"
    with unit_of_work(shop.rt) as db:
        assert pending_prompts(db, PHONE) == []


def test_a_declined_prompt_fails_and_a_retry_can_pay(open_shop: Callable[..., Shop]) -> None:
    shop = open_shop(SANDBOX_PAYMENT_SECONDS=0)
    reference = shop.buy_avocados_with_mpesa()
    shop.rt.queue.empty()
    (payment,) = shop.payments(reference)
    request_payment(payment.id)
    with unit_of_work(shop.rt) as db:
        settled = answer_prompt(db, payment.id, accept=False)
    assert settled.outcome == "failed"
    run_jobs(shop.rt)  # the sandbox's own check finds nothing left to do; the SMS goes
    assert shop.order(reference).status == "payment_failed"
    assert shop.payments(reference)[0].status == "failed"
    assert "did not go through" in shop.sms("payment_failed")[0].body
    with unit_of_work(shop.rt) as db:  # My orders -> Pay: what the orders menu does
        order = db.get(Order, shop.order(reference).id)
        assert order is not None
        order_states.transition(db, order, order_states.AWAITING_PAYMENT, actor=PHONE, channel="ussd")
        settlement.start_payment(db, order, "mpesa", PHONE, delay=0)
    run_jobs(shop.rt)
    run_jobs(shop.rt)
    assert [p.status for p in shop.payments(reference)] == ["failed", "paid"]
    assert shop.order(reference).status == "paid"


def test_accepting_a_prompt_pays_at_once_and_answering_twice_changes_nothing(
        open_shop: Callable[..., Shop]) -> None:
    shop = open_shop(SANDBOX_PAYMENT_SECONDS=60)
    reference = shop.buy_avocados_with_mpesa()
    run_jobs(shop.rt)
    (payment,) = shop.payments(reference)
    with unit_of_work(shop.rt) as db:
        assert answer_prompt(db, payment.id, accept=True).outcome == "paid"
    with unit_of_work(shop.rt) as db:
        assert answer_prompt(db, payment.id, accept=False).outcome == "ignored"
    assert shop.order(reference).status == "paid"
    assert len(shop.sms("payment_received")) == 1
