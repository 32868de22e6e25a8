"""My orders: the list, one order's details, cancelling (stock goes back) and paying again."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from gateway.commerce import order_states
from gateway.commerce.models import OrderEvent, OutboundSms, Payment
from gateway.core.runtime import Runtime
from tests.conftest import Dialer
from tests.menus.conftest import (
    AGAIN_TO_AVOCADO,
    CASH,
    CHECKOUT,
    MPESA,
    ORDERS,
    REFERENCE,
    TO_AVOCADO,
    all_orders,
    product_named,
    records,
)

SHOP_OWNER = "+254722000101"  # Mama Njeri Groceries in the demo catalog


def place(dialer: Dialer, qty: str, method: tuple[str, ...], returning: bool = False) -> str:
    """A whole dial that orders ``qty`` avocados for pick-up; returns the order reference.
    A ``returning`` customer's first screen opens with Order again, so the shops start at 2."""
    final = dialer.walk(*(AGAIN_TO_AVOCADO if returning else TO_AVOCADO), qty, CHECKOUT, *method, "1")
    found = re.search(rf"Order ({REFERENCE})", final)
    assert found, final
    return found.group(1)


def test_list_and_details_show_newest_first(dialer: Dialer, demo_catalog: None) -> None:
    first = place(dialer, "2", CASH)
    second = place(dialer, "1", MPESA, returning=True)
    listing = dialer.walk(ORDERS)
    assert listing.splitlines()[1:4] == [f"1. {second} awaiting payment KSh 25",
                                         f"2. {first} placed KSh 50", "0 Back"]
    detail = dialer.dial("2")
    assert detail.splitlines() == [f"CON Order {first}: placed", "2x Avocado", "Total KSh 50",
                                   "Pick up at the shop", "1. Cancel order", "0 Back"]
    assert "Choose 1 to 1." in dialer.dial("4")
    assert "My orders" in dialer.dial("0")


def test_no_orders_yet(dialer: Dialer) -> None:
    assert "You have no orders yet." in dialer.walk(ORDERS)


def test_cancel_puts_stock_back(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    ref = place(dialer, "4", CASH)
    with records(rt) as db:
        assert product_named(db, "Avocado").stock == 56
    confirm = dialer.walk(ORDERS, "1", "1")
    assert f"Cancel order {ref} (KSh 100)?" in confirm
    final = dialer.dial("1")
    assert final == f"END Order {ref} is cancelled."
    with records(rt) as db:
        (order,) = all_orders(db)
        assert order.status == "cancelled"
        assert product_named(db, "Avocado").stock == 60
        event = db.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                           .order_by(OrderEvent.id.desc())).first()
        assert event is not None and (event.to_status, event.channel) == ("cancelled", "ussd")
    detail = dialer.walk(ORDERS, "1")
    assert "cancelled" in detail and "Cancel order" not in detail


def texts_about(rt: Runtime, purpose: str) -> list[tuple[str, str]]:
    with records(rt) as db:
        return [(sms.to_phone, sms.body) for sms in db.scalars(
            select(OutboundSms).where(OutboundSms.purpose == purpose).order_by(OutboundSms.id))]


def test_cancel_tells_the_shop_that_was_sent_the_order_and_the_customer(
        dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    ref = place(dialer, "2", CASH)
    assert [phone for phone, _ in texts_about(rt, "shop_new_order")] == [SHOP_OWNER]
    dialer.walk(ORDERS, "1", "1")
    dialer.dial("1")
    assert texts_about(rt, "shop_order_cancelled") == [
        (SHOP_OWNER, f"Order {ref} was cancelled by the customer. Do not prepare it.")]
    assert texts_about(rt, "order_cancelled") == [
        (dialer.phone, f"Bodega: your order {ref} at Mama Njeri Groceries is cancelled.")]


def test_an_unpaid_mobile_money_order_never_reached_the_shop_so_only_the_customer_hears(
        dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    ref = place(dialer, "1", MPESA)
    dialer.walk(ORDERS, "1", "1")
    dialer.dial("1")
    assert texts_about(rt, "shop_order_cancelled") == []
    assert [body for _, body in texts_about(rt, "order_cancelled")] == [
        f"Bodega: your order {ref} at Mama Njeri Groceries is cancelled."]


def test_cancel_refused_once_the_shop_confirmed(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    place(dialer, "1", CASH)
    dialer.walk(ORDERS, "1", "1")  # the confirm-cancel screen is showing
    with records(rt) as db:
        (order,) = all_orders(db)
        order_states.transition(db, order, order_states.CONFIRMED, "+254722000101", "sms")
        db.commit()
    final = dialer.dial("1")
    assert final.startswith("END Order") and "can no longer be cancelled: it is confirmed" in final
    with records(rt) as db:
        assert product_named(db, "Avocado").stock == 59


def test_pay_now_after_a_failed_payment(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    ref = place(dialer, "2", MPESA)
    with records(rt) as db:
        (order,) = all_orders(db)
        payment = db.scalar(select(Payment).where(Payment.order_id == order.id))
        assert payment is not None
        payment.status = "failed"
        order_states.transition(db, order, order_states.PAYMENT_FAILED, "system", "payment")
        db.commit()
    detail = dialer.walk(ORDERS, "1")
    assert f"Order {ref}: payment failed" in detail
    assert "2. Pay now" in detail
    assert f"Pay KSh 50 for order {ref} with M-Pesa?" in dialer.dial("2")
    final = dialer.dial("1")
    assert final == f"END Order {ref}: approve KSh 50 on the M-Pesa prompt."
    with records(rt) as db:
        (order,) = all_orders(db)
        assert order.status == "awaiting_payment"
        count = db.scalar(select(func.count()).select_from(Payment).where(Payment.order_id == order.id))
        assert count == 2
    again = dialer.walk(ORDERS, "1", "2", "1")  # a second ask while that prompt is live sends nothing
    assert again.startswith(f"END A payment prompt for order {ref} is on its way")
    with records(rt) as db:
        assert db.scalar(select(func.count()).select_from(Payment)) == 2


def test_a_fetched_pickup_order_reads_collected(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    ref = place(dialer, "1", CASH)
    with records(rt) as db:
        (order,) = all_orders(db)
        order.status = order_states.DELIVERED
        db.commit()
    listing = dialer.walk(ORDERS)
    assert f"1. {ref} collected KSh 25" in listing.splitlines()
    assert dialer.dial("1").splitlines()[0] == f"CON Order {ref}: collected"
