"""Threats from SECURITY.md that a test can try: forged callbacks without the key, a customer
reaching another's order, and a PIN asked for over USSD."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select, update

from gateway.commerce.models import Customer, Order
from gateway.core.runtime import Runtime
from tests.conftest import DEMO_CSV, Dialer

SECRET = "a-long-random-webhook-key-0123456789"
ALICE, BOB = "+254711000901", "+254711000902"
# "PIN" in English and Spanish; "nambari ya siri" / "siri" (secret number) in Swahili; "clave".
ASKS_FOR_A_PIN = re.compile(r"\bPIN\b|\bclave\b|\bsiri\b|\bpassword\b|\bcontrase", re.IGNORECASE)


def _with_catalog(app: Flask) -> Flask:
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)]).exit_code == 0
    return app


def test_every_webhook_refuses_a_request_without_the_key(make_app) -> None:  # type: ignore[no-untyped-def]
    """Every URL under /hooks/ (USSD, SMS, delivery reports, payment callbacks: whatever is
    registered) answers 403 without the key, so a forged callback changes nothing."""
    app: Flask = make_app(WEBHOOK_SECRET=SECRET)
    hooks = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if rule.rule.startswith("/hooks/") and "POST" in (rule.methods or ())})
    assert "/hooks/africastalking/ussd" in hooks and "/hooks/africastalking/sms" in hooks
    client = app.test_client()
    for hook in hooks:
        for query in ("", "?key=", "?key=wrong", f"?key={SECRET[:-1]}", f"?KEY={SECRET}"):
            response = client.post(hook + query, data={"sessionId": "x", "phoneNumber": ALICE, "text": ""})
            assert response.status_code == 403, (hook, query, response.status_code)
    with app.extensions["bodega"].sessions() as db:
        assert db.scalars(select(Customer)).all() == []


def _place_cash_order(dialer: Dialer) -> str:
    final = dialer.walk("1", "1", "1", "1", "1", "3", "2", "1")  # pick up, change payment to cash
    found = re.search(r"Order ([A-Z0-9]{5}) placed", final)
    assert found, final
    return found.group(1)


def test_a_customer_never_reaches_another_customers_order(make_app) -> None:  # type: ignore[no-untyped-def]
    app = _with_catalog(make_app())
    reference = _place_cash_order(Dialer(app.test_client(), phone=ALICE))
    bob = Dialer(app.test_client(), phone=BOB)
    orders = bob.walk("92")
    assert "no orders" in orders and reference not in orders
    typed = bob.dial(reference)  # typing someone else's reference on the list
    assert reference not in typed
    assert bob.dial("1") and reference not in bob.screen
    with app.extensions["bodega"].sessions() as db:
        order = db.scalar(select(Order).where(Order.reference == reference))
        assert order is not None and order.status == "placed"  # untouched


@pytest.mark.parametrize("lang", ["en", "es", "sw"])
def test_no_ussd_screen_asks_for_a_pin(make_app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """M-Pesa's PIN is typed on the STK prompt, never over USSD (every later hop would repeat
    it in ``text``). Walk the money screens — checkout by M-Pesa, My orders, pay again — in each
    language and look for anything asking for a PIN or password."""
    app = _with_catalog(make_app())
    rt: Runtime = app.extensions["bodega"]
    dialer = Dialer(app.test_client(), phone=ALICE)
    dialer.dial()
    with rt.sessions.begin() as db:
        db.execute(update(Customer).where(Customer.phone == ALICE).values(language=lang))
    screens = [dialer.dial(), *[dialer.dial(k) for k in ("1", "1", "1", "1", "1", "3", "1")]]
    screens.append(dialer.dial("1"))  # confirm: approve on the M-Pesa prompt
    dialer.dial()
    screens += [dialer.dial("92"), dialer.dial("1"), dialer.dial("2")]  # My orders, the order, pay now
    assert any("M-Pesa" in s for s in screens), screens
    asking = [s for s in screens if ASKS_FOR_A_PIN.search(s)]
    assert asking == [], asking
