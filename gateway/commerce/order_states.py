"""The order state machine: the one place that decides which status may follow which.

USSD, SMS commands, payments, jobs and the admin all move orders through ``transition``, which
checks the move, returns stock when an order ends without being fulfilled, and writes the audit
trail. It never commits.

    placed ─────────────┬─> confirmed ─> ready ─> delivered
    awaiting_payment ─> paid ─┘
        │   └─> payment_failed ─> awaiting_payment (retry)
        └─> expired / cancelled          (any open order) ─> cancelled / rejected
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.commerce.catalog_changes import catalog_changed
from gateway.commerce.models import Order, OrderEvent, Product
from gateway.core.errors import IllegalTransition

PLACED = "placed"  # cash on delivery: waiting for the shop
AWAITING_PAYMENT = "awaiting_payment"
PAID = "paid"
PAYMENT_FAILED = "payment_failed"
CONFIRMED = "confirmed"
READY = "ready"
DELIVERED = "delivered"
CANCELLED = "cancelled"
REJECTED = "rejected"
EXPIRED = "expired"

ALLOWED: dict[str, frozenset[str]] = {
    PLACED: frozenset({CONFIRMED, CANCELLED, REJECTED}),
    AWAITING_PAYMENT: frozenset({PAID, PAYMENT_FAILED, CANCELLED, EXPIRED, REJECTED}),
    PAYMENT_FAILED: frozenset({AWAITING_PAYMENT, PAID, CANCELLED, EXPIRED, REJECTED}),
    PAID: frozenset({CONFIRMED, CANCELLED, REJECTED}),
    CONFIRMED: frozenset({READY, DELIVERED, REJECTED}),
    READY: frozenset({DELIVERED}),
    DELIVERED: frozenset(),
    CANCELLED: frozenset(),
    REJECTED: frozenset(),
    EXPIRED: frozenset(),
}
FINAL = frozenset(status for status, nexts in ALLOWED.items() if not nexts)
OPEN = frozenset(ALLOWED) - FINAL
# Orders a customer may still cancel from the keypad, and a shop still has to answer.
CANCELLABLE_BY_CUSTOMER = frozenset({PLACED, AWAITING_PAYMENT, PAYMENT_FAILED, PAID})
AWAITING_SHOP = frozenset({PLACED, PAID})
RELEASES_STOCK = frozenset({CANCELLED, REJECTED, EXPIRED})
LABELS = {
    PLACED: "placed", AWAITING_PAYMENT: "awaiting payment", PAID: "paid",
    PAYMENT_FAILED: "payment failed", CONFIRMED: "confirmed", READY: "ready",
    DELIVERED: "delivered", CANCELLED: "cancelled", REJECTED: "rejected", EXPIRED: "expired",
}
COLLECTED = "collected"  # how a delivered pick-up order reads: the customer fetched it


def status_words(status: str, fulfilment: str | None) -> str:
    """An order's status as a customer reads it (untranslated): ``awaiting payment``; a pick-up
    order the customer has fetched is ``collected``, not ``delivered``."""
    if status == DELIVERED and fulfilment == "pickup":
        return COLLECTED
    return LABELS.get(status, status)


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def transition(db: Session, order: Order, target: str, actor: str, channel: str,
               note: str | None = None) -> OrderEvent:
    """Move ``order`` to ``target`` or raise ``IllegalTransition`` (``render`` says why).

    Returns the audit event. Ending an order unfulfilled puts its stock back; ending a paid one
    that way flags it for a refund. The caller commits.

    The status is written with ``UPDATE ... WHERE status = <the status this move was decided
    on>``: when another transaction moved the order first (an owner's OK racing a customer's
    cancel), this one matches no row and raises ``IllegalTransition`` instead of overwriting it.
    """
    current = order.status
    if not can_move(current, target):
        raise _illegal(order, current, target)
    moved = db.execute(update(Order).where(Order.id == order.id, Order.status == current)
                       .values(status=target).execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        db.refresh(order)
        raise _illegal(order, order.status, target)
    set_committed_value(order, "status", target)
    if target in RELEASES_STOCK:
        release_stock(db, order)
        if current == PAID:
            order.refund_due = True
    event = OrderEvent(order_id=order.id, from_status=current, to_status=target,
                       actor=actor[:60], channel=channel, note=(note or None) and note[:200])
    db.add(event)
    db.flush()
    return event


def _illegal(order: Order, current: str, target: str) -> IllegalTransition:
    return IllegalTransition(f"order {order.reference}: {current} -> {target} is not allowed",
                             "{ref} is already {status}.", ref=order.reference,
                             status=LABELS.get(current, current))


def release_stock(db: Session, order: Order) -> None:
    """Give an order's units back to stock (one UPDATE per line)."""
    for line in order.lines:
        db.execute(update(Product).where(Product.id == line.product_id)
                   .values(stock=Product.stock + line.qty).execution_options(catalog_noted=True))
    catalog_changed(db, order.shop_id)
