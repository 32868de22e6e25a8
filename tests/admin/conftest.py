"""Console fixtures: accounts made through the real CLI, a signed-in browser-like client, orders."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.models import Customer, Order, OrderEvent, OrderLine, Product, Shop
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from gateway.ussd import dial_log, session_log
from tests.conftest import Dialer

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def create_user(app: Flask, name: str, *extra: str, password: str = PASSWORD) -> None:
    result = app.test_cli_runner().invoke(
        args=["admin", "create-user", name, "--password-stdin", *extra], input=password + "\n"
    )
    assert result.exit_code == 0, result.output


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> FlaskClient:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"username": name, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def form_token(client: FlaskClient, url: str) -> str:
    return csrf_of(client.get(url).get_data(as_text=True))


@pytest.fixture
def boss(app: Flask, client: FlaskClient, demo_catalog: None) -> FlaskClient:
    """A client signed in as an admin, on the demo catalog."""
    create_user(app, "boss")
    return sign_in(client, "boss")


def shop_number(rt: Runtime, name_part: str) -> int:
    with session_scope(rt.sessions) as db:
        shop = db.scalar(select(Shop).where(Shop.name.like(f"%{name_part}%")))
        assert shop is not None
        return shop.number


def place_order(rt: Runtime, shop_index: int, phone: str, status: str = "placed", reference: str = "") -> int:
    """An order of two units of the shop's first product, as the checkout writes it."""
    with session_scope(rt.sessions) as db:
        shop = db.scalars(select(Shop).order_by(Shop.number)).all()[shop_index]
        product = db.scalar(select(Product).where(Product.shop_id == shop.id).order_by(Product.id))
        assert product is not None
        customer = db.scalar(select(Customer).where(Customer.phone == phone)) or Customer(phone=phone)
        db.add(customer)
        db.flush()
        ref = reference or f"R{shop.id}{customer.id}{datetime.now(UTC).strftime('%f')}"[:12]
        order = Order(
            reference=ref,
            customer_id=customer.id,
            shop_id=shop.id,
            status=status,
            payment_method="cash",
            total_minor=product.price_minor * 2,
            currency=product.currency,
            fulfilment="pickup",
        )
        order.lines.append(
            OrderLine(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit_price_minor=product.price_minor,
                qty=2,
            )
        )
        db.add(order)
        db.flush()
        db.add(OrderEvent(order_id=order.id, from_status=None, to_status=status, actor=phone, channel="ussd"))
        return order.id


@pytest.fixture
def record_dials(rt: Runtime, client: FlaskClient) -> Callable[..., str]:
    """Dial through the real webhook, let the sweep hand the transcript over, write it to SQL, and
    report AT's outcome."""

    def dial(phone: str, answers: tuple[str, ...], status: str | None, cost: str = "KES 0.10") -> str:
        handset = Dialer(client, phone=phone)
        handset.walk(*answers)
        dial_log.sweep(rt.redis, idle_seconds=0, now=time.time() + 1)  # as if it had gone quiet
        session_log.drain(rt.redis, rt.sessions)
        if status:
            form = {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "sessionId": handset.session_id,
                "serviceCode": "*384*123#",
                "networkCode": "63902",
                "phoneNumber": phone,
                "status": status,
                "cost": cost,
                "durationInMillis": "5300",
                "hopsCount": str(len(answers) + 1),
                "input": "*".join(answers),
                "lastAppResponse": "",
                "errorMessage": "",
            }
            assert client.post("/hooks/africastalking/ussd/events", data=form).status_code == 200
        return handset.session_id

    return dial
