"""Customers by SMS: STATUS (ESTADO, HALI) gets their latest orders and where each stands, a
reference gets that order if it is theirs; a stranger is answered in their saved language and told
which USSD code to dial."""

from __future__ import annotations

from sqlalchemy import select

from gateway.commerce.models import Customer, Shop
from gateway.core.runtime import Runtime
from tests.sms.conftest import CUSTOMER, Texter, make_order


def test_status_lists_the_latest_orders(texter: Texter, rt: Runtime, shop: Shop) -> None:
    first = make_order(rt, shop, qty=1)
    second = make_order(rt, shop, qty=2, status="confirmed")
    reply = texter.ask("status", phone=CUSTOMER)
    assert reply == (f"Your orders: {second.reference} Mama Njeri Groceries confirmed KSh 200; "
                     f"{first.reference} Mama Njeri Groceries placed KSh 100. Text an order number for more.")


def test_status_in_spanish_and_swahili(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=1)
    assert texter.ask("ESTADO", phone=CUSTOMER).startswith(f"Tus pedidos: {order.reference} ")
    assert texter.ask("hali", phone=CUSTOMER).startswith(f"Oda zako: {order.reference} ")


def test_a_reference_gets_that_order_only_if_it_is_theirs(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=1)
    assert texter.ask(order.reference.lower(), phone=CUSTOMER) == (
        f"Bodega: order {order.reference} at Mama Njeri Groceries is placed. Total KSh 100, "
        "delivery to Opposite Total petrol station.")
    make_order(rt, shop, qty=1, customer_phone="+254711000444")
    assert texter.ask(order.reference, phone="+254711000444") == (
        f"No order {order.reference} on your number. Text STATUS for your orders.")


def test_a_stranger_is_answered_in_their_saved_language(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(USSD_SERVICE_CODE="*384*123#")
    texter = Texter(app.test_client(), app.extensions["bodega"])
    with texter.rt.sessions() as db:
        db.add(Customer(phone="+254711000555", language="sw"))  # a Kenyan number that chose Swahili
        db.commit()
    texter.send("habari", phone="+254711000555")
    assert texter.texts_to("+254711000555") == ["Bodega: kununua, piga *384*123#. Kuona oda zako, tuma HALI."]
    with texter.rt.sessions() as db:
        assert db.scalar(select(Customer.language).where(Customer.phone == "+254711000555")) == "sw"


def test_a_five_letter_greeting_gets_help_not_no_such_order(texter: Texter, rt: Runtime, shop: Shop) -> None:
    make_order(rt, shop, qty=1)  # a known customer: a reference-shaped word is looked up
    assert texter.ask("Mambo", phone=CUSTOMER).startswith("Bodega: to shop, dial")


def test_a_fetched_pickup_order_reads_collected(texter: Texter, rt: Runtime, shop: Shop) -> None:
    fetched = make_order(rt, shop, qty=1, status="delivered", fulfilment="pickup")
    brought = make_order(rt, shop, qty=2, status="delivered")
    assert texter.ask("status", phone=CUSTOMER) == (
        f"Your orders: {brought.reference} Mama Njeri Groceries delivered KSh 200; "
        f"{fetched.reference} Mama Njeri Groceries collected KSh 100. Text an order number for more.")
    assert texter.ask(fetched.reference, phone=CUSTOMER) == (
        f"Bodega: order {fetched.reference} at Mama Njeri Groceries is collected. Total KSh 100, "
        "pickup at the shop.")
    spanish = texter.ask("ESTADO", phone=CUSTOMER)
    assert f"{fetched.reference} Mama Njeri Groceries recogido KSh 100" in spanish
