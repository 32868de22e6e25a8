"""One order as its shop needs it to pack and hand over: every item, the total, the payment, pickup
or delivery, and the customer's full number.

``order_slip`` is the whole order (what a shop number gets when it texts the reference): it is never
cut, it simply takes as many SMS segments as it needs. ``fit_items`` lists as many whole items as
fit a given room and says how to get the rest (``+3 more: text K7P2Q``), for the one-segment
new-order text. Both take ``t(msgid, **values)`` so the caller's language decides the words.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from gateway.commerce import order_states
from gateway.commerce.models import Order
from gateway.commerce.money import format_money
from gateway.commerce.shop_desk import was_paid
from gateway.core.text import clip, septets, to_gsm7

Translate = Callable[..., str]  # t(msgid, **values) -> the text in the reader's language
METHOD_NAMES = {"mpesa": "M-Pesa", "cash": "cash"}


def item_texts(order: Order) -> list[str]:
    """``["3x Tomatoes 1kg", ...]``: every line of ``order`` with its quantity, in order."""
    return [to_gsm7(f"{line.qty}x {line.name}") for line in order.lines]


def fit_items(t: Translate, order: Order, room: int) -> str:
    """As many whole items as fit ``room`` septets, then ``+N more: text REF`` for the others.

    With no room even for one whole item, the first item's name is clipped (never the hint).
    """
    items = item_texts(order)
    for shown in range(len(items), 0, -1):
        hidden = len(items) - shown
        more = " " + t("+{count} more: text {ref}", count=hidden, ref=order.reference) if hidden else ""
        text = ", ".join(items[:shown]) + more
        if septets(text) <= room:
            return text
    hidden = len(items) - 1
    more = " " + t("+{count} more: text {ref}", count=hidden, ref=order.reference) if hidden else ""
    return clip(items[0] if items else "", max(8, room - septets(more))) + more


def payment_words(db: Session, t: Translate, order: Order) -> str:
    """``Payment: M-Pesa, PAID.`` / ``Payment: cash, not paid yet.``"""
    state = t("PAID") if was_paid(db, order) else t("not paid yet")
    method = METHOD_NAMES.get(order.payment_method, order.payment_method.replace("_", " "))
    return t("Payment: {method}, {state}.", method=t(method), state=state)


def order_slip(db: Session, t: Translate, order: Order) -> str:
    """The whole of ``order`` for its shop, GSM-7, as long as it takes (never cut)."""
    status = t(order_states.LABELS.get(order.status, order.status))
    lines = "; ".join(f"{line.qty}x {line.name} "
                      f"{format_money(line.unit_price_minor * line.qty, order.currency)}"
                      for line in order.lines)
    parts = [t("Order {ref} ({status}):", ref=order.reference, status=status) + " " + lines + "."]
    fee = int(getattr(order, "delivery_fee_minor", 0) or 0)
    if fee:
        parts.append(t("Delivery fee {fee}.", fee=format_money(fee, order.currency)))
    parts.append(t("Total {total}", total=format_money(order.total_minor, order.currency)) + ".")
    parts.append(payment_words(db, t, order))
    if order.fulfilment == "delivery":
        parts.append(t("Deliver to {landmark}", landmark=order.landmark or "-") + ".")
    else:
        parts.append(t("Pickup") + ".")
    parts.append(t("Customer {phone}", phone=order.customer.phone))
    return to_gsm7(" ".join(parts))
