"""The console's decision on a flagged payment: the domain's move
(``gateway.commerce.payment_moves``) plus what to tell the admin. Nothing here commits: the view
commits, then the outbox rows' send jobs are enqueued.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.commerce import payment_moves, payment_review
from gateway.commerce.models import Payment
from gateway.core.errors import BadRequest


def resolve_payment(db: Session, payment: Payment, resolution: str, actor: str, note: str) -> str:
    """Apply ``resolution`` (``accepted`` or ``refunded``) with ``note`` as ``actor``; returns what
    to tell the admin. Raises ``BadRequest`` or ``IllegalTransition`` (nothing changed)."""
    if resolution == payment_review.ACCEPTED:
        if payment_moves.accept_flagged_payment(db, payment, actor, note) is None:
            return f"Payment {payment.id} is accepted as paid."
        return f"Payment {payment.id} is accepted: order {payment.order.reference} is now paid."
    if resolution == payment_review.REFUNDED:
        payment_moves.refund_flagged_payment(db, payment, actor, note)
        return f"Payment {payment.id} is marked refunded or dismissed."
    raise BadRequest(f"unknown resolution {resolution!r}", user_message="Choose what to do with the payment.")
