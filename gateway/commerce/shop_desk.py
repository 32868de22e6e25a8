"""The shop's desk: what a shop owner or their staff may do to their own orders by SMS.

Who is texting is decided by ``contacts_of`` (a number may run several shops). Orders are found by
a forgiving reference (``canonical_reference``) among the sender's shops only, so a reference from
another shop reads as unknown. The moves a shop makes on an order (confirm, reject, ready, done)
live in ``gateway.commerce.order_moves``, shared with the console. Functions here never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gateway.commerce import order_states as st
from gateway.commerce.customers import default_language
from gateway.commerce.models import AuditEntry, Order, Payment, Shop, ShopContact
from gateway.commerce.references import canonical_reference

# What a shop still has to act on, oldest first, when it asks for its orders.
OPEN_FOR_SHOP = (st.PLACED, st.PAID, st.CONFIRMED, st.READY)


def contacts_of(db: Session, phone: str) -> list[ShopContact]:
    """The contacts (one per shop) registered for ``phone`` (E.164) on active shops, by shop id."""
    query = (select(ShopContact).join(Shop).where(ShopContact.phone == phone, Shop.active.is_(True))
             .options(selectinload(ShopContact.shop)).order_by(ShopContact.shop_id))
    return list(db.scalars(query))


def find_order(db: Session, shop_ids: Sequence[int], typed_reference: str) -> Order | None:
    """The order with this (forgivingly typed) reference in one of ``shop_ids``, else None."""
    reference = canonical_reference(typed_reference)
    if not reference or not shop_ids:
        return None
    query = (select(Order).where(Order.reference == reference, Order.shop_id.in_(shop_ids))
             .options(selectinload(Order.lines), selectinload(Order.customer), selectinload(Order.shop)))
    return db.scalar(query)


def open_orders(db: Session, shop_ids: Sequence[int], limit: int = 20) -> list[Order]:
    """Orders of ``shop_ids`` the shop still has to confirm, prepare or hand over, oldest first."""
    query = (select(Order).where(Order.shop_id.in_(shop_ids), Order.status.in_(OPEN_FOR_SHOP))
             .order_by(Order.created_at, Order.id).limit(limit))
    return list(db.scalars(query))


def was_paid(db: Session, order: Order) -> bool:
    """Whether money was received for ``order`` (its status says so or a payment settled)."""
    if order.status == st.PAID:
        return True
    return db.scalar(select(Payment.id).where(Payment.order_id == order.id, Payment.status == "paid")
                     .limit(1)) is not None


class Reachable(Protocol):
    """A shop's number as texts need it: a ``ShopContact`` or a ``recipients.Contact``."""

    @property
    def phone(self) -> str: ...

    @property
    def language(self) -> str | None: ...


def contact_language(contact: Reachable, languages: Sequence[str]) -> str:
    """The language to text a shop number in: the one it texts in, else its country's."""
    return contact.language or default_language(contact.phone, list(languages))


def learn_language(contacts: Sequence[ShopContact], lang: str) -> None:
    """Remember the language a sender texts in, for the messages Bodega sends them later."""
    for contact in contacts:
        contact.language = lang


ROLES = ("owner", "staff")


def add_contact(db: Session, shop: Shop, phone: str, role: str, actor: str) -> ShopContact:
    """Let ``phone`` (E.164) run ``shop`` by SMS as ``role`` (owner or staff, else ``ValueError``);
    an existing number gets the new role. Audited as ``contact.add``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    contact = db.scalar(select(ShopContact).where(ShopContact.shop_id == shop.id, ShopContact.phone == phone))
    if contact is None:
        contact = ShopContact(shop_id=shop.id, phone=phone, role=role, failed_pins=0)
        db.add(contact)
    contact.role = role
    db.add(AuditEntry(shop_id=shop.id, actor=actor[:60], channel="admin", action="contact.add",
                      subject=f"contact {phone}", detail=role))
    db.flush()
    return contact


def remove_contact(db: Session, shop: Shop, phone: str, actor: str) -> bool:
    """Stop ``phone`` running ``shop`` by SMS; False if it did not. Audited as ``contact.remove``."""
    contact = db.scalar(select(ShopContact).where(ShopContact.shop_id == shop.id, ShopContact.phone == phone))
    if contact is None:
        return False
    db.delete(contact)
    db.add(AuditEntry(shop_id=shop.id, actor=actor[:60], channel="admin", action="contact.remove",
                      subject=f"contact {phone}"))
    db.flush()
    return True
