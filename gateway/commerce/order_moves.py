"""The moves a shop (or an admin) makes on an order, whoever makes them: by SMS from the shop's
number, or a button in the console.

Each move is one function that applies the state transition (``order_states.transition``: stock
back when the order ends unfulfilled, a refund flagged when it was paid), the money rule, and the
notices: the customer always hears the news in their language; when the move was made in the
console (``channel="admin"``), the shop's numbers that were sent the order hear it too, in each
number's language, so they do not prepare an order the console rejected. Nothing here commits;
``IllegalTransition`` (nothing changed) when the order cannot make the move.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from gateway.commerce import notices, shop_notices
from gateway.commerce import order_states as st
from gateway.commerce.models import Order, OrderEvent
from gateway.commerce.shop_desk import was_paid

SMS = "sms"
CONSOLE = "admin"
NOTE_MAX = 200


def confirm_order(db: Session, order: Order, actor: str, channel: str = SMS,
                  note: str | None = None) -> OrderEvent:
    """The shop accepts ``order``; the customer is told (and the shop, from the console)."""
    event = st.transition(db, order, st.CONFIRMED, actor, channel, note=note)
    notices.order_confirmed_by_shop(db, order)
    if channel == CONSOLE:
        shop_notices.shop_told_of_console_move(db, order, st.CONFIRMED, note)
    return event


def reject_order(db: Session, order: Order, actor: str, channel: str = SMS,
                 reason: str | None = None) -> OrderEvent:
    """The shop turns ``order`` down: stock goes back, money received is flagged for refund, the
    reason stays on the order, and the customer is told why (and the shop, from the console)."""
    paid = was_paid(db, order)
    event = st.transition(db, order, st.REJECTED, actor, channel, note=reason)
    if paid:
        order.refund_due = True
    if reason:
        order.note = reason[:NOTE_MAX]
    notices.order_rejected_by_shop(db, order, reason)
    if channel == CONSOLE:
        shop_notices.shop_told_of_console_move(db, order, st.REJECTED, reason)
    return event


def mark_ready(db: Session, order: Order, actor: str, channel: str = SMS,
               note: str | None = None) -> OrderEvent:
    """The order is packed: ready for pickup, or leaving for delivery. The customer is told."""
    event = st.transition(db, order, st.READY, actor, channel, note=note)
    notices.order_ready(db, order)
    return event


def mark_done(db: Session, order: Order, actor: str, channel: str = SMS,
              note: str | None = None) -> OrderEvent:
    """The customer has the goods (delivered or collected). Nobody is texted."""
    return st.transition(db, order, st.DELIVERED, actor, channel, note=note)


def cancel_order(db: Session, order: Order, actor: str, channel: str = CONSOLE,
                 reason: str | None = None) -> OrderEvent:
    """An admin cancels ``order`` (a customer cancels with ``orders.cancel_by_customer``): stock
    goes back, money received is flagged for refund, and the customer and the shop numbers that
    were sent the order are told not to expect or prepare it."""
    event = st.transition(db, order, st.CANCELLED, actor, channel, note=reason)
    notices.customer_order_cancelled(db, order)
    shop_notices.shop_told_of_console_move(db, order, st.CANCELLED, reason)
    return event


ShopMove = Callable[[Session, Order, str, str, "str | None"], OrderEvent]
# The shop's moves by the status they lead to (the console's buttons post the target status).
BY_TARGET: dict[str, ShopMove] = {st.CONFIRMED: confirm_order, st.REJECTED: reject_order,
                                  st.READY: mark_ready, st.DELIVERED: mark_done, st.CANCELLED: cancel_order}
