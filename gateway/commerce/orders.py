"""Placing orders from a cart, and the customer's view of their orders.

``place_order`` turns the customer's cart into one order (a cart holds one shop's items, so an
order belongs to one shop). It is idempotent per USSD session: a replayed Confirm, or a duplicate
racing in on another connection, returns the order the first one made. Stock is taken with one
conditional ``UPDATE ... WHERE stock >= :qty`` per line, so it never goes negative under
concurrent buyers; a line that cannot be served gives back what the lines before it took, and
the order is not written.
Nothing here commits: the hop (or job, or CLI command) that calls it does.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from gateway.commerce import notices, order_states, shop_terms
from gateway.commerce.carts import empty_cart
from gateway.commerce.catalog_changes import catalog_changed
from gateway.commerce.catalog_snapshot import ShopView
from gateway.commerce.models import (
    CartItem,
    Customer,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Product,
    Shop,
    ShopContact,
    utcnow,
)
from gateway.commerce.recipients import Contact, Recipients
from gateway.commerce.references import REFERENCE_ALPHABET, REFERENCE_LENGTH
from gateway.commerce.shop_terms import Basket
from gateway.core.db import ConflictInsert
from gateway.core.errors import BodegaError, IllegalTransition, OutOfStock

REFERENCE_ATTEMPTS = 8
PICKUP = "pickup"
DELIVERY = "delivery"
CASH = "cash"
# Below this many units left, a sale refreshes the screens' catalog (they offer at most what is
# left, up to the largest quantity one order takes); above it, Confirm alone guards the stock.
SHOWN_STOCK_EXACT = 10


class EmptyCart(BodegaError):
    user_message = "Your cart is empty."


class ShortOfStock(OutOfStock):
    """A cart line the shop cannot serve: which product, how many were wanted and how many are
    left (0 when it is sold out or no longer sold), so the screen can say so."""

    def __init__(self, detail: str, product_name: str, wanted: int, left: int) -> None:
        super().__init__(detail, "Sorry, {name} does not have {wanted} left.", name=product_name,
                         wanted=wanted)
        self.product_name = product_name
        self.wanted = wanted
        self.left = left


class CartChanged(BodegaError):
    """The cart is not what the customer was shown (another dial, or a price, changed it)."""

    user_message = "Your cart changed. Check the new total and confirm again."


def cart_as_shown(lines: Sequence[Any]) -> list[list[int]]:
    """What a summary shows of a cart, to compare at Confirm: product, quantity and price per line."""
    return sorted([line.product_id, line.qty, line.product.price_minor] for line in lines)


class ShopClosed(BodegaError):
    """The shop is outside its opening hours: it takes no order. ``opens`` says when it opens."""

    user_message = "Sorry, this shop is closed now."

    def __init__(self, detail: str, shop_name: str, opens: str | None) -> None:
        super().__init__(detail)
        self.shop_name, self.opens = shop_name, opens


class NoDelivery(BodegaError):
    user_message = "This shop does not deliver. Please pick up at the shop."


class BelowMinimum(BodegaError):
    """The items do not reach the shop's minimum order; ``missing_minor`` is what is missing."""

    user_message = "Your order is below the shop's minimum."

    def __init__(self, detail: str, missing_minor: int, currency: str) -> None:
        super().__init__(detail)
        self.missing_minor, self.currency = missing_minor, currency


def check_terms(shop: shop_terms.Terms, items_minor: int, fulfilment: str, now: datetime) -> Basket:
    """The order's basket (items, fee, total) under ``shop``'s terms at ``now``; raises
    ``ShopClosed``, ``NoDelivery`` or ``BelowMinimum`` (in that order) when it cannot be placed."""
    if not shop_terms.is_open(shop, now):
        raise ShopClosed(f"shop {shop.id} is closed", shop.name, shop_terms.opens_next(shop, now))
    if fulfilment == DELIVERY and not shop.delivers:
        raise NoDelivery(f"shop {shop.id} does not deliver")
    found = shop_terms.basket(shop, items_minor, fulfilment)
    if found.missing_minor:
        raise BelowMinimum(f"shop {shop.id}: {found.missing_minor} short of the minimum",
                           found.missing_minor, shop.currency)
    return found


