"""A shop owner answers orders by SMS: confirm, reject, ready, done, in three languages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from gateway.commerce import order_states as st
from gateway.commerce.carts import add_to_cart
from gateway.commerce.customers import find_or_create_customer
from gateway.commerce.models import Order, OrderEvent, Payment, Product, Shop
from gateway.commerce.orders import place_order
from gateway.core.runtime import Runtime
from tests.sms.conftest import CUSTOMER, OWNER, STAFF, Texter, make_order, make_shop

Orders = Callable[..., Order]


def _order(rt: Runtime, order_id: int) -> Order:
    with rt.sessions() as db:
        order = db.get(Order, order_id)
        assert order is not None
        return order


def _events(rt: Runtime, order_id: int) -> list[tuple[str | None, str, str, str, str | None]]:
    """The order's audit trail written by SMS commands (checkout's own first event left out)."""
    with rt.sessions() as db:
        rows = db.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id,
                                                   OrderEvent.channel == "sms").order_by(OrderEvent.id))
        return [(e.from_status, e.to_status, e.actor, e.channel, e.note) for e in rows]


def _stock(rt: Runtime, shop: Shop) -> int:
    with rt.sessions() as db:
        product = db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.id)).first()
        assert product is not None
        return product.stock


def test_ok_confirms_tells_customer_and_audits(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    order = order_factory()
    reply = texter.ask(f"OK {order.reference}")
    ref = order.reference
    assert reply == f"{ref} confirmed, customer told. Send READY {ref} when it is ready."
    assert _order(rt, order.id).status == st.CONFIRMED
    assert _events(rt, order.id) == [(st.PLACED, st.CONFIRMED, OWNER, "sms", None)]
    customer = texter.texts_to(CUSTOMER, "order_confirmed")
    assert len(customer) == 1 and "Mama Njeri Groceries confirmed your order" in customer[0]


def test_full_journey_ready_then_done(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    order = order_factory(fulfilment="pickup")
    texter.ask(f"OK {order.reference}")
    reply = texter.ask(f"ready {order.reference}")
    assert "ready, customer told" in reply
    ready = texter.texts_to(CUSTOMER, "order_ready")
    assert ready and "ready for pickup at Mama Njeri Groceries" in ready[0] and "KSh 200" in ready[0]
    assert texter.ask(f"DONE {order.reference}") == f"{order.reference} collected. Thank you!"
    assert [e[1] for e in _events(rt, order.id)] == [st.CONFIRMED, st.READY, st.DELIVERED]


def test_no_with_reason_puts_stock_back_and_tells_customer(texter: Texter, rt: Runtime, shop: Shop,
                                                           order_factory: Orders) -> None:
    order = order_factory(qty=3)
    assert _stock(rt, shop) == 17
    reply = texter.ask(f"NO {order.reference} - out of tomatoes today")
    assert reply == f"{order.reference} rejected, stock put back, customer told."
    assert _stock(rt, shop) == 20
    rejected = _order(rt, order.id)
    assert rejected.status == st.REJECTED and not rejected.refund_due
    assert _events(rt, order.id)[-1][4] == "out of tomatoes today"
    customer = texter.texts_to(CUSTOMER, "order_rejected")
    assert len(customer) == 1 and "out of tomatoes today" in customer[0] and len(customer[0]) <= 160


def test_rejecting_a_paid_order_flags_refund(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    order = order_factory(status=st.PAID, payment_method="mpesa")
    reply = texter.ask(f"NO {order.reference} closed")
    assert "refund KSh 200 is due" in reply
    assert _order(rt, order.id).refund_due
    assert "will be refunded" in texter.texts_to(CUSTOMER, "order_rejected")[0]


def test_rejecting_a_confirmed_mpesa_order_flags_refund(texter: Texter, rt: Runtime,
                                                        order_factory: Orders) -> None:
    order = order_factory(status=st.CONFIRMED, payment_method="mpesa")
    with rt.sessions() as db:
        db.add(Payment(order_id=order.id, provider="mpesa", status="paid", amount_minor=order.total_minor,
                       currency="KES", phone=CUSTOMER))
        db.commit()
    texter.ask(f"NO {order.reference}")
    assert _order(rt, order.id).refund_due


def test_done_on_a_cancelled_order_says_so(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    order = order_factory(status=st.CANCELLED)
    assert texter.ask(f"DONE {order.reference}") == f"{order.reference} is already cancelled."
    assert _order(rt, order.id).status == st.CANCELLED
    assert _events(rt, order.id) == []


@pytest.mark.parametrize(("status", "text", "expected"), [
    (st.DELIVERED, "OK {ref}", "{ref} is already delivered."),
    (st.CONFIRMED, "OK {ref}", "{ref} is already confirmed."),
    (st.PLACED, "READY {ref}", "{ref} is not confirmed yet. Send OK {ref} first."),
    (st.PLACED, "DONE {ref}", "{ref} is not confirmed yet. Send OK {ref} first."),
    (st.AWAITING_PAYMENT, "OK {ref}", "{ref} is not paid yet. You will get an SMS when it is paid."),
    (st.REJECTED, "NO {ref}", "{ref} is already rejected."),
])
def test_illegal_moves_get_a_clear_answer(texter: Texter, rt: Runtime, order_factory: Orders,
                                          status: str, text: str, expected: str) -> None:
    order = order_factory(status=status)
    ref = order.reference
    assert texter.ask(text.format(ref=ref)) == expected.format(ref=ref)
    assert _order(rt, order.id).status == status


def test_unknown_and_missing_references(texter: Texter, shop: Shop) -> None:
    assert texter.ask("OK ZZZZZ") == "No order ZZZZZ in your shop. Send ORDERS to see open orders."
    assert texter.ask("ok") == "Send OK and the order number, e.g. OK K7P2Q."


def test_another_shops_order_reads_as_unknown(texter: Texter, rt: Runtime, shop: Shop) -> None:
    other = make_shop(rt, "Duka la Juma", 2, [("+254744000303", "owner")], skus=("J-1",))
    order = make_order(rt, other)
    assert texter.ask(f"OK {order.reference}").startswith(f"No order {order.reference}")
    assert _order(rt, order.id).status == st.PLACED


@pytest.mark.parametrize("typed", ["ok  k7p2q", "Ok, K7P2Q.", "OK: k7p2q!", "OK:K7P2Q", " K7P2Q ok ",
                                   "ok #K7P2Q"])
def test_forgiving_spelling(texter: Texter, rt: Runtime, order_factory: Orders, typed: str) -> None:
    order = order_factory(reference="K7P2Q")
    assert texter.ask(typed).startswith("K7P2Q confirmed")
    assert _order(rt, order.id).status == st.CONFIRMED


def test_lookalike_characters_in_references(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    from gateway.commerce.references import canonical_reference

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    assert canonical_reference("k0l2i", alphabet) == "K0L2I"  # nothing to map it to: left as typed
    assert canonical_reference("kol2i", "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") == "K0L21"
    assert canonical_reference("K0I2Q", "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456789") == "KOI2Q"
    order = order_factory(reference=canonical_reference("HX0Q1"))
    assert texter.ask(f"OK {order.reference.lower()}").endswith("when it is ready.")


def test_staff_number_works_and_is_the_actor(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    order = order_factory()
    texter.ask(f"OK {order.reference}", phone=STAFF)
    assert _events(rt, order.id)[0][2] == STAFF


def test_number_running_two_shops_reaches_both(texter: Texter, rt: Runtime, shop: Shop,
                                               order_factory: Orders) -> None:
    second = make_shop(rt, "Mama Njeri Kiosk", 3, [(OWNER, "owner")], skus=("K-1",))
    mine_here, mine_there = order_factory(), make_order(rt, second)
    texter.ask(f"OK {mine_here.reference}")
    texter.ask(f"OK {mine_there.reference}")
    assert _order(rt, mine_there.id).status == st.CONFIRMED
    assert _order(rt, mine_here.id).status == st.CONFIRMED


def test_spanish_keywords_answer_in_spanish(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    order = order_factory(language="es")
    ref = order.reference
    assert texter.ask(f"sí {ref}") == (
        f"{ref} confirmado, cliente avisado. Envia LISTO {ref} cuando esté listo.")
    assert texter.texts_to(CUSTOMER, "order_confirmed")[0].startswith(
        "Bodega: Mama Njeri Groceries confirmo tu pedido")  # transliterated to GSM-7
    assert texter.ask(f"LISTO {ref}").startswith(f"{ref} listo, cliente avisado.")
    assert texter.texts_to(CUSTOMER, "order_ready")[0].startswith(f"Bodega: tu pedido {ref} de Mama")
    assert texter.ask(f"entregado {ref}") == f"{ref} entregado. ¡Gracias!"
    assert texter.ask("PEDIDOS") == "No hay pedidos abiertos."
    other = order_factory()  # an ambiguous keyword (OK) keeps the language the owner last used
    assert texter.ask(f"OK {other.reference}").startswith(f"{other.reference} confirmado")


def test_swahili_keywords_answer_in_swahili(texter: Texter, rt: Runtime, order_factory: Orders) -> None:
    order = order_factory(language="sw")
    ref = order.reference
    assert texter.ask(f"NDIO {ref}") == (
        f"{ref} imethibitishwa, mteja amearifiwa. Tuma TAYARI {ref} ikiwa tayari.")
    assert "imethibitisha oda yako" in texter.texts_to(CUSTOMER, "order_confirmed")[0]
    assert texter.ask(f"tayari {ref}").startswith(f"{ref} iko tayari, mteja amearifiwa.")
    second = order_factory()
    assert texter.ask(f"HAPANA {second.reference} hatuna nyanya") == (
        f"{second.reference} imekataliwa, bidhaa zimerudishwa, mteja amearifiwa.")
    assert "hatuna nyanya" in texter.texts_to(CUSTOMER, "order_rejected")[0]
    assert texter.ask("ODA").startswith("Oda zilizo wazi (1):")
    assert texter.ask(f"IMEFIKA {ref}") == f"{ref} imefikishwa. Asante!"
    assert texter.ask("MSAADA").startswith("Duka kwa SMS: NDIO ref")


def test_orders_lists_open_orders_within_one_sms(texter: Texter, order_factory: Orders) -> None:
    made = [order_factory(status=st.PLACED) for _ in range(9)]
    order_factory(status=st.DELIVERED)
    reply = texter.ask("orders")
    assert reply.startswith("Open orders (9):")
    assert made[0].reference in reply and "more" in reply
    assert len(reply) <= 160


def test_help_and_unknown_words(texter: Texter, shop: Shop) -> None:
    help_text = texter.ask("HELP")
    assert "OK ref" in help_text and "STOCK sku qty" in help_text and len(help_text) <= 160
    assert texter.ask("help stock") == "Send: STOCK SKU 12"
    assert texter.ask("banana 5") == "Sorry, BANANA is not a command. Send HELP for the list."
    # five letters, but with an O no reference holds: a word, not "No order HELLO in your shop"
    assert texter.ask("hello") == "Sorry, HELLO is not a command. Send HELP for the list."
    assert "OK ref" in texter.ask("   ")


def test_owner_language_follows_for_new_order_texts(texter: Texter, rt: Runtime, shop: Shop) -> None:
    from gateway.commerce import notices

    texter.ask("MSAADA")
    order = make_order(rt, shop)
    with rt.sessions() as db:
        loaded = db.get(Order, order.id)
        assert loaded is not None
        notices.shop_new_order(db, loaded)
        db.commit()
    owner_text = texter.texts_to(OWNER, "shop_new_order")
    staff_text = texter.texts_to(STAFF, "shop_new_order")
    assert owner_text and staff_text and owner_text[0] != staff_text[0]
    assert staff_text[0].startswith(f"New order {order.reference}")


def test_an_order_of_several_items_texts_each_shop_number_once(texter: Texter, rt: Runtime,
                                                               shop: Shop) -> None:
    """Confirm reads the cart and the shop's numbers in one query (a row per item and number):
    every item is ordered once and every number, and the customer, is texted once."""
    with rt.sessions() as db:
        customer = find_or_create_customer(db, CUSTOMER, ["en"])
        products = db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.id)).all()
        for qty, product in enumerate(products[:3], start=1):
            add_to_cart(db, customer.id, product.id, qty)
        order = place_order(db, customer.id, "ATUid_several", "pickup", None, "cash")
        assert [(line.product_id, line.qty) for line in order.lines] == [(p.id, n) for n, p in
                                                                          enumerate(products[:3], start=1)]
        assert order.total_minor == sum(n * p.price_minor for n, p in enumerate(products[:3], start=1))
        db.commit()
    for number in (OWNER, STAFF):
        (text,) = texter.texts_to(number, "shop_new_order")
        items = "1x Tomatoes 1kg, 2x Onions 1kg, 3x Cabbage"
        assert text.startswith(f"New order {order.reference}: {items}"), text
    assert len(texter.texts_to(CUSTOMER, "order_placed")) == 1
