"""Carts live in SQL per customer, so a dropped dial resumes where it was.

A cart holds one shop's items at a time: orders are per shop, and a keypad checkout that splits
into several orders would be hard to follow on a 182-character screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import Integer, Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from gateway.commerce.catalog import CatalogReader
from gateway.commerce.catalog_snapshot import ProductView, ShopView
from gateway.commerce.models import CartItem, Product, utcnow
from gateway.commerce.shop_terms import Basket, basket
from gateway.core.db import ConflictInsert

# Built once: building a statement costs several times more CPU than running it on a hop.
_CUSTOMER = bindparam("customer_id", type_=Integer)
_LINES = (select(CartItem).options(joinedload(CartItem.product))
          .where(CartItem.customer_id == _CUSTOMER).order_by(CartItem.id))
_COUNT = select(func.sum(CartItem.qty)).where(CartItem.customer_id == _CUSTOMER)
_SHOP = (select(Product.shop_id).join(CartItem, CartItem.product_id == Product.id)
         .where(CartItem.customer_id == _CUSTOMER).limit(1))
_LINE = select(CartItem).where(CartItem.customer_id == _CUSTOMER,
                               CartItem.product_id == bindparam("product_id"))


def cart_total_minor(lines: Sequence[CartItem] | Sequence[PricedLine]) -> int:
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
    """Set a line's quantity; 0 removes it (one statement; a line not in the cart stays out)."""
    where = (CartItem.customer_id == customer_id, CartItem.product_id == product_id)
    if qty <= 0:
        db.execute(delete(CartItem).where(*where).execution_options(synchronize_session=False))
    else:
        db.execute(update(CartItem).where(*where).values(qty=qty).execution_options(synchronize_session=False))


_CART_LINES = cast(Table, CartItem.__table__)
_EMPTY = delete(_CART_LINES).where(_CART_LINES.c.customer_id == _CUSTOMER)


def empty_cart(db: Session, customer_id: int) -> None:
    """Remove every line (one statement, built once; cart lines read into the session before stay
    there until it ends: nothing reads them after the cart is emptied)."""
    db.execute(_EMPTY, {"customer_id": customer_id})


_LINE_PAIRS = (select(CartItem.product_id, CartItem.qty).where(CartItem.customer_id == _CUSTOMER)
               .order_by(CartItem.id))


def cart_pairs(db: Session, customer_id: int) -> list[list[int]]:
    """The cart as ``[product_id, qty]`` pairs in the order they were added (one statement)."""
    return [[pid, qty] for pid, qty in db.connection().execute(_LINE_PAIRS, {"customer_id": customer_id})]


def _add_units_statement(insert: Any) -> Any:
    statement = insert(CartItem).values(customer_id=_CUSTOMER, product_id=bindparam("product_id"),
                                        qty=bindparam("qty"), added_at=bindparam("added_at"))
    return statement.on_conflict_do_update(index_elements=["customer_id", "product_id"],
                                           set_={"qty": CartItem.qty + statement.excluded.qty})


# Building the upsert (its ``excluded`` columns above all) cost three times more CPU than running it.
_ADD_UNITS = ConflictInsert(_add_units_statement)


def add_units(db: Session, customer_id: int, product_id: int, qty: int) -> None:
    """Add ``qty`` of a product to the cart in one statement (an upsert on the line). The caller
    commits."""
    connection = db.connection()
    params = {"customer_id": customer_id, "product_id": product_id, "qty": qty, "added_at": utcnow()}
    connection.execute(_ADD_UNITS.on(connection), params)