class MixedCart(BodegaError):
    user_message = "Your cart holds items from more than one shop. Please empty it and start again."


class DraftLine(NamedTuple):
    """A cart line with its product as SQL has it now: what the order's line copies."""

    product_id: int
    qty: int
    shop_id: int
    sku: str
    name: str
    price_minor: int
    currency: str


@dataclass(frozen=True)
class _Draft:
    """What the order will hold, read from the cart before anything is written: plain values
    (building ORM objects for the cart, its products, the shop and the customer cost more than
    the query that reads them)."""

    lines: list[DraftLine]
    shop: ShopView  # its terms, as checkout's summary priced them
    recipients: Recipients  # who the order's texts go to

    @property
    def total_minor(self) -> int:
        return sum(line.price_minor * line.qty for line in self.lines)

    def as_shown(self) -> list[list[int]]:
        """``cart_as_shown`` of these lines."""
        return sorted([line.product_id, line.qty, line.price_minor] for line in self.lines)


def new_reference() -> str:
    """A random 5-character reference such as ``K7P2Q`` (about 33 million possibilities)."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


_PLACED_NOW = "orders.placed_now"  # in Session.info: the ids of the orders placed through it
_FOR_SESSION = select(Order).where(Order.ussd_session_id == bindparam("session_id"))


def order_for_session(db: Session, session_id: str) -> Order | None:
    """The order a USSD session placed, if any (``ussd_session_id`` is unique)."""
    order: Order | None = db.scalar(_FOR_SESSION, {"session_id": session_id})
    return order


def place_order(db: Session, customer_id: int, session_id: str, fulfilment: str,
                landmark: str | None, payment_method: str,
                pay_within: timedelta | None = None, shown: list[list[int]] | None = None,
                shown_total: int | None = None) -> Order:
    """Turn the customer's cart into an order and reserve its stock. The caller commits.

    Returns the order already placed in this USSD session if there is one (a replayed Confirm).
    Raises ``EmptyCart``, ``MixedCart``, ``CartChanged`` when the cart is no longer what ``shown``
    (``cart_as_shown`` of the summary) says or the total to pay is not the ``shown_total`` it
    said (a delivery fee changed since), ``ShopClosed``, ``NoDelivery`` or ``BelowMinimum``
    under the shop's terms (``check_terms``; the total includes the delivery fee), or
    ``OutOfStock`` naming the product that ran short (then nothing was written and the cart is
    untouched). Cash orders start ``placed``; any other method
    starts ``awaiting_payment`` (with ``expires_at`` set when ``pay_within`` is given). Calls
    ``gateway.commerce.notices.order_placed`` so the people concerned are told, after commit, by SMS.
    """
    try:
        return _place(db, customer_id, session_id, fulfilment, landmark, payment_method, pay_within,
                      shown, shown_total)
    except BodegaError:
        # A replayed Confirm (its cart emptied by the first, or changed since) or a duplicate that
        # committed first: the order this dial placed. (A replay whose cart still passes every
        # check finds it too: its INSERT meets the dial's order and gives the stock back.)
        existing = order_for_session(db, session_id)
        if existing is not None:
            return existing
        raise


def _place(db: Session, customer_id: int, session_id: str, fulfilment: str, landmark: str | None,
           payment_method: str, pay_within: timedelta | None, shown: list[list[int]] | None,
           shown_total: int | None) -> Order:
    draft = _draft(db, customer_id)
    if shown is not None and draft.as_shown() != shown:
        raise CartChanged(f"customer {customer_id}: cart changed since the summary")
    shop = draft.shop
    priced = check_terms(shop, draft.total_minor, fulfilment, utcnow())
    if shown_total is not None and priced.total_minor != shown_total:
        raise CartChanged(f"customer {customer_id}: total {priced.total_minor}, shown {shown_total}")
    status = order_states.PLACED if payment_method == CASH else order_states.AWAITING_PAYMENT
    fields: dict[str, Any] = dict(
        customer_id=customer_id, shop_id=shop.id, status=status, payment_method=payment_method,
        total_minor=priced.total_minor, delivery_fee_minor=priced.fee_minor, currency=draft.lines[0].currency,
        fulfilment=fulfilment,
        landmark=landmark if fulfilment == DELIVERY else None, ussd_session_id=session_id,
        expires_at=utcnow() + pay_within if pay_within and status != order_states.PLACED else None)
    order, ours = _insert(db, fields, draft)
    if ours:  # not a racing duplicate's order, nor a replay's
        empty_cart(db, customer_id)
        notices.order_placed(db, order, draft.recipients)
        db.info.setdefault(_PLACED_NOW, set()).add(order.id)
    return order


def placed_now(db: Session, order: Order) -> bool:
    """Whether ``place_order`` placed ``order`` in ``db`` (and emptied the cart), rather than
    returning the order a replayed or duplicate Confirm had placed already."""
    return order.id in db.info.get(_PLACED_NOW, ())


def _insert(db: Session, fields: dict[str, Any], draft: _Draft) -> tuple[Order, bool]:
    """Reserve the stock, then write the order under a fresh reference: (order, True); or, when a
    racing duplicate with the same USSD session committed first, give the stock back and return
    its order and False.

    No savepoint: the order's INSERT passes over a taken reference or session (``ON CONFLICT DO
    NOTHING``) instead of failing, and a line short of stock gives back the units taken before it,
    so a refused order leaves nothing behind in the caller's transaction."""
    taken: list[DraftLine] = []
    try:
        for line in draft.lines:
            _reserve(db, line)
            taken.append(line)
        for _ in range(REFERENCE_ATTEMPTS):
            order = _insert_order(db, {**fields, "reference": new_reference()})
            if order is not None:
                _write(db, order, draft)
                return order, True
            winner = order_for_session(db, fields["ussd_session_id"])
            if winner is not None:
                _give_back(db, taken)
                return winner, False
            # the reference was taken: draw another
    except ShortOfStock:
        _give_back(db, taken)
        raise
    _give_back(db, taken)
    raise BodegaError(f"no free order reference after {REFERENCE_ATTEMPTS} attempts")


