"""Two admins resolving the same flagged payment: the first decision stands, the second is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.commerce import orders, payment_review
from gateway.commerce.models import AuditEntry, Payment
from gateway.core.errors import BadRequest
from gateway.core.runtime import Runtime
from tests.commerce.test_orders import customer_with_cart, make_shop


def test_a_second_decision_on_a_stale_page_is_refused(rt: Runtime) -> None:
    first, second = rt.sessions(), rt.sessions()
    try:
        (tomato, _) = make_shop(first)
        buyer = customer_with_cart(first, "+254711000111", [(tomato, 1)])
        order = orders.place_order(first, buyer, "ATUid_r", orders.DELIVERY, "Kibera gate", "mpesa")
        payment = Payment(order_id=order.id, provider="mpesa", status="mismatch",
                          amount_minor=order.total_minor, currency="KES", phone="+254711000111",
                          result_desc="paid KES 1 but KES 130 was asked")
        first.add(payment)
        first.commit()
        stale = second.get(Payment, payment.id)
        assert stale is not None and payment_review.flag_reason(stale) is not None  # both pages show it
        payment_review.mark_refunded(first, payment, "admin:amina", "reversed by M-Pesa")
        first.commit()
        with pytest.raises(BadRequest, match="resolved meanwhile"):
            payment_review.mark_refunded(second, stale, "admin:boss", "also reversing")
        second.rollback()
        assert first.scalar(select(func.count()).select_from(AuditEntry)) == 1
    finally:
        first.close()
        second.close()
