"""An admin resolves a flagged payment in the console: accept it as paid, or mark it refunded."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from gateway.commerce.models import AuditEntry, Order, OrderEvent, OutboundSms, Payment
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from tests.admin.conftest import create_user, form_token, place_order, shop_number, sign_in
from tests.conftest import waiting_jobs

CUSTOMER = "+254711000441"
SHORT_PAID = "paid KSh 1 but KSh 50 was asked (The service request is processed successfully.)"


def flagged_payment(rt: Runtime, order_status: str = "awaiting_payment") -> tuple[int, int]:
    """An M-Pesa order and a payment that brought the wrong amount, as settling leaves them."""
    order_id = place_order(rt, 0, CUSTOMER, status=order_status)
    with session_scope(rt.sessions) as db:
        db.execute(update(Order).where(Order.id == order_id).values(payment_method="mpesa"))
        order = db.get(Order, order_id)
        assert order is not None
        payment = Payment(order_id=order_id, provider="mpesa", status="mismatch",
                          amount_minor=order.total_minor, currency=order.currency, phone=CUSTOMER,
                          checkout_request_id="ws_CO_7", receipt="NLJ7RT61SV", result_code="0",
                          result_desc=SHORT_PAID)
        db.add(payment)
        db.flush()
        return order_id, payment.id


def resolve(client: FlaskClient, payment_id: int, resolution: str, note: str) -> str:
    token = form_token(client, f"/admin/payments/{payment_id}")
    response = client.post(f"/admin/payments/{payment_id}/resolve", follow_redirects=True,
                           data={"csrf_token": token, "resolution": resolution, "note": note})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_accept_as_paid_moves_the_order_audits_and_clears_the_flag(boss: FlaskClient, rt: Runtime) -> None:
    order_id, payment_id = flagged_payment(rt)
    page = boss.get(f"/admin/payments/{payment_id}").get_data(as_text=True)
    assert f"Flagged: {SHORT_PAID}" in page and "Resolve the flag" in page
    rt.queue.empty()
    done = resolve(boss, payment_id, "accepted", "Customer sent the other KES 49 by till; receipt NLK2")
    assert "is now paid" in done and "Flagged" not in done and "Resolve the flag" not in done
    assert "Resolved: accepted as paid" in done and "Customer sent the other KES 49 by till" in done
    with session_scope(rt.sessions) as db:
        payment = db.get(Payment, payment_id)
        order = db.get(Order, order_id)
        assert payment is not None and order is not None
        assert (payment.status, payment.resolution, order.status) == ("paid", "accepted", "paid")
        event = db.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)
                           .order_by(OrderEvent.id.desc())).first()
        assert event is not None
        assert (event.from_status, event.to_status, event.actor, event.channel) == (
            "awaiting_payment", "paid", "admin:boss", "admin")
        assert event.note is not None and "receipt NLK2" in event.note
        (entry,) = db.scalars(select(AuditEntry).where(AuditEntry.action.like("payment.%")))
        assert (entry.actor, entry.channel, entry.action, entry.subject, entry.shop_id) == (
            "admin:boss", "admin", "payment.accepted", f"payment {payment_id}", order.shop_id)
        assert entry.at is not None and entry.detail is not None
        assert "receipt NLK2" in entry.detail and SHORT_PAID in entry.detail
        purposes = set(db.scalars(select(OutboundSms.purpose).where(OutboundSms.order_id == order_id)))
        assert {"payment_received", "shop_new_order"} <= purposes  # the customer and the shop hear
    assert {name for name, _ in waiting_jobs(rt)} == {"gateway.jobs.send_sms"}
    flagged = boss.get("/admin/payments?status=mismatch").get_data(as_text=True)
    assert "NLJ7RT61SV" not in flagged
    again = resolve(boss, payment_id, "refunded", "twice")
    assert f"Payment {payment_id} is not flagged" in again


def test_an_ended_order_cannot_be_accepted_but_can_be_marked_refunded(boss: FlaskClient, rt: Runtime) -> None:
    order_id, payment_id = flagged_payment(rt, order_status="expired")
    with session_scope(rt.sessions) as db:
        db.execute(update(Order).where(Order.id == order_id).values(refund_due=True))
    refused = resolve(boss, payment_id, "accepted", "take it")
    assert "is expired: it cannot be paid now. Mark the payment refunded instead." in refused
    assert "Resolve the flag" in refused
    with session_scope(rt.sessions) as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None and (payment.status, payment.resolution) == ("mismatch", None)
        assert db.scalar(select(AuditEntry).where(AuditEntry.action.like("payment.%"))) is None
    done = resolve(boss, payment_id, "refunded", "Returned KES 1 via M-Pesa reversal")
    assert "marked refunded or dismissed" in done and "Flagged" not in done
    with session_scope(rt.sessions) as db:
        payment = db.get(Payment, payment_id)
        order = db.get(Order, order_id)
        assert payment is not None and order is not None
        assert (payment.status, payment.resolution) == ("mismatch", "refunded")
        assert (order.status, order.refund_due) == ("expired", False)
        (entry,) = db.scalars(select(AuditEntry).where(AuditEntry.action.like("payment.%")))
        assert (entry.actor, entry.action) == ("admin:boss", "payment.refunded")
        assert entry.detail is not None and "M-Pesa reversal" in entry.detail


def test_a_note_is_required(boss: FlaskClient, rt: Runtime) -> None:
    _, payment_id = flagged_payment(rt)
    refused = resolve(boss, payment_id, "accepted", "   ")
    assert "Write a note" in refused and "Resolve the flag" in refused
    with session_scope(rt.sessions) as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None and (payment.status, payment.resolution) == ("mismatch", None)


def test_the_form_needs_its_csrf_token(boss: FlaskClient, rt: Runtime) -> None:
    _, payment_id = flagged_payment(rt)
    response = boss.post(f"/admin/payments/{payment_id}/resolve",
                         data={"resolution": "accepted", "note": "forged"})
    assert response.status_code == 400
    with session_scope(rt.sessions) as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None and payment.resolution is None


def test_shop_staff_cannot_resolve(app: Flask, client: FlaskClient, rt: Runtime, demo_catalog: None) -> None:
    _, payment_id = flagged_payment(rt)
    create_user(app, "kim", "--role", "staff", "--shop", str(shop_number(rt, "Njeri")))
    sign_in(client, "kim")
    token = form_token(client, "/admin/orders")
    response = client.post(f"/admin/payments/{payment_id}/resolve",
                           data={"csrf_token": token, "resolution": "accepted", "note": "mine"})
    assert response.status_code == 403
    with session_scope(rt.sessions) as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None and (payment.status, payment.resolution) == ("mismatch", None)


def test_accepting_a_short_payment_on_a_paid_order_leaves_the_order_alone(boss: FlaskClient,
                                                                          rt: Runtime) -> None:
    order_id, payment_id = flagged_payment(rt, order_status="confirmed")
    with session_scope(rt.sessions) as db:
        db.execute(update(Payment).where(Payment.id == payment_id).values(status="paid", amount_minor=1))
    assert "paid amount differs from the order total" in boss.get(f"/admin/payments/{payment_id}").get_data(
        as_text=True)
    done = resolve(boss, payment_id, "accepted", "Shop says the rest was paid in cash at the counter")
    assert f"Payment {payment_id} is accepted as paid." in done and "Flagged" not in done
    with session_scope(rt.sessions) as db:
        order = db.get(Order, order_id)
        assert order is not None and order.status == "confirmed"
        assert db.scalar(select(OutboundSms).where(OutboundSms.purpose == "payment_received")) is None