# The tables Confirm reads and writes with Core statements, not through the mapped classes.
_ORDERS, _LINES, _EVENTS = (cast(Table, model.__table__) for model in (Order, OrderLine, OrderEvent))
_CART, _PRODUCTS, _SHOPS = (cast(Table, model.__table__) for model in (CartItem, Product, Shop))
_CUSTOMERS, _CONTACTS = (cast(Table, model.__table__) for model in (Customer, ShopContact))

# The columns place_order writes; the statements below are built once (building one cost more CPU
# than running it on a hop).
_ORDER_FIELDS = ("customer_id", "shop_id", "status", "payment_method", "total_minor", "delivery_fee_minor",
                 "currency", "fulfilment", "landmark", "ussd_session_id", "expires_at", "reference")


_LINE_FIELDS = ("order_id", "product_id", "sku", "name", "unit_price_minor", "qty")


def _insert_order_statement(insert: Any) -> Any:
    values: dict[str, Any] = {name: bindparam(name) for name in _ORDER_FIELDS}
    return insert(_ORDERS).values(values).on_conflict_do_nothing().returning(*_ORDERS.c)


_INSERT_ORDER = ConflictInsert(_insert_order_statement)
_INSERT_LINES = (insert(_LINES).values({name: bindparam(name) for name in _LINE_FIELDS})
                 .returning(*_LINES.c, sort_by_parameter_order=True))
_INSERT_EVENT = insert(_EVENTS).values(order_id=bindparam("order_id"), from_status=None,
                                       to_status=bindparam("to_status"), actor=bindparam("actor"),
                                       channel="ussd")
