"""One order by SMS: its shop texts the reference (alone or after ORDERS/PEDIDOS/ODA) and gets every
item, the total, the payment, where it goes and the customer's full number, never cut. A new-order
text too long for one SMS says how to get the rest. Other shops and strangers get nothing of it."""

from __future__ import annotations

from sqlalchemy import select

from gateway.commerce.carts import add_to_cart
from gateway.commerce.models import Category, Customer, Order, OrderLine, OutboundSms, Product, Shop
from gateway.core.runtime import Runtime
from menus.text import is_gsm7
from tests.sms.conftest import CUSTOMER, OWNER, STAFF, Texter, make_order, make_shop

OTHER_OWNER = "+254722000909"


def _big_order(rt: Runtime, shop: Shop, lines: int = 9) -> Order:
    """An order of ``lines`` different long-named products (the new-order text cannot list them all)."""
    with rt.sessions() as db:
        category = db.scalar(select(Category).where(Category.shop_id == shop.id))
        assert category is not None
        for index in range(lines - 1):
            db.add(Product(shop_id=shop.id, category_id=category.id, sku=f"B-{index}",
                           name=f"Bar soap 800g no{index}", price_minor=9500, currency="KES", stock=50))
        db.commit()
    with rt.sessions() as db:
        customer = Customer(phone="+254711000333", language="en")
        db.add(customer)
        db.flush()
        for product in db.scalars(select(Product).where(Product.shop_id == shop.id,
                                                        Product.sku.like("B-%"))):
            add_to_cart(db, customer.id, product.id, 2)
        db.commit()
    return make_order(rt, shop, qty=1, customer_phone="+254711000333")


def test_the_reference_alone_gets_the_whole_order(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=3)
    ref = order.reference
    expected = (f"Order {ref} (placed): 3x Tomatoes 1kg KSh 300. Total KSh 300. Payment: cash, not paid yet. "
                f"Deliver to Opposite Total petrol station. Customer {CUSTOMER}")
    assert texter.ask(ref) == expected
    assert texter.ask(f"orders {ref.lower()}", phone=STAFF) == expected


def test_orders_keyword_in_spanish_and_swahili(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=1, fulfilment="pickup")
    es = texter.ask(f"PEDIDOS {order.reference}")
    assert es.startswith(f"Pedido {order.reference} (") and CUSTOMER in es and "Recoge en tienda" in es
    sw = texter.ask(f"ODA {order.reference}")
    assert sw.startswith(f"Oda {order.reference} (") and CUSTOMER in sw and "Jumla KSh 100" in sw


def test_a_long_order_is_never_cut(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = _big_order(rt, shop)
    new_order = texter.texts_to(OWNER, "shop_new_order")[-1]
    assert len(new_order) <= 160
    assert f"more: text {order.reference}" in new_order
    assert ".." not in new_order  # whole items only: the rest are counted, not clipped
    slip = texter.ask(order.reference)
    with rt.sessions() as db:
        lines = db.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
        assert len(lines) == 9
        for line in lines:
            assert f"{line.qty}x {line.name}" in slip
        assert slip.endswith("Customer +254711000333") and is_gsm7(slip)
        row = db.scalar(select(OutboundSms).where(OutboundSms.body == slip))
        assert row is not None and row.segments > 1


def test_another_shop_and_strangers_get_nothing_of_it(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=1)
    make_shop(rt, "Duka la Juma", 2, [(OTHER_OWNER, "owner")], skus=("S2-001",))
    reply = texter.ask(order.reference, phone=OTHER_OWNER)
    assert reply == f"No order {order.reference} in your shop. Send ORDERS to see open orders."
    stranger = texter.ask(order.reference, phone="+254799000555")
    assert CUSTOMER not in stranger and order.reference not in stranger
    assert texter.ask("ZZZZZ") == "No order ZZZZZ in your shop. Send ORDERS to see open orders."


def test_a_paid_mpesa_order_says_so(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=1, payment_method="mpesa", status="paid")
    assert "Payment: M-Pesa, PAID." in texter.ask(order.reference)
