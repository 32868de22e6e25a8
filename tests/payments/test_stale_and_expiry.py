"""Callbacks that never come, jobs that were lost, and orders nobody paid."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from gateway.commerce.models import Order, Payment, utcnow
from gateway.core.runtime import Runtime
from gateway.core.transactions import unit_of_work
from gateway.jobs import expire_unpaid_orders
from gateway.payments import collection
from tests.conftest import run_jobs
from tests.fakes import FakeDaraja
from tests.payments.conftest import Shop


def age_payments(rt: Runtime, minutes: int) -> None:
    with unit_of_work(rt) as db:
        db.execute(update(Payment).values(updated_at=utcnow() - timedelta(minutes=minutes)))


def test_no_callback_the_sweep_asks_daraja_and_settles(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(mpesa_shop.rt)
    push = fake_daraja.pushes[0]
    assert collection.settle_stale_payments(mpesa_shop.rt) == 0  # too early to worry
    age_payments(mpesa_shop.rt, 4)
    assert collection.settle_stale_payments(mpesa_shop.rt) == 1
    run_jobs(mpesa_shop.rt)  # Daraja: still being processed
    assert mpesa_shop.payments(reference)[0].status == "requested"
    assert collection.settle_stale_payments(mpesa_shop.rt) == 0  # asked just now: wait a period
    fake_daraja.settle(push.checkout_request_id, 0)
    age_payments(mpesa_shop.rt, 4)
    collection.settle_stale_payments(mpesa_shop.rt)
    run_jobs(mpesa_shop.rt)
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.receipt) == ("paid", None)
    assert mpesa_shop.order(reference).status == "paid"
    (sms,) = mpesa_shop.sms("payment_received")
    assert "receipt" not in sms.body and reference in sms.body
    # the callback arrives late after all: a duplicate, nothing changes
    mpesa_shop.client.post("/hooks/mpesa/stk?key=hook-secret", content_type="application/json",
                           data=json.dumps(fake_daraja.callback_for(push)))
    run_jobs(mpesa_shop.rt)
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["duplicate"]
    assert len(mpesa_shop.sms("payment_received")) == 1


def test_the_sweep_fails_a_query_answer_of_cancelled(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(mpesa_shop.rt)
    fake_daraja.settle(fake_daraja.pushes[0].checkout_request_id, 1032)
    age_payments(mpesa_shop.rt, 4)
    collection.settle_stale_payments(mpesa_shop.rt)
    run_jobs(mpesa_shop.rt)
    assert mpesa_shop.order(reference).status == "payment_failed"
    assert len(mpesa_shop.sms("payment_failed")) == 1


def test_a_lost_request_job_is_sent_by_the_sweep(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    mpesa_shop.rt.queue.empty()  # the enqueue after commit never happened
    age_payments(mpesa_shop.rt, 3)
    assert collection.settle_stale_payments(mpesa_shop.rt) == 1
    run_jobs(mpesa_shop.rt)
    assert mpesa_shop.payments(reference)[0].status == "requested"
    assert len(fake_daraja.pushes) == 1


def test_a_request_whose_worker_died_mid_call_fails_so_the_customer_can_retry(
        mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    mpesa_shop.rt.queue.empty()
    with unit_of_work(mpesa_shop.rt) as db:
        db.execute(update(Payment).values(status="requesting", attempts=1))
    age_payments(mpesa_shop.rt, 6)
    collection.settle_stale_payments(mpesa_shop.rt)
    run_jobs(mpesa_shop.rt)
    assert (mpesa_shop.payments(reference)[0].status, mpesa_shop.order(reference).status) == (
        "failed", "payment_failed")
    assert fake_daraja.pushes == []  # never a second prompt in the dark


def _past_deadline(rt: Runtime) -> None:
    with unit_of_work(rt) as db:
        db.execute(update(Order).values(expires_at=utcnow() - timedelta(minutes=1)))


def test_unpaid_orders_expire_and_their_stock_goes_back(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    before = mpesa_shop.stock("Avocado")
    reference = mpesa_shop.buy_avocados_with_mpesa(qty=3)
    run_jobs(mpesa_shop.rt)
    assert mpesa_shop.stock("Avocado") == before - 3
    _past_deadline(mpesa_shop.rt)
    assert expire_unpaid_orders() == 0  # a prompt is on the handset right now: wait for it
    age_payments(mpesa_shop.rt, 6)
    assert expire_unpaid_orders() == 1
    assert mpesa_shop.order(reference).status == "expired"
    assert mpesa_shop.stock("Avocado") == before
    assert expire_unpaid_orders() == 0


def test_money_arriving_after_expiry_is_kept_and_flagged_for_refund(mpesa_shop: Shop,
                                                                    fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(mpesa_shop.rt)
    _past_deadline(mpesa_shop.rt)
    age_payments(mpesa_shop.rt, 6)
    expire_unpaid_orders()
    mpesa_shop.client.post("/hooks/mpesa/stk?key=hook-secret", content_type="application/json",
                           data=json.dumps(fake_daraja.callback_for(fake_daraja.pushes[0])))
    run_jobs(mpesa_shop.rt)
    order = mpesa_shop.order(reference)
    assert (order.status, order.refund_due) == ("expired", True)
    assert mpesa_shop.payments(reference)[0].status == "paid"
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["refund_due"]
    (sms,) = mpesa_shop.sms("payment_refund")
    assert sms.body == (f"Bodega: we received KSh 50 for order {reference}, which is expired. "
                        "It will be refunded to you.")


def test_an_order_cancelled_before_its_prompt_went_out_gets_no_prompt(mpesa_shop: Shop,
                                                                      fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()  # the prompt waits for the dial to end
    mpesa_shop.dialer.walk("92", "1", "1")  # My orders -> the order -> Cancel
    assert mpesa_shop.dialer.dial("1") == f"END Order {reference} is cancelled."
    run_jobs(mpesa_shop.rt)
    assert fake_daraja.pushes == []
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.result_code) == ("failed", "order_closed")
    assert mpesa_shop.sms("payment_failed") == []  # nothing to retry: the customer cancelled


def test_paid_orders_never_expire(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(mpesa_shop.rt)
    mpesa_shop.client.post("/hooks/mpesa/stk?key=hook-secret", content_type="application/json",
                           data=json.dumps(fake_daraja.callback_for(fake_daraja.pushes[0])))
    run_jobs(mpesa_shop.rt)
    with unit_of_work(mpesa_shop.rt) as db:
        db.execute(update(Order).values(created_at=utcnow() - timedelta(days=1)))
    _past_deadline(mpesa_shop.rt)
    assert expire_unpaid_orders() == 0
    assert mpesa_shop.order(reference).status == "paid"


def test_a_payment_the_provider_can_never_answer_about_is_failed_not_asked_forever(
        mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    with unit_of_work(mpesa_shop.rt) as db:  # requested, but with no id Daraja could be asked about
        db.execute(update(Payment).where(Payment.id == payment.id).values(checkout_request_id=None))
    assert collection.check_payment(mpesa_shop.rt, payment.id) == "failed"
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.result_code) == ("failed", "unchecked")
    later = utcnow() + timedelta(hours=1)
    assert collection.settle_stale_payments(mpesa_shop.rt, now=later) == 0