# On the table, not the mapped class: the ORM's bulk UPDATE path costs more than the statement;
# a product a caller read into the session has its stock expired by hand (``_stock_moved``).
_RESERVE = (update(_PRODUCTS)
            .where(_PRODUCTS.c.id == bindparam("product_id"), _PRODUCTS.c.stock >= bindparam("qty"),
                   _PRODUCTS.c.active.is_(True))
            .values(stock=_PRODUCTS.c.stock - bindparam("qty"))
            .returning(_PRODUCTS.c.stock)
            .execution_options(catalog_noted=True))
_GIVE_BACK = (update(_PRODUCTS).where(_PRODUCTS.c.id == bindparam("product_id"))
              .values(stock=_PRODUCTS.c.stock + bindparam("qty")).execution_options(catalog_noted=True))


def _insert_order(db: Session, fields: dict[str, Any]) -> Order | None:
    """The new order, or None when its reference or USSD session is taken (one statement)."""
    row = db.execute(_INSERT_ORDER.on(db), fields).first()
    if row is None:
        return None
    order = _as_loaded(db, Order, row._asdict())
    set_committed_value(order, "lines", [])  # a new order has none yet: nothing to read
    return order


def _as_loaded(db: Session, kind: type[Any], row: dict[str, Any]) -> Any:
    """The object of a row this transaction wrote with Core, in ``db`` as if read from it (nothing
    to flush). Core statements built once cost a fraction of the ORM's unit of work on a hop.

    An object the session still holds with the same id is a row of a transaction (or savepoint)
    rolled back since, whose id SQLite has handed out again: it gives its place to this row."""
    obj = kind(**row)
    make_transient_to_detached(obj)
    key = instance_state(obj).key
    undone = db.identity_map.get(key) if key is not None else None
    if undone is not None:
        db.expunge(undone)
    db.add(obj)
    return obj


def _give_back(db: Session, lines: list[DraftLine]) -> None:
    """Return the units ``_reserve`` took for ``lines`` (an order that is not placed)."""
    for line in lines:
        db.execute(_GIVE_BACK, {"product_id": line.product_id, "qty": line.qty})
        _stock_moved(db, line.product_id)


def _stock_moved(db: Session, product_id: int) -> None:
    """A product this session holds (its caller read it) reads its stock again when next used."""
    held = db.identity_map.get(db.identity_key(Product, product_id))
    if held is not None:
        db.expire(held, ["stock"])


# The cart's lines with their products, the shop's terms (in ``ShopView``'s order) and the numbers
# a cash order is texted to, and the customer: one row per line and contact, the few a cart and a
# shop hold. Plain rows, no ORM objects.
_SHOP_TERMS = tuple(_SHOPS.c[name] for name in ShopView._fields)
_DRAFT = (select(_CART.c.product_id, _CART.c.qty, _PRODUCTS.c.shop_id, _PRODUCTS.c.sku, _PRODUCTS.c.name,
                 _PRODUCTS.c.price_minor, _PRODUCTS.c.currency, _CUSTOMERS.c.phone, _CUSTOMERS.c.language,
                 _CONTACTS.c.phone, _CONTACTS.c.language, *_SHOP_TERMS)
          .select_from(_CART.join(_PRODUCTS, _PRODUCTS.c.id == _CART.c.product_id)
                       .join(_SHOPS, _SHOPS.c.id == _PRODUCTS.c.shop_id)
                       .join(_CUSTOMERS, _CUSTOMERS.c.id == _CART.c.customer_id)
                       .outerjoin(_CONTACTS, _CONTACTS.c.shop_id == _SHOPS.c.id))
          .where(_CART.c.customer_id == bindparam("customer_id"))
          .order_by(_CART.c.id, _CONTACTS.c.id))
_LINE, _CUSTOMER, _CONTACT, _TERMS = slice(0, 7), slice(7, 9), slice(9, 11), slice(11, None)


def _draft(db: Session, customer_id: int) -> _Draft:
    rows = db.execute(_DRAFT, {"customer_id": customer_id}).all()
    if not rows:
        raise EmptyCart(f"customer {customer_id} confirmed an empty cart")
    lines = list({row[0]: DraftLine(*row[_LINE]) for row in rows}.values())
    shops = {line.shop_id for line in lines}
    if len(shops) != 1:
        raise MixedCart(f"customer {customer_id} cart spans shops {sorted(shops)}")
    first = rows[0]
    contacts = tuple(dict.fromkeys(Contact(*row[_CONTACT]) for row in rows if row[_CONTACT][0] is not None))
    shop = ShopView(*first[_TERMS])
    return _Draft(lines=lines, shop=shop,
                  recipients=Recipients(Contact(*first[_CUSTOMER]), shop.name, contacts))


