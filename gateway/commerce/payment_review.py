"""Payments a person must look at, and an admin's decision on one.

A payment is flagged when it does not agree with its order: money came but not the amount asked
(``mismatch``), or a paid amount or currency differs from the order total, or the order it paid
for has ended. An admin resolves the flag once, with a note: **accept as paid** (the payment counts
and an order still waiting for its money moves to ``paid`` through the state machine) or **mark
refunded** (the money went back, or there was nothing to act on). Either way the decision is
written to the audit trail and the flag clears. Nothing here commits or sends SMS.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.commerce import order_states, settlement
from gateway.commerce.models import AuditEntry, OrderEvent, Payment
from gateway.core.errors import BadRequest, IllegalTransition

ACCEPTED = "accepted"
REFUNDED = "refunded"
RESOLUTIONS = {ACCEPTED: "accepted as paid", REFUNDED: "refunded or dismissed"}
ACTIONS = {f"payment.{resolution}": label for resolution, label in RESOLUTIONS.items()}  # audit trail
CHANNEL = "admin"
NOTE_MAX = 200
# Orders whose money is already counted: accepting a flagged payment leaves them where they are.
PAST_PAYMENT = frozenset({order_states.PAID, order_states.CONFIRMED, order_states.READY,
                          order_states.DELIVERED})


def flag_reason(payment: Payment) -> str | None:
    """Why a person should look at ``payment`` (amount, currency, order status), or None once an
    admin resolved it or when there is nothing to see."""
    if payment.resolution is not None:
        return None
    order = payment.order
    if payment.status == settlement.MISMATCH:
        return payment.result_desc or "the provider's amount or phone did not match"
    if order is not None and payment.status == settlement.PAID:
        if payment.currency != order.currency or payment.amount_minor != order.total_minor:
            return "paid amount differs from the order total"
        if order.status in (order_states.CANCELLED, order_states.REJECTED, order_states.EXPIRED):
            return f"paid, but the order is {order.status}"
    return None


def accept_as_paid(db: Session, payment: Payment, actor: str, note: str) -> OrderEvent | None:
    """Count a flagged payment as the order's payment. Returns the order's move to ``paid``, or
    None when the order had already passed payment. The caller commits and tells the customer.

    Raises ``BadRequest`` (no note, or nothing flagged) or ``IllegalTransition`` when the order
    ended or never waits for money (then it can only be refunded); nothing changes then.
    """
    reason = _resolvable(payment, note)
    order = payment.order
    if not order_states.can_move(order.status, order_states.PAID) and order.status not in PAST_PAYMENT:
        label = order_states.LABELS.get(order.status, order.status)
        raise IllegalTransition(
            f"payment {payment.id}: order {order.reference} is {order.status}, cannot take a payment",
            user_message="Order {ref} is {status}: it cannot be paid now. Mark the payment refunded instead.",
            ref=order.reference, status=label)
    if payment.status == settlement.MISMATCH and not settlement.move_payment(
            db, payment, (settlement.MISMATCH,), settlement.PAID):
        raise BadRequest(f"payment {payment.id} moved on meanwhile",
                         user_message="Payment {id} changed meanwhile. Reload and look again.", id=payment.id)
    event = None
    if order_states.can_move(order.status, order_states.PAID):
        event = order_states.transition(db, order, order_states.PAID, actor, CHANNEL,
                                        note=f"payment {payment.id} accepted: {note.strip()}")
    _resolve(db, payment, ACCEPTED, actor, note, reason)
    return event


def mark_refunded(db: Session, payment: Payment, actor: str, note: str) -> None:
    """Close a flagged payment as refunded (or dismissed): the order stays as it is and no longer
    shows a refund due once none of its payments is flagged. ``BadRequest`` without a note or a
    flag. The caller commits."""
    reason = _resolvable(payment, note)
    _resolve(db, payment, REFUNDED, actor, note, reason)
    order = payment.order
    if not any(flag_reason(other) for other in _payments_of(db, order.id)):
        order.refund_due = False
    db.flush()


def resolutions_of(db: Session, payment: Payment) -> list[AuditEntry]:
    """The audit entries of admins' decisions on ``payment`` (who, what, when, their note)."""
    query = (select(AuditEntry).where(AuditEntry.subject == _subject(payment),
                                      AuditEntry.action.in_(ACTIONS))
             .order_by(AuditEntry.id))
    return list(db.scalars(query))


def _resolvable(payment: Payment, note: str) -> str:
    """The flag being resolved; ``BadRequest`` when there is none or the note is missing."""
    if not note.strip():
        raise BadRequest(f"payment {payment.id}: no note",
                         user_message="Write a note: what was decided and why.")
    reason = flag_reason(payment)
    if reason is None:
        raise BadRequest(f"payment {payment.id} is not flagged",
                         user_message="Payment {id} is not flagged: nothing to resolve.", id=payment.id)
    return reason


def _resolve(db: Session, payment: Payment, resolution: str, actor: str, note: str, reason: str) -> None:
    """Record the decision, unless another admin's landed first (then ``BadRequest``)."""
    claimed = db.execute(update(Payment).where(Payment.id == payment.id, Payment.resolution.is_(None))
                         .values(resolution=resolution).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise BadRequest(f"payment {payment.id} was resolved meanwhile",
                         user_message="Payment {id} was resolved meanwhile. Reload and look again.",
                         id=payment.id)
    set_committed_value(payment, "resolution", resolution)
    db.add(AuditEntry(shop_id=payment.order.shop_id, actor=actor[:60], channel=CHANNEL,
                      action=f"payment.{resolution}", subject=_subject(payment),
                      detail=f"{note.strip()[:NOTE_MAX]} (flag: {reason})"[:300]))
    db.flush()


def _payments_of(db: Session, order_id: int) -> list[Payment]:
    return list(db.scalars(select(Payment).where(Payment.order_id == order_id)))


def _subject(payment: Payment) -> str:
    return f"payment {payment.id}"