class DialCart:
    """The customer's cart as a dial knows it: ``[product_id, qty]`` lines read once (or handed
    over from the dial's state) and kept in step with SQL by the writes made through it, so a
    screen that only reads the cart costs no SQL and one that changes it costs one statement.

    ``changed`` says a write went through it this hop. Writes made elsewhere (placing an order)
    are not seen: the hop reads the cart again after them.
    """

    def __init__(self, db: Session, customer_id: int, lines: list[list[int]] | None = None) -> None:
        self.db, self.customer_id, self._lines, self.changed = db, customer_id, lines, False
        self.stale = False

    @property
    def lines(self) -> list[list[int]]:
        if self._lines is None:
            self._lines = cart_pairs(self.db, self.customer_id)
        return self._lines

    @property
    def known_lines(self) -> list[list[int]] | None:
        """The lines if this hop read or was handed them, else None (nothing was read)."""
        return self._lines

    def read_again(self) -> None:
        """Forget the lines held: the next read takes them from SQL (another dial changed them, or
        this hop wrote them other than through this cart: placing an order, Order again). ``stale``
        then tells the hop to read them before it hands them on."""
        self._lines, self.stale = None, True

    def emptied(self) -> None:
        """The cart was emptied in SQL other than through this cart (placing an order): hold it as
        empty, with no statement."""
        self._lines, self.changed = [], True

    def count(self) -> int:
        return sum(qty for _, qty in self.lines)

    def qty(self, product_id: int) -> int:
        return next((qty for pid, qty in self.lines if pid == product_id), 0)

    def add(self, product_id: int, qty: int) -> None:
        add_units(self.db, self.customer_id, product_id, qty)
        current = self.qty(product_id)
        self._set_line(product_id, current + qty)

    def set_quantity(self, product_id: int, qty: int) -> None:
        """Set a line's quantity; 0 removes it. A line not in the cart stays out."""
        if not self.qty(product_id):
            return
        set_quantity(self.db, self.customer_id, product_id, qty)
        self._set_line(product_id, qty)

    def empty(self) -> None:
        empty_cart(self.db, self.customer_id)
        self._lines, self.changed = [], True

    def _set_line(self, product_id: int, qty: int) -> None:
        lines = [line for line in self.lines if line[0] != product_id]
        if qty > 0:
            at = next((i for i, line in enumerate(self.lines) if line[0] == product_id), len(lines))
            lines.insert(at, [product_id, qty])
        self._lines, self.changed = lines, True


class PricedLine(NamedTuple):
    """A cart line with the product as the catalog shows it now."""

    product_id: int
    qty: int
    product: ProductView


def priced_lines(cart: DialCart, catalog: CatalogReader, shop_hint: int | None = None) -> list[PricedLine]:
    """The cart's lines with their products (a product no longer in the catalog is left out)."""
    lines = []
    for product_id, qty in cart.lines:
        product = catalog.get_product(product_id, shop_hint)
        if product is not None:
            lines.append(PricedLine(product_id, qty, product))
            shop_hint = product.shop_id
    return lines


def cart_shop(cart: DialCart, catalog: CatalogReader, shop_hint: int | None = None) -> int | None:
    """The shop whose items the cart holds (one shop at a time), or None when it is empty."""
    lines = priced_lines(cart, catalog, shop_hint)
    return lines[0].product.shop_id if lines else None
class PricedCart(NamedTuple):
    """The dial's cart priced from the catalog snapshot: its shop (with the shop's terms), its lines
    and what the order would cost there (``shop_terms.Basket``)."""

    shop: ShopView
    lines: list[PricedLine]
    basket: Basket


def price_cart(cart: DialCart, catalog: CatalogReader, fulfilment: str,
               shop_hint: int | None = None) -> PricedCart | None:
    """What the order would cost, picked up or delivered: the items, the delivery fee as its own
    line, the total, and what is missing to reach the shop's minimum. None for an empty cart.

    The one total every checkout screen shows, read from the dial's cart and the process's
    snapshots (no SQL); ``place_order`` charges the same total, priced again from SQL, and refuses
    (``CartChanged``) a cart that is not what the summary showed."""
    lines = priced_lines(cart, catalog, shop_hint)
    shop = catalog.get_shop(lines[0].product.shop_id) if lines else None
    if shop is None:
        return None
    return PricedCart(shop, lines, basket(shop, cart_total_minor(lines), fulfilment))
