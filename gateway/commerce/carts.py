"""Carts live in SQL per customer, so a dropped dial resumes where it was.

A cart holds one shop's items at a time: orders are per shop, and a keypad checkout that splits
into several orders would be hard to follow on a 182-character screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, bindparam, delete, func, select
from sqlalchemy.orm import Session, joinedload

from gateway.commerce.models import CartItem, Product, Shop
from gateway.commerce.shop_terms import Basket, basket

# Built once: building a statement costs several times more CPU than running it on a hop.
_CUSTOMER = bindparam("customer_id", type_=Integer)
_LINES = (select(CartItem).options(joinedload(CartItem.product))
          .where(CartItem.customer_id == _CUSTOMER).order_by(CartItem.id))
_COUNT = select(func.sum(CartItem.qty)).where(CartItem.customer_id == _CUSTOMER)
_SHOP = (select(Product.shop_id).join(CartItem, CartItem.product_id == Product.id)
         .where(CartItem.customer_id == _CUSTOMER).limit(1))
_LINE = select(CartItem).where(CartItem.customer_id == _CUSTOMER,
                               CartItem.product_id == bindparam("product_id"))


def cart_total_minor(lines: Sequence[CartItem]) -> int:
    """What ``lines`` cost at today's prices, in minor units (a cart holds one shop, one currency)."""
    return sum(line.qty * line.product.price_minor for line in lines)


def quantity_cap(stock: int, max_qty: int, in_cart: int = 0) -> int:
    """How many more of a product a customer may put in the cart: the line as a whole stays
    within the stock and ``max_qty`` (``USSD_MAX_QTY``); never below 0."""
    return max(0, min(stock, max_qty) - in_cart)


def cart_lines(db: Session, customer_id: int) -> list[CartItem]:
    return list(db.scalars(_LINES, {"customer_id": customer_id}))


def cart_count(db: Session, customer_id: int) -> int:
    """Number of units in the cart."""
    total = db.scalar(_COUNT, {"customer_id": customer_id})
    return int(total or 0)


def cart_shop_id(db: Session, customer_id: int) -> int | None:
    shop_id: int | None = db.scalar(_SHOP, {"customer_id": customer_id})
    return shop_id


def cart_shop_conflict(db: Session, customer_id: int, shop_id: int) -> bool:
    """True when the cart already holds another shop's items."""
    current = cart_shop_id(db, customer_id)
    return current is not None and current != shop_id


def qty_in_cart(db: Session, customer_id: int, product_id: int) -> int:
    """How many of a product the customer's cart already holds."""
    line = db.scalar(_LINE, {"customer_id": customer_id, "product_id": product_id})
    return line.qty if line is not None else 0


def add_to_cart(db: Session, customer_id: int, product_id: int, qty: int) -> CartItem:
    """Add ``qty`` of a product (adding to an existing line). The caller commits."""
    line = db.scalar(_LINE, {"customer_id": customer_id, "product_id": product_id})
    if line is None:
        line = CartItem(customer_id=customer_id, product_id=product_id, qty=qty)
        db.add(line)
    else:
        line.qty += qty
    db.flush()
    return line


def set_quantity(db: Session, customer_id: int, product_id: int, qty: int) -> None:
    """Set a line's quantity; 0 removes it."""
    line = db.scalar(_LINE, {"customer_id": customer_id, "product_id": product_id})
    if line is None:
        return
    if qty <= 0:
        db.delete(line)
    else:
        line.qty = qty
    db.flush()


def empty_cart(db: Session, customer_id: int) -> None:
    db.execute(delete(CartItem).where(CartItem.customer_id == customer_id))


def cart_total(db: Session, customer_id: int, fulfilment: str) -> tuple[Shop, Basket] | None:
    """The cart's shop and what the order would cost there, picked up or delivered: the items, the
    delivery fee as its own line, the total, and what is missing to reach the shop's minimum.
    None for an empty cart. The one total every checkout screen shows (``place_order`` charges it)."""
    lines = cart_lines(db, customer_id)
    if not lines:
        return None
    shop = db.get(Shop, lines[0].product.shop_id)
    assert shop is not None  # a product's shop: the foreign key keeps it
    items = cart_total_minor(lines)
    return shop, basket(shop, items, fulfilment)
