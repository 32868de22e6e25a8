"""The simulator's sandbox M-Pesa panel: Accept settles the payment as the handset would."""

from __future__ import annotations

import importlib.util

import pytest
from flask.testing import FlaskClient

from gateway.commerce.models import Order, Payment
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from tests.admin.conftest import form_token, place_order

HAS_SANDBOX = importlib.util.find_spec("gateway.payments.sandbox") is not None


@pytest.mark.skipif(not HAS_SANDBOX, reason="the sandbox payment provider is not installed")
def test_accepting_a_sandbox_prompt_pays_the_order(
    client: FlaskClient, rt: Runtime, demo_catalog: None
) -> None:
    order_id = place_order(rt, 0, "+254711000441", status="awaiting_payment", reference="PAYME1")
    with session_scope(rt.sessions) as db:
        order = db.get(Order, order_id)
        assert order is not None
        payment = Payment(
            order_id=order_id,
            provider="sandbox",
            status="requested",
            amount_minor=order.total_minor,
            currency=order.currency,
            phone="+254711000441",
            checkout_request_id="sb_PAYME1",
        )
        db.add(payment)
        db.flush()
        payment_id = payment.id
    page = client.get("/simulator?phone=%2B254711000441").get_data(as_text=True)
    assert "for order PAYME1" in page and ">Accept<" in page
    assert "for order PAYME1" not in client.get("/simulator?phone=%2B254799000000").get_data(as_text=True)
    token = form_token(client, "/simulator")
    answered = client.post(
        "/simulator/prompt",
        data={"csrf_token": token, "phone": "+254711000441", "payment_id": str(payment_id), "accept": "1"},
    )
    assert answered.status_code == 302
    with session_scope(rt.sessions) as db:
        assert db.get(Payment, payment_id).status == "paid"  # type: ignore[union-attr]
        assert db.get(Order, order_id).status == "paid"  # type: ignore[union-attr]
    after = client.get("/simulator?phone=%2B254711000441").get_data(as_text=True)
    assert ">Accept<" not in after and "No prompt waiting" in after
