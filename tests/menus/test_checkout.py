"""A customer checks out on the keypad: pick-up or delivery, cash or M-Pesa, one order per dial."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from gateway.commerce.models import OrderEvent, OutboundSms, Payment, Product, UssdSession
from gateway.core.runtime import Runtime
from gateway.ussd import session_log
from tests.conftest import DEMO_CSV, Dialer, run_jobs
from tests.menus.conftest import (
    CASH,
    CHECKOUT,
    DELIVERY,
    HELP,
    REFERENCE,
    TO_AVOCADO,
    all_orders,
    product_named,
    records,
)


def test_cash_pickup_order_is_placed_and_stock_reserved(dialer: Dialer, rt: Runtime,
                                                        demo_catalog: None) -> None:
    added = dialer.walk(*TO_AVOCADO, "2")
    assert "Added 2 x Avocado." in added
    first = dialer.dial(CHECKOUT)  # a first order opens the summary with the first options offered
    assert "Pick up at the shop\nPayment: M-Pesa\n1. Confirm\n2. Change delivery\n3. Change payment" in first
    assert "How will you pay?" in dialer.dial("3")
    summary = dialer.dial("2")  # cash, back on the summary
    assert "2 item(s) from Mama Njeri Groceries" in summary
    assert "Total KSh 50" in summary
    assert "Pick up at the shop" in summary
    assert "Payment: Pay at pickup" in summary
    final = dialer.dial("1")
    match = re.fullmatch(rf"END Order ({REFERENCE}) placed\. Total KSh 50, pay at pickup\..*", final, re.S)
    assert match, final
    with records(rt) as db:
        (order,) = all_orders(db)
        assert order.reference == match.group(1)
        assert (order.status, order.payment_method, order.fulfilment) == ("placed", "cash", "pickup")
        assert order.total_minor == 5000 and order.currency == "KES"
        lines = [(line.name, line.qty, line.unit_price_minor) for line in order.lines]
        assert lines == [("Avocado", 2, 2500)]
        assert product_named(db, "Avocado").stock == 58
        event = db.scalar(select(OrderEvent).where(OrderEvent.order_id == order.id))
        assert event is not None and (event.from_status, event.to_status) == (None, "placed")
        sms = db.scalar(select(OutboundSms).where(OutboundSms.order_id == order.id,
                                                  OutboundSms.purpose == "order_placed"))
        assert sms is not None and order.reference in sms.body and "pay at pickup" in sms.body
        assert db.scalar(select(Payment).where(Payment.order_id == order.id)) is None
    home = dialer.dial()
    assert "My cart\n" in home  # the cart was emptied by the order


def test_mpesa_delivery_order_asks_for_the_prompt(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "3", CHECKOUT, *DELIVERY)
    bad = dialer.dial("98")
    assert bad.startswith("CON Type 3 to 40 letters")  # a landmark needs words
    summary = dialer.dial("Opposite  Kibera market gate")  # back on the summary
    assert "Delivery: Opposite Kibera market gate" in summary
    assert "Payment: M-Pesa" in summary
    final = dialer.dial("1")
    assert re.fullmatch(rf"END Order {REFERENCE}: approve KSh 75 on the M-Pesa prompt\.", final), final
    with records(rt) as db:
        (order,) = all_orders(db)
        assert (order.status, order.fulfilment, order.landmark) == (
            "awaiting_payment", "delivery", "Opposite Kibera market gate")
        assert order.expires_at is not None
        payment = db.scalar(select(Payment).where(Payment.order_id == order.id))
        assert payment is not None
        assert (payment.provider, payment.status, payment.amount_minor, payment.phone) == (
            "mpesa", "queued", 7500, "+254711000111")
    assert rt.queue.count + len(rt.queue.scheduled_job_registry) >= 1  # the prompt's job is waiting


def test_replayed_confirm_makes_one_order(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "1", CHECKOUT, *CASH)
    final = dialer.dial("1")
    assert dialer.post() == final  # AT retries the last hop
    rt.redis.flushdb()  # and even with the dial's state lost, the retry is not a second order
    again = dialer.post()
    assert again.startswith(("CON ", "END "))
    with records(rt) as db:
        assert len(all_orders(db)) == 1
        assert product_named(db, "Avocado").stock == 59


def set_stock(rt: Runtime, name: str, stock: int) -> None:
    """Another buyer (or the shop) changes the stock while this customer is at the summary."""
    with records(rt) as db:
        db.execute(update(Product).where(Product.name == name).values(stock=stock))
        db.commit()


def test_stock_short_at_confirm_shows_what_is_left_and_opens_the_cart(dialer: Dialer, rt: Runtime,
                                                                      demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "3", CHECKOUT, *CASH)
    set_stock(rt, "Avocado", 2)
    short = dialer.dial("1")
    assert short == ("CON Sorry, only 2 Avocado left; your cart has 3.\n"
                     "Nothing was ordered; your cart is kept.\n1. Change my cart\n2. Home"), short
    with records(rt) as db:
        assert all_orders(db) == []
        assert product_named(db, "Avocado").stock == 2
    cart = dialer.dial("1")
    assert cart.startswith("CON My cart: KSh 75\n1. Avocado x3 KSh 75"), cart
    assert "New quantity (1-2)" in dialer.dial("1")
    assert "1. Avocado x2 KSh 50" in dialer.dial("2")
    summary = dialer.dial("0")  # back to the summary, the checkout answers kept
    assert "2 item(s) from Mama Njeri Groceries\nTotal KSh 50\nPick up at the shop" in summary, summary
    assert "Payment: Pay at pickup" in summary
    final = dialer.dial("1")
    placed = rf"END Order {REFERENCE} placed\. Total KSh 50, pay at pickup\..*"
    assert re.fullmatch(placed, final, re.S), final
    with records(rt) as db:
        (order,) = all_orders(db)
        assert [(line.name, line.qty) for line in order.lines] == [("Avocado", 2)]
        assert product_named(db, "Avocado").stock == 0


def test_sold_out_at_confirm_keeps_the_cart_and_goes_home(dialer: Dialer, rt: Runtime,
                                                          demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "3", CHECKOUT, *DELIVERY, "Kibera market gate")
    set_stock(rt, "Avocado", 0)
    short = dialer.dial("1")
    assert short.startswith("CON Sorry, Avocado is sold out.\nNothing was ordered; your cart is kept."), short
    assert "Choose 1 or 2." in dialer.dial("5")
    home = dialer.dial("2")
    assert "1. Mama Njeri Groceries" in home and "91 My cart (3)" in home, home
    with records(rt) as db:
        assert all_orders(db) == []
        assert db.scalar(select(Payment)) is None
        assert product_named(db, "Avocado").stock == 0


def test_a_hidden_product_reads_as_sold_out_at_confirm(dialer: Dialer, rt: Runtime,
                                                       demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "1", CHECKOUT, *CASH)
    with records(rt) as db:
        db.execute(update(Product).where(Product.name == "Avocado").values(active=False))
        db.commit()
    assert dialer.dial("1").startswith("CON Sorry, Avocado is sold out."), dialer.screen


def test_cash_label_follows_pickup_or_delivery(dialer: Dialer, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "1", CHECKOUT)
    assert "1. M-Pesa\n2. Pay at pickup" in dialer.dial("3")
    dialer.dial("0")
    dialer.dial(DELIVERY[0])
    dialer.dial(DELIVERY[1])
    dialer.dial("Kibera market gate")
    assert "1. M-Pesa\n2. Cash on delivery" in dialer.dial("3")
    summary = dialer.dial("2")
    assert "Payment: Cash on delivery" in summary
    assert ", pay on delivery." in dialer.dial("1")
    assert "Pay by M-Pesa, or cash on delivery or at pickup." in dialer.walk(HELP)


def test_back_steps_through_checkout_answers(dialer: Dialer, demo_catalog: None) -> None:
    summary = dialer.walk(*TO_AVOCADO, "1", CHECKOUT, *DELIVERY, "kwa Mama Mboga stall")
    assert "Delivery: kwa Mama Mboga stall\nPayment: M-Pesa" in summary
    assert "How will you pay?" in dialer.dial("3")
    assert dialer.dial("0") == summary  # 0 on a change screen: the summary, answers unchanged
    assert "How do you want your order?" in dialer.dial("2")
    assert "Choose 1 to 2." in dialer.dial("7")
    assert "Type a landmark" in dialer.dial("2")
    assert dialer.dial("0") == summary
    assert "Added 1 x Avocado." in dialer.dial("0")  # and 0 from the summary: the screen before it


def test_state_lost_at_confirm_replays_nothing_that_writes(dialer: Dialer, rt: Runtime,
                                                           demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "2", CHECKOUT, *CASH)
    rt.queue.enqueue("gateway.jobs.flush_session_log")
    run_jobs(rt)  # the dial is on record, so the gateway knows it lost its state
    for key in rt.redis.scan_iter("ussd:v1:at:*"):
        rt.redis.delete(key)
    reply = dialer.dial("1")  # Confirm, arriving with no state for the dial
    assert reply == "CON Avocado - KSh 25\n2 in your cart. How many more? (1-8)"  # last that writes
    with records(rt) as db:
        assert all_orders(db) == []  # the replay stopped before any screen that writes
        assert product_named(db, "Avocado").stock == 60
    assert "My cart (2)" in dialer.dial()  # and the cart was not added to twice


def test_m_pesa_is_offered_only_to_numbers_it_can_charge(client: FlaskClient, demo_catalog: None) -> None:
    kenyan, nigerian = Dialer(client, phone="+254711000111"), Dialer(client, phone="+2348051112222")
    for handset in (kenyan, nigerian):
        handset.walk(*TO_AVOCADO, "1")
    assert "Payment: M-Pesa" in kenyan.dial(CHECKOUT)
    assert "1. M-Pesa\n2. Pay at pickup" in kenyan.dial("3")
    summary = nigerian.dial(CHECKOUT)  # one method left: not asked, said on the summary
    assert "M-Pesa" not in summary and "Payment: Pay at pickup" in summary
    assert "3. Change payment" not in summary and "2. Change delivery" in summary
    assert "Choose a number from the list." in nigerian.dial("3")  # 3 is not offered to them


def test_a_summary_with_nothing_to_change_names_its_two_keys(make_app: Callable[..., Flask]) -> None:
    app = make_app(PAYMENT_METHODS=("cash",))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["catalog", "import", str(DEMO_CSV)]).exit_code == 0
    assert runner.invoke(args=["shop", "set", "1", "--no-delivery"]).exit_code == 0
    handset = Dialer(app.test_client())
    handset.walk(*TO_AVOCADO, "1")
    summary = handset.dial(CHECKOUT)  # pick-up only, cash only: no question to change
    assert "Payment: Pay at pickup" in summary and "\n1. Confirm\n0 Back" in summary
    assert "2. " not in summary and "3. " not in summary
    wrong = handset.dial("3")
    assert wrong.startswith("CON Press 1 to confirm or 0 to go back.\n") and "1. Confirm" in wrong
    assert "Order " in handset.dial("1")  # the summary under the message still confirms


def test_no_method_left_for_a_number_says_so(make_app: Callable[..., Flask]) -> None:
    app = make_app(PAYMENT_METHODS=("mpesa",))
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)]).exit_code == 0
    handset = Dialer(app.test_client(), phone="+2348051112222")
    handset.walk(*TO_AVOCADO, "1")
    reply = handset.dial(CHECKOUT)
    assert reply.startswith("CON ") and "no way to pay here works with your number" in reply
    assert "no way to pay" in handset.dial("1")


def test_a_placed_order_is_the_dial_s_furthest_step(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk(*TO_AVOCADO, "1", CHECKOUT, *CASH, "1")
    session_log.drain(rt.redis, rt.sessions)
    with records(rt) as db:
        assert db.scalar(select(UssdSession.furthest_step)) == "order"


def test_confirm_after_another_dial_changed_the_cart_shows_the_new_total(client: FlaskClient, rt: Runtime,
                                                                          demo_catalog: None) -> None:
    first, second = Dialer(client), Dialer(client)
    summary = first.walk(*TO_AVOCADO, "1", CHECKOUT, *CASH)
    assert "Total KSh 25" in summary
    second.walk(*TO_AVOCADO, "3")  # the same phone, in another dial, adds three more
    changed = first.dial("1")
    assert changed.startswith("CON Your cart changed. Check the new total and confirm again.")
    assert "Total KSh 100" in changed
    with records(rt) as db:
        assert all_orders(db) == []
    assert "Total KSh 100" in first.dial("1")  # confirmed what was shown this time
