"""Customers: one per phone number, with the language they chose, and the card a dial reads them from."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.commerce.caller_profile import CallerProfile, LastOrder, read_profile
from gateway.commerce.carts import cart_pairs
from gateway.commerce.models import CartItem, Customer, Order, OrderLine
from gateway.core.phone import country_of

# A new customer's language follows the phone's country until they choose one.
LANGUAGE_BY_COUNTRY = {
    "TZ": "sw", "KE": "en", "UG": "en",
    **{c: "es" for c in ("MX", "GT", "HN", "SV", "NI", "CR", "PA", "CO", "VE", "EC", "PE", "BO",
                        "CL", "AR", "UY", "PY", "DO", "CU", "ES")},
}


_BY_PHONE = select(Customer).where(Customer.phone == bindparam("phone"))  # built once: every dial


def default_language(phone: str, languages: list[str]) -> str:
    lang = LANGUAGE_BY_COUNTRY.get(country_of(phone) or "", "en")
    return lang if lang in languages else "en"


def find_or_create_customer(db: Session, phone: str, languages: list[str]) -> Customer:
    """The customer with ``phone`` (E.164), created on first dial. Safe against a racing dial."""
    customer: Customer | None = db.scalar(_BY_PHONE, {"phone": phone})
    if customer is not None:
        return customer
    return _create_customer(db, phone, languages)


def _create_customer(db: Session, phone: str, languages: list[str]) -> Customer:
    """A new customer with ``phone``, or the one a racing dial created first."""
    customer = Customer(phone=phone, language=default_language(phone, languages))
    try:
        with db.begin_nested():
            db.add(customer)
    except IntegrityError:
        found = db.scalar(select(Customer).where(Customer.phone == phone))
        assert found is not None
        return found
    return customer


def set_language(db: Session, customer_id: int, lang: str) -> None:
    customer = db.get(Customer, customer_id)
    if customer is not None:
        customer.language = lang


@dataclass(frozen=True)
class CustomerCard:
    """What a dial needs to know of its caller: who, which language, the cart's lines
    (``[product_id, qty]``) and their profile (town, last order; None: not known yet, read from
    SQL when a screen asks). Cached by phone between dials, so a known caller costs no SQL."""

    id: int
    lang: str
    cart: list[list[int]]
    profile: CallerProfile | None = None

    def to_json(self) -> str:
        card = {"id": self.id, "lang": self.lang, "cart": self.cart,
                "profile": self.profile.to_dict() if self.profile else None}
        return json.dumps(card, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: bytes | str | None) -> CustomerCard | None:
        """The card ``to_json`` wrote, or None for nothing (or anything unreadable)."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return cls(int(data["id"]), str(data["lang"]), [[int(p), int(q)] for p, q in data["cart"]],
                       CallerProfile.from_dict(data.get("profile")))  # a card from before: None
        except (ValueError, KeyError, TypeError):
            return None


# The caller, their cart's lines and their newest order's lines in one statement: a row per cart
# line and order line (one row with NULLs for neither), the few a cart and an order hold.
_NEWEST_ORDER = (select(Order.id).where(Order.customer_id == Customer.id)
                 .order_by(Order.created_at.desc(), Order.id.desc()).limit(1)
                 .correlate(Customer).scalar_subquery())
_CARD = (select(Customer.id, Customer.language, Customer.town, Order.fulfilment, Order.landmark,
                Order.payment_method, OrderLine.id, OrderLine.qty, OrderLine.name, CartItem.id,
                CartItem.product_id, CartItem.qty)
         .select_from(Customer)
         .outerjoin(Order, Order.id == _NEWEST_ORDER)
         .outerjoin(OrderLine, OrderLine.order_id == Order.id)
         .outerjoin(CartItem, CartItem.customer_id == Customer.id)
         .where(Customer.phone == bindparam("phone")))


def customer_card(db: Session, phone: str, languages: list[str]) -> CustomerCard:
    """The caller's card from SQL (one statement), creating the customer on their first dial."""
    rows = db.connection().execute(_CARD, {"phone": phone}).all()
    if not rows:
        customer = _create_customer(db, phone, languages)
        return CustomerCard(customer.id, customer.language or "en", cart_pairs(db, customer.id),
                            read_profile(db, customer))  # a racing dial's customer may have both
    cart: dict[int, list[int]] = {}
    lines: dict[int, tuple[int, str]] = {}
    for row in rows:
        if row[6] is not None:
            lines[row[6]] = (row[7], row[8])
        if row[9] is not None:
            cart[row[9]] = [row[10], row[11]]
    customer_id, language, town, fulfilment, landmark, method = rows[0][:6]
    last = None
    if lines:  # an order without lines is not offered again (``LastOrder.of``)
        first_qty, first_name = lines[min(lines)]
        last = LastOrder(fulfilment, landmark, method, first_qty, first_name, len(lines))
    return CustomerCard(customer_id, language or "en", [cart[k] for k in sorted(cart)],
                        CallerProfile(town, last))
