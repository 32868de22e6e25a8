"""MTN MoMo Collection: a Ugandan customer checks out with MoMo; MoMo's word moves the order.

The fake MoMo (tests/fakes/fake_momo.py) speaks the API verbatim, in its sandbox (EUR only).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from gateway.commerce.models import Payment, PaymentCallback, utcnow
from gateway.core.errors import ProviderError
from gateway.payments import collection
from tests.admin.conftest import create_user, sign_in
from tests.conftest import run_jobs
from tests.fakes.fake_momo import PAY_PATH, UUID4, FakeMomo
from tests.fakes.server import Answer
from tests.payments.conftest import Shop, check_out

MTN_UGANDA = "+256772123456"
URL = "/hooks/momo/collection?key=hook-secret"


@pytest.fixture
def momo_shop(wallet_shop: Callable[..., Shop], fake_momo: FakeMomo) -> Shop:
    return wallet_shop("UGX", "2500", **fake_momo.settings())


def send(client: FlaskClient, body: Any, method: str = "PUT") -> TestResponse:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.open(URL, method=method, data=data, content_type="application/json")


def prompted(shop: Shop, fake_momo: FakeMomo) -> tuple[str, str]:
    """A MoMo order whose request to pay MoMo took: (order reference, X-Reference-Id)."""
    question, reference = check_out(shop, MTN_UGANDA)
    assert "1. MTN MoMo" in question, question
    run_jobs(shop.rt)
    (call,) = fake_momo.pay_calls
    return reference, call.headers["X-Reference-Id"]


def test_request_to_pay_carries_the_payments_uuid_and_string_amounts(momo_shop: Shop,
                                                                     fake_momo: FakeMomo) -> None:
    reference, key = prompted(momo_shop, fake_momo)
    (payment,) = momo_shop.payments(reference)
    assert UUID4.match(key) and payment.idempotency_key == key == payment.checkout_request_id
    assert payment.status == "requested"
    (call,) = fake_momo.pay_calls
    assert call.json == {"amount": "5000", "currency": "EUR", "externalId": key,
                         "payer": {"partyIdType": "MSISDN", "partyId": "256772123456"},
                         "payerMessage": f"Bodega order {reference}", "payeeNote": f"Order {reference}"}
    assert call.headers["X-Callback-Url"] == "https://bodega.example/hooks/momo/collection?key=hook-secret"
    assert call.headers["X-Target-Environment"] == "sandbox"


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_a_callback_moves_the_order_only_once_momo_confirms_it(momo_shop: Shop, fake_momo: FakeMomo,
                                                                method: str) -> None:
    reference, key = prompted(momo_shop, fake_momo)
    body = fake_momo.callback_for(key)
    assert send(momo_shop.client, body, method).status_code == 200
    run_jobs(momo_shop.rt)
    assert len(fake_momo.status_calls) == 1  # the callback was checked with MoMo
    (payment,) = momo_shop.payments(reference)
    assert (payment.status, payment.receipt) == ("paid", body["financialTransactionId"])
    assert momo_shop.order(reference).status == "paid"
    (sms,) = momo_shop.sms("payment_received")
    assert f"MTN MoMo receipt {payment.receipt}" in sms.body and "USh 5,000" in sms.body
    kinds = sorted((c.kind, c.outcome) for c in momo_shop.callbacks())
    assert kinds == [("callback", "paid"), ("request", "accepted"), ("status", "paid")]  # for the console


def test_a_forged_success_changes_nothing_while_momo_says_pending(momo_shop: Shop,
        fake_momo: FakeMomo) -> None:
    reference, key = prompted(momo_shop, fake_momo)
    forged = fake_momo.callback_for(key, settle=False)  # MoMo itself still says PENDING
    assert send(momo_shop.client, forged).status_code == 200
    (stored,) = [c for c in momo_shop.callbacks() if c.kind == "callback"]
    with pytest.raises(ProviderError):  # not confirmed yet: the job is retried, later
        collection.settle_callback(momo_shop.rt, stored.id)
    assert momo_shop.payments(reference)[0].status == "requested"
    assert momo_shop.order(reference).status == "awaiting_payment"


def test_a_forged_success_for_a_failed_payment_is_unconfirmed(momo_shop: Shop,
        fake_momo: FakeMomo) -> None:
    reference, key = prompted(momo_shop, fake_momo)
    fake_momo.settle(key, "FAILED", "APPROVAL_REJECTED")
    send(momo_shop.client, fake_momo.callback_for(key, settle=False))
    run_jobs(momo_shop.rt)
    outcomes = [c.outcome for c in momo_shop.callbacks() if c.kind == "callback"]  # the others: ours
    assert outcomes == ["unconfirmed"]
    (payment,) = momo_shop.payments(reference)
    assert (payment.status, payment.result_code, payment.receipt) == ("failed", "APPROVAL_REJECTED", None)
    assert momo_shop.order(reference).status == "payment_failed"


def test_a_repeated_reference_409_is_the_same_request(momo_shop: Shop,
        fake_momo: FakeMomo) -> None:
    app_settings = fake_momo.settings(MOMO_TIMEOUT_SECONDS=0.5)
    momo_shop.rt.settings = dataclasses.replace(momo_shop.rt.settings, **app_settings)
    momo_shop.rt.extras.pop("payment_providers", None)
    fake_momo.script(Answer.slow(1.5).on(PAY_PATH))  # MoMo takes it, but answers too late
    _, reference = check_out(momo_shop, MTN_UGANDA)
    run_jobs(momo_shop.rt)
    (payment,) = momo_shop.payments(reference)
    assert payment.status == "queued"  # put back for the retry
    assert collection.request_payment(momo_shop.rt, payment.id) == "requested"
    first, second = fake_momo.pay_calls
    assert first.headers["X-Reference-Id"] == second.headers["X-Reference-Id"] == payment.idempotency_key
    assert len(fake_momo.requests_to_pay) == 1  # one request to pay, not two
    assert momo_shop.payments(reference)[0].status == "requested"


def test_a_payment_whose_callback_never_came_is_settled_by_status(momo_shop: Shop,
        fake_momo: FakeMomo) -> None:
    reference, key = prompted(momo_shop, fake_momo)
    fake_momo.settle(key, "SUCCESSFUL")
    assert collection.settle_stale_payments(momo_shop.rt, utcnow() + timedelta(minutes=10)) == 1
    run_jobs(momo_shop.rt)
    assert momo_shop.payments(reference)[0].status == "paid"
    assert momo_shop.order(reference).status == "paid"
    assert [c.kind for c in momo_shop.callbacks()] == ["request", "status"]


def test_money_for_an_expired_order_is_flagged_and_promised_back(momo_shop: Shop,
        fake_momo: FakeMomo) -> None:
    reference, key = prompted(momo_shop, fake_momo)
    assert collection.expire_unpaid_orders(momo_shop.rt, utcnow() + timedelta(hours=2)) == 1
    send(momo_shop.client, fake_momo.callback_for(key))
    run_jobs(momo_shop.rt)
    order = momo_shop.order(reference)
    assert (order.status, order.refund_due) == ("expired", True)
    assert momo_shop.payments(reference)[0].status == "paid"
    (sms,) = momo_shop.sms("payment_refund")
    assert "refunded" in sms.body


@pytest.mark.parametrize(("body", "reason"), [
    (b"not json", "not JSON"),
    ([1, 2], "not a JSON object"),
    ({"status": "SUCCESSFUL", "currency": "EUR"}, "externalId"),
    ({"externalId": "x", "status": "DONE", "currency": "EUR"}, "status"),
    ({"externalId": "x", "status": "SUCCESSFUL", "currency": "EUR", "amount": "NaN",
      "financialTransactionId": "1"}, "amount"),
    ({"externalId": "x", "status": "SUCCESSFUL", "currency": "EUR", "amount": "9" * 400,
      "financialTransactionId": "1"}, "amount"),
])
def test_malformed_callbacks_get_400_with_a_reason(momo_shop: Shop, body: Any, reason: str) -> None:
    response = send(momo_shop.client, body)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    db = momo_shop.rt.sessions()
    try:
        assert db.scalar(select(PaymentCallback.outcome)) == "malformed"
        assert db.scalar(select(Payment.id)) is None
    finally:
        db.close()


def test_momo_is_collected_by_the_sandbox_wallet_without_settings(wallet_shop: Callable[..., Shop]) -> None:
    shop = wallet_shop("UGX", "2500")
    question, reference = check_out(shop, MTN_UGANDA)
    assert "1. MTN MoMo" in question
    run_jobs(shop.rt)
    (payment,) = shop.payments(reference)
    assert (payment.provider, payment.status) == ("sandbox", "requested")


def test_the_console_shows_momos_callbacks_and_status_answers(momo_shop: Shop, fake_momo: FakeMomo) -> None:
    reference, key = prompted(momo_shop, fake_momo)
    body = fake_momo.callback_for(key)
    send(momo_shop.client, body)
    run_jobs(momo_shop.rt)
    (payment,) = momo_shop.payments(reference)
    create_user(momo_shop.app, "boss")
    admin = sign_in(momo_shop.app.test_client(), "boss")
    page = admin.get(f"/admin/payments/{payment.id}").get_data(as_text=True)
    assert page.count(body["financialTransactionId"]) >= 3  # receipt, the callback, the status answer
    assert "answer to our status question" in page and "answer to our request" in page
    assert "HTTP 202" in page and "&#34;status&#34;: &#34;SUCCESSFUL&#34;" in page
