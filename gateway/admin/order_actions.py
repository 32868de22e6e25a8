"""The console's order buttons: the same domain moves as the shop's SMS commands
(``gateway.commerce.order_moves``), so a customer hears the same news whichever way the shop
answered, and the shop hears what the console decided. Nothing here commits: the view commits,
then the outbox rows' send jobs are enqueued.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.commerce import order_moves
from gateway.commerce.models import AuditEntry, Order, OrderEvent

CHANNEL = order_moves.CONSOLE


def move_order(db: Session, order: Order, target: str, actor: str, note: str | None = None) -> OrderEvent:
    """Move ``order`` to ``target`` as ``actor`` (``admin:<name>``) with ``note`` (a rejection's
    or cancellation's reason). ``KeyError`` for a target the console has no button for;
    ``IllegalTransition`` (nothing changed) when the move is not allowed."""
    return order_moves.BY_TARGET[target](db, order, actor, CHANNEL, note)


def reveal_customer_number(db: Session, order: Order, actor: str) -> None:
    """Record that ``actor`` was shown the full number of ``order``'s customer (the console masks
    it everywhere else). The view commits."""
    db.add(AuditEntry(shop_id=order.shop_id, actor=actor[:60], channel=CHANNEL, action="customer.number",
                      subject=f"order {order.reference}", detail="full number shown"))
    db.flush()
