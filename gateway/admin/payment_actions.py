"""The console's decision on a flagged payment, plus the SMS it calls for.

Accepting a payment that moves its order to ``paid`` tells the customer their money arrived and
the shop that a paid order waits for its answer, as a settled M-Pesa payment does. Nothing here
commits: the view commits, then the outbox rows' send jobs are enqueued.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.commerce import payment_review
from gateway.commerce.models import Payment
from gateway.core.errors import BadRequest
from gateway.sms import notices


def resolve_payment(db: Session, payment: Payment, resolution: str, actor: str, note: str) -> str:
    """Apply ``resolution`` (``accepted`` or ``refunded``) with ``note`` as ``actor``; returns what
    to tell the admin. Raises ``BadRequest`` or ``IllegalTransition`` (nothing changed)."""
    if resolution == payment_review.ACCEPTED:
        moved = payment_review.accept_as_paid(db, payment, actor, note)
        if moved is None:
            return f"Payment {payment.id} is accepted as paid."
        notices.order_paid(db, payment.order, payment)
        return f"Payment {payment.id} is accepted: order {payment.order.reference} is now paid."
    if resolution == payment_review.REFUNDED:
        payment_review.mark_refunded(db, payment, actor, note)
        return f"Payment {payment.id} is marked refunded or dismissed."
    raise BadRequest(f"unknown resolution {resolution!r}", user_message="Choose what to do with the payment.")
