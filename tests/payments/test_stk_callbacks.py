"""Daraja's STK callbacks on POST /hooks/mpesa/stk: verbatim bodies, and every way they go wrong."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gateway.commerce.models import PaymentCallback, utcnow
from gateway.core.transactions import unit_of_work
from gateway.payments import collection
from gateway.payments.collection import settle_callback
from tests.conftest import run_jobs, run_scheduled_jobs, scheduled_jobs
from tests.fakes import FakeDaraja, stk_callback
from tests.fakes.fake_daraja import Push
from tests.payments.conftest import Shop

URL = "/hooks/mpesa/stk?key=hook-secret"
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


def post(client: FlaskClient, body: Any, url: str = URL) -> TestResponse:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def prompted(shop: Shop, fake_daraja: FakeDaraja) -> tuple[str, Push]:
    """An M-Pesa order whose STK prompt Daraja accepted."""
    reference = shop.buy_avocados_with_mpesa()
    run_jobs(shop.rt)
    return reference, fake_daraja.pushes[-1]


def test_success_pays_the_order_and_texts_the_receipt(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    response = post(mpesa_shop.client, fake_daraja.callback_for(push, receipt="NLJ7RT61SV"))
    assert response.status_code == 200 and response.get_json() == ACCEPTED
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.receipt) == ("paid", "NLJ7RT61SV")
    assert mpesa_shop.order(reference).status == "paid"
    (sms,) = mpesa_shop.sms("payment_received")
    assert "NLJ7RT61SV" in sms.body and reference in sms.body and "KSh 50" in sms.body
    assert sms.status == "sent"  # through the console transport
    (to_shop,) = mpesa_shop.sms("shop_new_order")  # the order reaches the shop once paid
    assert to_shop.to_phone == "+254722000101" and reference in to_shop.body
    (callback,) = mpesa_shop.callbacks()
    assert callback.outcome == "paid" and json.loads(callback.raw) == fake_daraja.callback_for(push,
                                                                                              receipt="NLJ7RT61SV")


def test_a_duplicate_callback_changes_nothing(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    body = fake_daraja.callback_for(push)
    post(mpesa_shop.client, body)
    run_jobs(mpesa_shop.rt)
    assert post(mpesa_shop.client, body).get_json() == ACCEPTED
    run_jobs(mpesa_shop.rt)
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["paid", "duplicate"]
    assert len(mpesa_shop.sms("payment_received")) == 1
    assert mpesa_shop.order(reference).status == "paid"


def test_a_failure_after_success_is_ignored(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    post(mpesa_shop.client, fake_daraja.callback_for(push))
    run_jobs(mpesa_shop.rt)
    post(mpesa_shop.client, fake_daraja.callback_for(push, result_code=1032, settle=False))
    run_jobs(mpesa_shop.rt)
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["paid", "ignored"]
    assert mpesa_shop.payments(reference)[0].status == "paid"
    assert mpesa_shop.order(reference).status == "paid"
    assert mpesa_shop.sms("payment_failed") == []


def test_a_cancelled_prompt_fails_the_order_and_says_how_to_retry(mpesa_shop: Shop,
                                                                   fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    post(mpesa_shop.client, fake_daraja.callback_for(push, result_code=1032))
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert (payment.status, payment.result_code, payment.result_desc) == (
        "failed", "1032", "Request cancelled by user")
    assert mpesa_shop.order(reference).status == "payment_failed"
    (sms,) = mpesa_shop.sms("payment_failed")
    assert sms.body.startswith(f"Bodega: the payment for order {reference} (KSh 50) did not go through.")
    assert "My orders, then Pay now" in sms.body


def test_a_late_success_after_a_failure_still_pays(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    """Out of order: the failure (a timeout) came first, then Daraja reports the money did arrive."""
    reference, push = prompted(mpesa_shop, fake_daraja)
    post(mpesa_shop.client, fake_daraja.callback_for(push, result_code=1037))
    run_jobs(mpesa_shop.rt)
    post(mpesa_shop.client, fake_daraja.callback_for(push, receipt="QAB1CD2EF3"))
    run_jobs(mpesa_shop.rt)
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["failed", "paid"]
    assert mpesa_shop.order(reference).status == "paid"
    assert mpesa_shop.payments(reference)[0].receipt == "QAB1CD2EF3"


def test_a_callback_without_the_key_is_forbidden_and_stored_nowhere(mpesa_shop: Shop,
                                                                      fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    for url in ("/hooks/mpesa/stk", "/hooks/mpesa/stk?key=guess"):
        assert post(mpesa_shop.client, fake_daraja.callback_for(push), url=url).status_code == 403
    run_jobs(mpesa_shop.rt)
    assert mpesa_shop.callbacks() == []
    assert mpesa_shop.order(reference).status == "awaiting_payment"


def test_an_unknown_checkout_id_is_kept_but_pays_nothing(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, _push = prompted(mpesa_shop, fake_daraja)
    response = post(mpesa_shop.client, stk_callback("ws_CO_000000000000000000", amount=50))
    assert response.get_json() == ACCEPTED
    run_jobs(mpesa_shop.rt)
    (callback,) = mpesa_shop.callbacks()
    assert (callback.outcome, callback.payment_id) == ("unknown", None)
    assert mpesa_shop.order(reference).status == "awaiting_payment"


def test_a_wrong_amount_is_flagged_not_paid(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    post(mpesa_shop.client, fake_daraja.callback_for(push, amount=1))
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert payment.status == "mismatch" and "paid KSh 1 but KSh 50 was asked" in (payment.result_desc or "")
    assert mpesa_shop.order(reference).status == "awaiting_payment"
    assert mpesa_shop.sms("payment_received") == []


def test_a_receipt_already_used_by_another_payment_pays_nothing(mpesa_shop: Shop,
                                                                 fake_daraja: FakeDaraja) -> None:
    first, push_one = prompted(mpesa_shop, fake_daraja)
    mpesa_shop.dialer.phone = "+254722333444"
    second, push_two = prompted(mpesa_shop, fake_daraja)
    post(mpesa_shop.client, fake_daraja.callback_for(push_one, receipt="SAME000001"))
    post(mpesa_shop.client, fake_daraja.callback_for(push_two, receipt="SAME000001"))
    run_jobs(mpesa_shop.rt)
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["paid", "receipt_reused"]
    assert mpesa_shop.order(second).status == "awaiting_payment"
    assert mpesa_shop.order(first).status == "paid"


def test_malformed_json_gets_400_with_the_reason_and_is_kept(mpesa_shop: Shop) -> None:
    response = post(mpesa_shop.client, b"{not json")
    assert response.status_code == 400 and "not JSON" in response.get_data(as_text=True)
    response = post(mpesa_shop.client, {"Body": {}})
    assert response.status_code == 400 and "stkCallback" in response.get_data(as_text=True)
    assert [(c.outcome, c.raw) for c in mpesa_shop.callbacks()] == [
        ("malformed", "{not json"), ("malformed", '{"Body": {}}')]


def test_a_success_without_its_receipt_is_malformed(mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    body = fake_daraja.callback_for(push)
    del body["Body"]["stkCallback"]["CallbackMetadata"]
    assert post(mpesa_shop.client, body).status_code == 400
    assert mpesa_shop.order(reference).status == "awaiting_payment"


def test_with_verify_on_a_success_is_paid_only_when_daraja_agrees(
        open_shop: Callable[..., Shop], fake_daraja: FakeDaraja) -> None:
    shop = open_shop(**fake_daraja.settings(MPESA_VERIFY=True))
    reference, push = prompted(shop, fake_daraja)
    post(shop.client, fake_daraja.callback_for(push, settle=False))  # Daraja: still processing
    run_jobs(shop.rt)
    assert shop.order(reference).status == "awaiting_payment"
    assert len(scheduled_jobs(shop.rt)) == 1  # the settle job retries later
    fake_daraja.settle(push.checkout_request_id, 0)
    run_scheduled_jobs(shop.rt)
    assert shop.order(reference).status == "paid"
    assert len(fake_daraja.queries) == 2


def test_with_verify_on_a_forged_success_is_not_paid(open_shop: Callable[..., Shop],
                                                       fake_daraja: FakeDaraja) -> None:
    shop = open_shop(**fake_daraja.settings(MPESA_VERIFY=True))
    reference, push = prompted(shop, fake_daraja)
    fake_daraja.settle(push.checkout_request_id, 1032)  # the customer really cancelled
    post(shop.client, fake_daraja.callback_for(push, receipt="FORGED0001", settle=False))
    run_jobs(shop.rt)
    (callback,) = shop.callbacks()
    assert callback.outcome == "unconfirmed"
    (payment,) = shop.payments(reference)
    assert (payment.status, payment.receipt) == ("failed", None)
    assert shop.order(reference).status == "payment_failed"


def test_database_down_answers_503_not_500(make_app: Callable[..., Flask]) -> None:
    app = make_app(DATABASE_URL="postgresql+psycopg://bodega@127.0.0.1:1/none")
    response = post(app.test_client(), stk_callback("ws_CO_191220191020363925"), url="/hooks/mpesa/stk")
    assert response.status_code == 503


def test_deeply_nested_json_is_refused_as_not_json(mpesa_shop: Shop) -> None:
    body = '{"Body":' + "[" * 5000 + "]" * 5000 + "}"
    response = post(mpesa_shop.client, body)
    assert response.status_code == 400 and "body is not JSON" in response.get_data(as_text=True)
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["malformed"]


def test_an_absurd_amount_is_a_mismatch_answered_in_milliseconds(
        mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    body = json.dumps(fake_daraja.callback_for(push)).replace('"Value": 50.0', '"Value": "1e999990"')
    assert '"1e999990"' in body
    started = time.perf_counter()
    assert post(mpesa_shop.client, body).get_json() == ACCEPTED
    run_jobs(mpesa_shop.rt)
    assert time.perf_counter() - started < 5  # was ~26 s of CPU in the webhook, 30-45 s in the job
    (payment,) = mpesa_shop.payments(reference)
    assert payment.status == "mismatch" and "paid KSh (out of range)" in (payment.result_desc or "")
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["mismatch"]
    assert mpesa_shop.order(reference).status == "awaiting_payment"


def test_a_callback_that_can_never_settle_is_flagged_not_retried(
        mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, _ = prompted(mpesa_shop, fake_daraja)
    (payment,) = mpesa_shop.payments(reference)
    with unit_of_work(mpesa_shop.rt) as db:  # a stored row its parser can no longer read
        record = PaymentCallback(provider="mpesa", raw="{not json", payment_id=payment.id)
        db.add(record)
        db.flush()
        callback_id = record.id
    assert settle_callback(mpesa_shop.rt, callback_id) == "error"
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["error"]
    later = utcnow() + timedelta(minutes=5)
    assert collection.settle_stale_payments(mpesa_shop.rt, now=later, stale_seconds=3600) == 0


def test_the_sweep_gives_up_on_a_callback_unsettled_for_hours(
        mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    reference, push = prompted(mpesa_shop, fake_daraja)
    (payment,) = mpesa_shop.payments(reference)
    with unit_of_work(mpesa_shop.rt) as db:  # its job keeps dying (a worker killed mid-settle, say)
        db.add(PaymentCallback(provider="mpesa", raw=json.dumps(fake_daraja.callback_for(push)),
                               payment_id=payment.id, received_at=utcnow() - timedelta(hours=7)))
    assert collection.settle_stale_payments(mpesa_shop.rt, stale_seconds=3600) == 0
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["unsettled"]
