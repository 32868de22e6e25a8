"""The STK push as Daraja must receive it, and what its refusals and failures do."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from gateway.commerce.models import Payment
from gateway.core.transactions import enqueue
from tests.conftest import run_jobs, run_scheduled_jobs, scheduled_jobs
from tests.fakes import Answer, FakeDaraja
from tests.fakes.fake_daraja import PASSKEY, PUSH_PATH, SHORTCODE
from tests.payments.conftest import Shop

EAT = timezone(timedelta(hours=3))


def test_push_carries_exactly_what_daraja_expects(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa(qty=3)
    run_jobs(mpesa_shop.rt)
    (push,) = fake_daraja.pushes
    body = push.request
    stamp = body["Timestamp"]
    sent_at = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=EAT)
    assert abs(datetime.now(EAT) - sent_at) < timedelta(minutes=1)  # East Africa Time, not UTC
    assert body["Password"] == base64.b64encode(f"{SHORTCODE}{PASSKEY}{stamp}".encode()).decode()
    assert body["Amount"] == 75 and isinstance(body["Amount"], int)
    assert body["PartyA"] == body["PhoneNumber"] == "254711000111"
    assert body["PartyB"] == body["BusinessShortCode"] == SHORTCODE
    assert body["TransactionType"] == "CustomerPayBillOnline"
    assert body["AccountReference"] == reference
    assert len(body["TransactionDesc"]) <= 13 and reference in body["TransactionDesc"]
    assert body["CallBackURL"] == "https://bodega.example/hooks/mpesa/stk?key=hook-secret"
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.provider, payment.amount_minor) == ("requested", "mpesa", 7500)
    assert payment.checkout_request_id == push.checkout_request_id
    assert payment.merchant_request_id == push.merchant_request_id


def test_the_token_is_fetched_once_and_reused(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    mpesa_shop.buy_avocados_with_mpesa()
    mpesa_shop.buy_avocados_with_mpesa(phone="+254722333444")
    run_jobs(mpesa_shop.rt)
    assert len(fake_daraja.pushes) == 2
    assert len(fake_daraja.token_requests) == 1
    basic = base64.b64encode(b"ck-test:cs-test").decode()
    assert fake_daraja.token_requests[0].headers["Authorization"] == f"Basic {basic}"


def test_a_refused_push_fails_the_payment_and_tells_the_customer(mpesa_shop: Shop,
                                                                   fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    fake_daraja.refuse("400.002.02", "Bad Request - Invalid PhoneNumber")
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.result_code) == ("failed", "400.002.02")
    assert mpesa_shop.order(reference).status == "payment_failed"
    (sms,) = mpesa_shop.sms("payment_failed")
    assert reference in sms.body and "My orders" in sms.body
    assert scheduled_jobs(mpesa_shop.rt) == []  # a refusal is not retried


def test_a_daraja_5xx_is_retried_then_the_prompt_goes_out_once(mpesa_shop: Shop,
                                                              fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    fake_daraja.script(Answer.json(503, {"requestId": "1", "errorCode": "503.001.01",
                                         "errorMessage": "Service Unavailable"}).on(PUSH_PATH))
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.attempts) == ("queued", 1)
    run_scheduled_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.attempts) == ("requested", 2)
    assert len(fake_daraja.pushes) == 1


def test_a_timeout_is_retried_and_gives_up_after_the_last_attempt(
        open_shop: Callable[..., Shop], fake_daraja: FakeDaraja) -> None:
    shop = open_shop(**fake_daraja.settings(MPESA_TIMEOUT_SECONDS=0.3))
    reference = shop.buy_avocados_with_mpesa()
    fake_daraja.script(*[Answer.slow(1).on(PUSH_PATH)] * 3)
    run_jobs(shop.rt)
    for _ in range(2):
        run_scheduled_jobs(shop.rt)
    (payment,) = shop.payments(reference)
    assert (payment.status, payment.attempts) == ("failed", 3)
    assert shop.order(reference).status == "payment_failed"
    assert len(shop.sms("payment_failed")) == 1


def test_a_number_mpesa_cannot_charge_is_refused_without_calling_daraja(
        mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    # Checkout offers M-Pesa only to numbers it can charge; a payment asked for from another
    # number (here changed before its job ran) is still refused by the adapter itself.
    reference = mpesa_shop.buy_avocados_with_mpesa()
    (payment,) = mpesa_shop.payments(reference)
    with mpesa_shop.rt.sessions() as db:
        db.execute(update(Payment).where(Payment.id == payment.id).values(phone="+255754000111"))
        db.commit()
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.result_desc) == ("failed", "not a number M-Pesa serves in KES")
    assert fake_daraja.pushes == []


def test_the_request_job_twice_pushes_once(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    (payment,) = mpesa_shop.payments(reference)
    enqueue(mpesa_shop.rt.queue, "gateway.jobs.request_payment", payment.id)
    run_jobs(mpesa_shop.rt)
    assert len(fake_daraja.pushes) == 1
    assert isinstance(payment, Payment)
