"""A shop's day in figures, for the evening summary SMS.

*Takings* is money in the shop's hand that day: M-Pesa orders at the moment they were paid, and
cash orders at the moment they were handed over (cash is paid on delivery). Both are read from the
order audit trail, so a later refund flag or status change never rewrites a past day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gateway.commerce import order_states as st
from gateway.commerce.models import Order, OrderEvent, Shop

# Orders that never reached the shop (an M-Pesa prompt nobody approved) are not "new orders".
NEVER_REACHED_SHOP = (st.AWAITING_PAYMENT, st.PAYMENT_FAILED, st.EXPIRED)
OPEN_FOR_SHOP = (st.PLACED, st.PAID, st.CONFIRMED, st.READY)


@dataclass(frozen=True)
class DaySummary:
    new_orders: int
    delivered: int
    rejected: int
    still_open: int
    takings_minor: int
    currency: str


def day_summary(db: Session, shop: Shop, start: datetime, end: datetime) -> DaySummary:
    """Figures for ``shop`` between ``start`` (inclusive) and ``end`` (exclusive)."""
    new_orders = db.scalar(select(func.count(Order.id)).where(
        Order.shop_id == shop.id, Order.created_at >= start, Order.created_at < end,
        Order.status.not_in(NEVER_REACHED_SHOP))) or 0
    moved = (select(OrderEvent.to_status, func.count(OrderEvent.id))
             .join(Order, Order.id == OrderEvent.order_id)
             .where(Order.shop_id == shop.id, OrderEvent.at >= start, OrderEvent.at < end,
                    OrderEvent.to_status.in_((st.DELIVERED, st.REJECTED)))
             .group_by(OrderEvent.to_status))
    counts = {status: n for status, n in db.execute(moved).all()}
    money_in = or_(OrderEvent.to_status == st.PAID,
                   and_(OrderEvent.to_status == st.DELIVERED, Order.payment_method == "cash"))
    takings = db.scalar(select(func.coalesce(func.sum(Order.total_minor), 0))
                        .join(OrderEvent, OrderEvent.order_id == Order.id)
                        .where(Order.shop_id == shop.id, OrderEvent.at >= start, OrderEvent.at < end,
                               money_in)) or 0
    still_open = db.scalar(select(func.count(Order.id)).where(
        Order.shop_id == shop.id, Order.status.in_(OPEN_FOR_SHOP))) or 0
    return DaySummary(new_orders=int(new_orders), delivered=int(counts.get(st.DELIVERED, 0)),
                      rejected=int(counts.get(st.REJECTED, 0)), still_open=int(still_open),
                      takings_minor=int(takings), currency=shop.currency)


def shops_for_summary(db: Session) -> list[Shop]:
    """Active shops that want the daily summary, by id."""
    return list(db.scalars(select(Shop).where(Shop.active.is_(True), Shop.summary_enabled.is_(True))
                           .order_by(Shop.id)))
