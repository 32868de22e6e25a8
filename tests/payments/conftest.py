"""Payment journeys: a customer checks out with M-Pesa on the keypad; then the money moves."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.models import Order, OutboundSms, Payment, PaymentCallback, Product
from gateway.core.runtime import Runtime
from tests.conftest import DEMO_CSV, Dialer
from tests.fakes import FakeDaraja
from tests.menus.conftest import AGAIN_TO_AVOCADO, CHECKOUT, MPESA, TO_AVOCADO

PHONE = "+254711000111"
REFERENCE = re.compile(r" ([A-HJ-NP-Z2-9]{5}):")  # "Order K7P2Q:", "Oda K7P2Q:"


@dataclass
class Shop:
    """An app with the demo catalog, its runtime and a handset on it."""

    app: Flask
    rt: Runtime
    client: FlaskClient
    dialer: Dialer

    def buy_avocados_with_mpesa(self, qty: int = 2, phone: str = PHONE) -> str:
        """Dial, put ``qty`` avocados (KES 25 each) in the cart, check out with M-Pesa; the reference."""
        self.dialer.phone = phone
        home = self.dialer.dial()  # a returning customer's first screen opens with Order again
        for key in (*(AGAIN_TO_AVOCADO if "1. Order again" in home else TO_AVOCADO), str(qty), CHECKOUT):
            self.dialer.dial(key)
        for key in MPESA:
            self.dialer.dial(key)
        final = self.dialer.dial("1")
        match = REFERENCE.search(final)
        assert match, final
        return match.group(1)

    def order(self, reference: str) -> Order:
        db = self.rt.sessions()
        try:
            order = db.scalar(select(Order).where(Order.reference == reference))
            assert order is not None
            return order
        finally:
            db.close()

    def payments(self, reference: str) -> list[Payment]:
        return self._all(select(Payment).join(Order).where(Order.reference == reference).order_by(Payment.id))

    def sms(self, purpose: str | None = None) -> list[OutboundSms]:
        query = select(OutboundSms).order_by(OutboundSms.id)
        if purpose:
            query = query.where(OutboundSms.purpose == purpose)
        return self._all(query)

    def callbacks(self) -> list[PaymentCallback]:
        return self._all(select(PaymentCallback).order_by(PaymentCallback.id))

    def stock(self, name: str) -> int:
        db = self.rt.sessions()
        try:
            product = db.scalar(select(Product).where(Product.name == name))
            assert product is not None
            return product.stock
        finally:
            db.close()

    def _all(self, query):  # type: ignore[no-untyped-def]
        db = self.rt.sessions()
        try:
            return list(db.scalars(query))
        finally:
            db.close()


@pytest.fixture
def open_shop(make_app: Callable[..., Flask]) -> Callable[..., Shop]:
    """``open_shop(**settings)``: an app with the demo catalog imported through the real CLI."""

    def build(**settings: object) -> Shop:
        app = make_app(**settings)
        result = app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)])
        assert result.exit_code == 0, result.output
        client = app.test_client()
        key = settings.get("WEBHOOK_SECRET")
        return Shop(app, app.extensions["bodega"], client, Dialer(client, key=str(key) if key else None))

    return build


@pytest.fixture
def mpesa_shop(open_shop: Callable[..., Shop], fake_daraja: FakeDaraja) -> Shop:
    """The demo shop collecting through the fake Daraja, with a webhook key."""
    return open_shop(**fake_daraja.settings(WEBHOOK_SECRET="hook-secret", PUBLIC_URL="https://bodega.example"))


def wallet_catalog(path: Path, currency: str, price: str) -> Path:
    """A one-shop catalog selling in ``currency``: Home -> Shop -> 1 -> 1 -> 1 is its first product."""
    path.write_text("shop,owner_phone,category,sku,name,price,stock,currency\n"
                    f"Duka Kampala,+256772000101,Food,W1-001,Matooke bunch,{price},50,{currency}\n"
                    f"Duka Kampala,+256772000101,Food,W1-002,Sugar 1kg,{price},50,{currency}\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def wallet_shop(make_app: Callable[..., Flask], tmp_path: Path) -> Callable[..., Shop]:
    """``wallet_shop(currency, price, **settings)``: an app whose only shop sells in ``currency``."""

    def build(currency: str, price: str, **settings: object) -> Shop:
        app = make_app(WEBHOOK_SECRET="hook-secret", PUBLIC_URL="https://bodega.example", **settings)
        csv_path = wallet_catalog(tmp_path / f"{currency}.csv", currency, price)
        result = app.test_cli_runner().invoke(args=["catalog", "import", str(csv_path)])
        assert result.exit_code == 0, result.output
        client = app.test_client()
        return Shop(app, app.extensions["bodega"], client, Dialer(client, key="hook-secret"))

    return build


def check_out(shop: Shop, phone: str, qty: int = 2, method_key: str = "1") -> tuple[str, str]:
    """Buy ``qty`` of the first product from ``phone``, paying with the method at ``method_key`` on
    the summary's "Change payment" list; the payment question as shown and the order's reference."""
    shop.dialer.phone = phone
    screen = shop.dialer.dial()  # the first screen lists the shops
    for _ in range(4):  # shop (category, when there are several), product: up to the quantity
        if "(1-" in screen:
            break
        screen = shop.dialer.dial("1")
    shop.dialer.dial(str(qty))
    summary = shop.dialer.dial("1")  # checkout
    assert "3. " in summary, summary  # more than one way to pay: the summary offers to change it
    question = shop.dialer.dial("3")
    shop.dialer.dial(method_key)  # back on the summary
    final = shop.dialer.dial("1")
    match = REFERENCE.search(final) or re.search(r"(?:Order|Pedido|Oda) ([A-HJ-NP-Z2-9]{5})", final)
    assert match, final
    return question, match.group(1)
