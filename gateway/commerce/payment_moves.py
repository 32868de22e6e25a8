"""What happens when money moves, whoever reports it: a provider accepting a request (and
issuing a code to pay), a provider's answer (callback, status check, sandbox) settling a
payment, or an admin accepting or refunding a flagged payment.

Each move is one function applying the payment's and the order's transitions
(``gateway.commerce.settlement``, ``gateway.commerce.payment_review``) and the notices they call
for: a paid order reaches its shop and the customer gets the receipt; a failed one tells the
customer how to try again; money for an order that no longer takes it is promised back. Nothing
here commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.commerce import notices, payment_review, settlement
from gateway.commerce.models import OrderEvent, Payment
from gateway.commerce.settlement import PaymentResult, Settled


def settle_payment(db: Session, payment: Payment, result: PaymentResult) -> Settled:
    """Apply a provider's ``result`` to ``payment`` and its order (idempotent: a repeated result
    texts nobody twice) and queue the notices it calls for. The caller commits."""
    return _told(db, payment, settlement.settle(db, payment, result))


def fail_payment_request(db: Session, payment: Payment, code: str, detail: str) -> Settled:
    """The provider refused to send the prompt, or we gave up asking: the payment failed and the
    customer is told how to try again (when it was the order's latest). The caller commits."""
    return _told(db, payment, settlement.fail_request(db, payment, code, detail))


def record_prompt_sent(db: Session, payment: Payment, checkout_id: str, merchant_id: str | None,
                       pay_code: str | None = None, pay_by: str = "") -> bool:
    """The provider accepted the request: remember its ids so its callback finds ``payment``.
    When it issued a code the customer pays in cash (PagoEfectivo's CIP), the customer is texted
    the code, once. Returns whether the payment moved to ``requested``. The caller commits."""
    moved = settlement.record_accepted(db, payment, checkout_id, merchant_id)
    if moved and pay_code:
        notices.pay_code_sent(db, payment.order, payment, pay_code, pay_by)
    return moved


def _told(db: Session, payment: Payment, settled: Settled) -> Settled:
    """Queue the notice ``settled`` calls for."""
    if settled.notice == "paid":
        notices.order_paid(db, payment.order, payment)
    elif settled.notice == "failed":
        notices.payment_failed(db, payment.order, payment)
    elif settled.notice == "refund":
        notices.payment_to_refund(db, payment.order, payment)
    return settled


def accept_flagged_payment(db: Session, payment: Payment, actor: str, note: str) -> OrderEvent | None:
    """An admin counts a flagged payment as the order's payment. When that moves the order to
    ``paid`` (returned), the customer gets the receipt and the shop the order, as a settled
    payment does. ``BadRequest`` or ``IllegalTransition`` (nothing changed) as
    ``payment_review.accept_as_paid`` says. The caller commits."""
    moved = payment_review.accept_as_paid(db, payment, actor, note)
    if moved is not None:
        notices.order_paid(db, payment.order, payment)
    return moved


def refund_flagged_payment(db: Session, payment: Payment, actor: str, note: str) -> None:
    """An admin closes a flagged payment as refunded (or dismissed); nobody is texted.
    ``BadRequest`` without a note or a flag. The caller commits."""
    payment_review.mark_refunded(db, payment, actor, note)
