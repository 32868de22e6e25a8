"""Order again: a customer's last order, and its items put back in the cart at today's prices.

The last order also carries what checkout remembers of a customer (pick-up or delivery, the
landmark, how they paid), so a returning customer's summary starts from their own answers.
Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from gateway.commerce.carts import add_to_cart, empty_cart, quantity_cap
from gateway.commerce.models import Order, Product

_LAST = (select(Order).options(selectinload(Order.lines))
         .where(Order.customer_id == bindparam("customer_id"))
         .order_by(Order.created_at.desc(), Order.id.desc()).limit(1))


@dataclass
class Refill:
    """What went back into the cart: units added, names left out (gone), and (name, qty) cut to stock."""

    added: int = 0
    gone: list[str] = field(default_factory=list)
    cut: list[tuple[str, int]] = field(default_factory=list)


def last_order(db: Session, customer_id: int) -> Order | None:
    """The customer's newest order with its lines (indexed on customer and date), or None."""
    order: Order | None = db.scalar(_LAST, {"customer_id": customer_id})
    return order


def refill_cart(db: Session, customer_id: int, order: Order, most_per_line: int) -> Refill:
    """Replace the customer's cart with ``order``'s items: each line's quantity, cut to the stock
    and to ``most_per_line``; items no longer sold or sold out are left out. When none is left the
    cart is not touched (``added`` is 0). The caller commits. Doing it twice gives the same cart
    (an aggregator's retry changes nothing)."""
    refill = Refill()
    keep: list[tuple[Product, int]] = []
    for line in order.lines:
        product = db.get(Product, line.product_id)
        if product is None or not product.active or product.shop_id != order.shop_id or product.stock <= 0:
            refill.gone.append(line.name)
            continue
        qty = min(line.qty, quantity_cap(product.stock, most_per_line))
        if qty < line.qty:
            refill.cut.append((product.name, qty))
        keep.append((product, qty))
    if keep:
        empty_cart(db, customer_id)
        for product, qty in keep:
            add_to_cart(db, customer_id, product.id, qty)
            refill.added += qty
    return refill
