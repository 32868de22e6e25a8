"""The console's order buttons: a move through the state machine plus the customer's SMS.

The same texts as the shop's SMS commands (``gateway.sms.notices``), so a customer hears the same
news whichever way the shop answered. Nothing here commits: the view commits, then the outbox
rows' send jobs are enqueued.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.commerce import shop_desk
from gateway.commerce.models import Order, OrderEvent
from gateway.commerce.order_states import CONFIRMED, READY, REJECTED, transition
from gateway.sms import notices

CHANNEL = "admin"


def move_order(db: Session, order: Order, target: str, actor: str, note: str | None = None) -> OrderEvent:
    """Move ``order`` to ``target`` as ``actor`` (``admin:<name>``) and queue the customer's SMS.

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
    return event
