"""Airtel Money: a Ugandan on Airtel checks out; the push is idempotent, Airtel's status decides.

The fake Airtel (tests/fakes/fake_airtel.py) speaks the Open API verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gateway.commerce.models import Payment, utcnow
from gateway.core.errors import ProviderError
from gateway.payments import collection
from tests.conftest import run_jobs
from tests.fakes.fake_airtel import PAY_PATH, FakeAirtel
from tests.payments.conftest import Shop, check_out

AIRTEL_UGANDA = "+256752123456"
URL = "/hooks/airtel/collection?key=hook-secret"


@pytest.fixture
def airtel_shop(wallet_shop: Callable[..., Shop], fake_airtel: FakeAirtel) -> Shop:
    return wallet_shop("UGX", "2500", **fake_airtel.settings())


def post(client: FlaskClient, body: Any) -> TestResponse:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json")


def pushed(shop: Shop, fake: FakeAirtel) -> tuple[str, str]:
    question, reference = check_out(shop, AIRTEL_UGANDA)
    assert "1. Airtel Money" in question and "MTN MoMo" not in question, question
    run_jobs(shop.rt)
    (key,) = fake.pushes
    return reference, key


def test_the_push_sends_the_number_without_country_code_and_the_payments_id(airtel_shop: Shop,
                                                                            fake_airtel: FakeAirtel) -> None:
    reference, key = pushed(airtel_shop, fake_airtel)
    (payment,) = airtel_shop.payments(reference)
    assert payment.idempotency_key == key == payment.checkout_request_id and payment.status == "requested"
    (call,) = [r for r in fake_airtel.requests if r.path == PAY_PATH]
    assert (call.headers["X-Country"], call.headers["X-Currency"]) == ("UG", "UGX")
    assert call.json == {"reference": f"Bodega order {reference}",
                         "subscriber": {"country": "UG", "currency": "UGX", "msisdn": "752123456"},
                         "transaction": {"amount": 5000, "country": "UG", "currency": "UGX", "id": key}}


def test_a_ts_callback_pays_once_airtel_confirms(airtel_shop: Shop, fake_airtel: FakeAirtel) -> None:
    reference, key = pushed(airtel_shop, fake_airtel)
    assert post(airtel_shop.client, fake_airtel.callback_for(key)).status_code == 200
    run_jobs(airtel_shop.rt)
    assert len(fake_airtel.status_calls) == 1
    (payment,) = airtel_shop.payments(reference)
    assert (payment.status, payment.receipt) == ("paid", fake_airtel.money_id(key))
    assert airtel_shop.order(reference).status == "paid"
    (sms,) = airtel_shop.sms("payment_received")
    assert "Airtel Money receipt" in sms.body


def test_a_ts_callback_while_airtel_says_in_progress_moves_nothing(airtel_shop: Shop,
                                                                    fake_airtel: FakeAirtel) -> None:
    reference, key = pushed(airtel_shop, fake_airtel)
    post(airtel_shop.client, fake_airtel.callback_for(key, settle=False))  # status stays TIP
    (stored,) = [c for c in airtel_shop.callbacks() if c.kind == "callback"]
    with pytest.raises(ProviderError):
        collection.settle_callback(airtel_shop.rt, stored.id)
    fake_airtel.settle(key, "TA")  # ambiguous: keep asking
    with pytest.raises(ProviderError):
        collection.settle_callback(airtel_shop.rt, stored.id)
    assert airtel_shop.payments(reference)[0].status == "requested"
    assert airtel_shop.order(reference).status == "awaiting_payment"


def test_tf_fails_the_payment(airtel_shop: Shop, fake_airtel: FakeAirtel) -> None:
    reference, key = pushed(airtel_shop, fake_airtel)
    post(airtel_shop.client, fake_airtel.callback_for(key, "TF"))
    run_jobs(airtel_shop.rt)
    assert airtel_shop.payments(reference)[0].status == "failed"
    assert airtel_shop.order(reference).status == "payment_failed"
    assert len(airtel_shop.sms("payment_failed")) == 1


def test_an_id_airtel_already_has_is_the_same_push(airtel_shop: Shop, fake_airtel: FakeAirtel) -> None:
    reference, _ = pushed(airtel_shop, fake_airtel)
    db = airtel_shop.rt.sessions()
    try:  # the job's answer was lost: the payment is sent again with the same id
        payment = db.get(Payment, airtel_shop.payments(reference)[0].id)
        assert payment is not None
        payment.status = "queued"
        db.commit()
        payment_id = payment.id
    finally:
        db.close()
    assert collection.request_payment(airtel_shop.rt, payment_id) == "requested"  # ESB000041: accepted
    assert len(fake_airtel.pushes) == 1


def test_the_sweep_settles_a_payment_whose_callback_never_came(airtel_shop: Shop,
                                                               fake_airtel: FakeAirtel) -> None:
    reference, key = pushed(airtel_shop, fake_airtel)
    fake_airtel.settle(key, "TS")
    collection.settle_stale_payments(airtel_shop.rt, utcnow() + timedelta(minutes=10))
    run_jobs(airtel_shop.rt)
    assert airtel_shop.order(reference).status == "paid"


@pytest.mark.parametrize(("body", "reason"), [
    (b"{", "not JSON"),
    ({"transaction": {"status_code": "TS"}}, "transaction.id"),
    ({"transaction": {"id": "abc", "status_code": "PAID"}}, "status_code"),
    ({"transaction": {"id": "abc", "status_code": "TS"}}, "airtel_money_id"),
    ({"transaction": "x" * 10}, "transaction.id"),
])
def test_malformed_callbacks_get_400_with_a_reason(airtel_shop: Shop, body: Any, reason: str) -> None:
    response = post(airtel_shop.client, body)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)


def test_an_mtn_number_is_not_offered_airtel(wallet_shop: Callable[..., Shop]) -> None:
    shop = wallet_shop("UGX", "2500")
    question, _ = check_out(shop, "+256772123456")
    assert "Airtel" not in question and "MTN MoMo" in question


def test_a_number_outside_the_merchants_country_is_refused_without_calling_airtel(
        wallet_shop: Callable[..., Shop], fake_airtel: FakeAirtel) -> None:
    shop = wallet_shop("UGX", "2500", **fake_airtel.settings(AIRTEL_COUNTRY="KE"))
    _, reference = check_out(shop, AIRTEL_UGANDA)
    run_jobs(shop.rt)
    (payment,) = shop.payments(reference)
    assert (payment.status, payment.result_code) == ("failed", "invalid")
    assert "collects in KE, not UG" in (payment.result_desc or "")
    assert fake_airtel.requests == []


def test_one_token_serves_the_push_and_the_status_call(airtel_shop: Shop, fake_airtel: FakeAirtel) -> None:
    _, key = pushed(airtel_shop, fake_airtel)
    post(airtel_shop.client, fake_airtel.callback_for(key))
    run_jobs(airtel_shop.rt)
    assert [r.path for r in fake_airtel.requests].count("/auth/oauth2/token") == 1
