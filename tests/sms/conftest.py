"""Shops, orders and a shop owner's handset for the SMS command tests.

``Texter`` posts AT's inbound SMS form verbatim to the webhook, runs the queued jobs with a real
RQ worker, and reads what Bodega texted back from the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.carts import add_to_cart
from gateway.commerce.models import (
    Category,
    Customer,
    Order,
    OutboundSms,
    Product,
    Shop,
    ShopContact,
)
from gateway.commerce.orders import place_order
from gateway.core import transactions
from gateway.core.runtime import Runtime
from tests.conftest import run_jobs

OWNER = "+254722000101"
STAFF = "+254733000202"
CUSTOMER = "+254711000111"
SHORTCODE = "22384"


def at_inbound(sender: str, text: str, message_id: str | None = None, **extra: str) -> dict[str, str]:
    """AT's inbound SMS callback form, as PROTOCOLS.md gives it."""
    form = {"date": "2026-11-23 12:00:00", "from": sender, "to": SHORTCODE, "text": text,
            "id": message_id or str(uuid.uuid4()), "linkId": f"SampleLinkId{uuid.uuid4().hex[:8]}",
            "networkCode": "63902"}
    form.update(extra)
    return form


@dataclass
class Texter:
    client: FlaskClient
    rt: Runtime
    phone: str = OWNER

    def send(self, text: str, message_id: str | None = None, phone: str | None = None) -> int:
        """Text Bodega; returns the webhook's status code. Jobs are run afterwards."""
        response = self.client.post("/hooks/africastalking/sms",
                                    data=at_inbound(phone or self.phone, text, message_id))
        run_jobs(self.rt)
        return response.status_code

    def texts_to(self, phone: str | None = None, purpose: str | None = None) -> list[str]:
        """Bodega's texts to ``phone`` (default: this handset), oldest first."""
        with self.rt.sessions() as db:
            query = select(OutboundSms).where(OutboundSms.to_phone == (phone or self.phone))
            if purpose:
                query = query.where(OutboundSms.purpose == purpose)
            return [m.body for m in db.scalars(query.order_by(OutboundSms.id))]

    def ask(self, text: str, phone: str | None = None) -> str:
        """Text Bodega and return its reply (the newest text to the sender)."""
        before = len(self.texts_to(phone))
        self.send(text, phone=phone)
        texts = self.texts_to(phone)
        assert len(texts) == before + 1, texts
        return texts[-1]


@pytest.fixture
def texter(client: FlaskClient, rt: Runtime) -> Texter:
    return Texter(client, rt)


@pytest.fixture
def shop(rt: Runtime) -> Shop:
    """Mama Njeri's shop: an owner and a staff number, three products."""
    return make_shop(rt, "Mama Njeri Groceries", 1, [(OWNER, "owner"), (STAFF, "staff")])


def make_shop(rt: Runtime, name: str, number: int, contacts: list[tuple[str, str]],
              skus: tuple[str, ...] = ("S1-001", "S1-002", "S1-003")) -> Shop:
    with rt.sessions() as db:
        shop = Shop(number=number, name=name, currency="KES", owner_phone=contacts[0][0])
        db.add(shop)
        db.flush()
        for phone, role in contacts:
            db.add(ShopContact(shop_id=shop.id, phone=phone, role=role))
        category = Category(shop_id=shop.id, name="Vegetables")
        db.add(category)
        db.flush()
        names = ["Tomatoes 1kg", "Onions 1kg", "Cabbage"]
        for index, sku in enumerate(skus):
            db.add(Product(shop_id=shop.id, category_id=category.id, sku=sku, name=names[index % 3],
                           price_minor=(index + 1) * 10000, currency="KES", stock=20))
        db.commit()
        db.refresh(shop)
        return shop


def make_order(rt: Runtime, shop: Shop, status: str | None = None, payment_method: str = "cash",
               qty: int = 2, customer_phone: str = CUSTOMER, language: str = "en",
               fulfilment: str = "delivery", reference: str | None = None,
               landmark: str = "Opposite Total petrol station") -> Order:
    """An order placed through checkout's ``place_order`` (cart, stock reserved, shop told), then
    put in ``status`` when a test needs it further along."""
    with rt.sessions() as db:
        customer = db.scalar(select(Customer).where(Customer.phone == customer_phone))
        if customer is None:
            customer = Customer(phone=customer_phone, language=language)
            db.add(customer)
            db.flush()
        product = db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.id)).first()
        assert product is not None
        add_to_cart(db, customer.id, product.id, qty)
        order = place_order(db, customer.id, f"ATUid_{uuid.uuid4().hex}", fulfilment,
                            landmark, payment_method)
        if reference is not None:
            order.reference = reference
        if status is not None:
            order.status = status
        db.commit()
        transactions.dispatch(rt.queue, transactions.take_pending(db))  # as the dial that placed it would
        db.refresh(order)
        return order


@pytest.fixture
def order_factory(rt: Runtime, shop: Shop) -> Callable[..., Order]:
    def build(**kwargs: Any) -> Order:
        return make_order(rt, kwargs.pop("shop", shop), **kwargs)
    return build