def _write(db: Session, order: Order, draft: _Draft) -> None:
    """The order's lines (its stock reserved already) and its first event: two statements."""
    rows = [{"order_id": order.id, "product_id": line.product_id, "sku": line.sku, "name": line.name,
             "unit_price_minor": line.price_minor, "qty": line.qty} for line in draft.lines]
    written = db.execute(_INSERT_LINES, rows).all()
    set_committed_value(order, "lines", [_as_loaded(db, OrderLine, row._asdict()) for row in written])
    db.execute(_INSERT_EVENT, {"order_id": order.id, "to_status": order.status,
                               "actor": f"customer:{order.customer_id}"})


_STOCK_NOW = select(_PRODUCTS.c.stock, _PRODUCTS.c.active).where(_PRODUCTS.c.id == bindparam("product_id"))


def _reserve(db: Session, line: DraftLine) -> None:
    """Take the line's units with one conditional UPDATE; ``ShortOfStock`` (saying how many are
    left) if they are not there."""
    left = db.execute(_RESERVE, {"product_id": line.product_id, "qty": line.qty}).scalar()
    _stock_moved(db, line.product_id)
    if left is None:  # what is left now: another buyer (or OFF) may have moved it since the cart's read
        now = db.execute(_STOCK_NOW, {"product_id": line.product_id}).first()
        left = max(0, now.stock) if now is not None and now.active else 0
        raise ShortOfStock(f"product {line.product_id} short of {line.qty}", line.name, line.qty, left)
    if left < SHOWN_STOCK_EXACT:  # screens show "sold out" and offer at most what is left
        catalog_changed(db, line.shop_id)


def customer_orders(db: Session, customer_id: int, offset: int, limit: int) -> list[Order]:
    """A customer's orders, newest first, a window at a time (indexed on customer and date)."""
    query = (select(Order).where(Order.customer_id == customer_id)
             .order_by(Order.created_at.desc(), Order.id.desc()).offset(offset).limit(limit))
    return list(db.scalars(query))


def get_customer_order(db: Session, customer_id: int, order_id: int) -> Order | None:
    """The order ``order_id`` with its lines, only if it belongs to ``customer_id``."""
    query = (select(Order).options(selectinload(Order.lines))
             .where(Order.id == order_id, Order.customer_id == customer_id))
    return db.scalar(query)


def has_payment(db: Session, order_id: int, statuses: tuple[str, ...] | None = None,
                within: timedelta | None = None) -> bool:
    """Whether ``order_id`` has a payment (in one of ``statuses``, started ``within`` ago, when given)."""
    query = select(Payment.id).where(Payment.order_id == order_id)
    if statuses is not None:
        query = query.where(Payment.status.in_(statuses))
    if within is not None:
        query = query.where(Payment.created_at >= utcnow() - within)
    return db.scalar(query.limit(1)) is not None


def can_cancel(order: Order) -> bool:
    """Whether the customer may still cancel ``order`` from the keypad."""
    return order.status in order_states.CANCELLABLE_BY_CUSTOMER


def cancel_by_customer(db: Session, order: Order, phone: str) -> OrderEvent:
    """Cancel ``order`` for its customer; stock goes back, and the shop (if it was sent the order)
    and the customer are told by SMS after commit. ``IllegalTransition`` once it is too late."""
    if not can_cancel(order):
        raise IllegalTransition(
            f"order {order.reference}: customer cannot cancel from {order.status}",
            user_message="{ref} can no longer be cancelled.", ref=order.reference)
    event = order_states.transition(db, order, order_states.CANCELLED, actor=phone, channel="ussd",
                                    note="cancelled by the customer")
    notices.order_cancelled_by_customer(db, order)
    return event
