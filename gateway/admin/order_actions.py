"""The console's order buttons: a move through the state machine plus the customer's SMS.

The same texts as the shop's SMS commands (``gateway.sms.notices``), so a customer hears the same
news whichever way the shop answered. Nothing here commits: the view commits, then the outbox
rows' send jobs are enqueued.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.commerce import shop_desk
from gateway.commerce.models import AuditEntry, Order, OrderEvent
from gateway.commerce.order_states import CANCELLED, CONFIRMED, READY, REJECTED, transition
from gateway.sms import notices

CHANNEL = "admin"


def move_order(db: Session, order: Order, target: str, actor: str, note: str | None = None) -> OrderEvent:
    """Move ``order`` to ``target`` as ``actor`` (``admin:<name>``) and queue the customer's SMS,
    and the shop's when the admin confirmed, rejected or cancelled it (as when the customer cancels).

    Rejecting keeps the reason on the order and flags money already received for a refund.
    Raises ``IllegalTransition`` (nothing changed) when the move is not allowed.
    """
    paid = target == REJECTED and shop_desk.was_paid(db, order)
    event = transition(db, order, target, actor, CHANNEL, note=note)
    if target == CONFIRMED:
        notices.order_confirmed_by_shop(db, order)
    elif target == READY:
        notices.order_ready(db, order)
    elif target == REJECTED:
        if paid:
            order.refund_due = True
        if note:
            order.note = note[:200]
        notices.order_rejected_by_shop(db, order, note)
    elif target == CANCELLED:
        notices.customer_order_cancelled(db, order)
    if target in (CONFIRMED, REJECTED, CANCELLED):
        notices.shop_told_of_console_move(db, order, target, note)
    return event


def reveal_customer_number(db: Session, order: Order, actor: str) -> None:
    """Record that ``actor`` was shown the full number of ``order``'s customer (the console masks
    it everywhere else). The view commits."""
    db.add(AuditEntry(shop_id=order.shop_id, actor=actor[:60], channel=CHANNEL, action="customer.number",
                      subject=f"order {order.reference}", detail="full number shown"))
    db.flush()
