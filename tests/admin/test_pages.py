"""The console as an admin and as shop staff uses it: dials, transcripts, orders, roles."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.models import Order, OrderEvent, OutboundSms, UssdSession
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from tests.admin.conftest import create_user, form_token, place_order, shop_number, sign_in
from tests.conftest import waiting_jobs


def dial_rows(html: str) -> list[str]:
    return re.findall(r'<td class="mono">(\+[^<]+)</td>', html)


def test_dials_are_listed_masked_and_filtered(boss: FlaskClient, record_dials: Callable[..., str]) -> None:
    record_dials("+254711000441", ("1", "1"), "Success")
    record_dials("+254722000552", ("1",), "Incomplete")
    record_dials("+254733000663", (), None)
    html = boss.get("/admin/dials").get_data(as_text=True)
    assert dial_rows(html) == ["+2547****663", "+2547****552", "+2547****441"]  # newest first
    assert "+254711000441" not in html
    assert dial_rows(boss.get("/admin/dials?phone=441").get_data(as_text=True)) == ["+2547****441"]
    assert dial_rows(boss.get("/admin/dials?outcome=Incomplete").get_data(as_text=True)) == ["+2547****552"]
    assert dial_rows(boss.get("/admin/dials?outcome=open").get_data(as_text=True)) == ["+2547****663"]
    assert dial_rows(boss.get("/admin/dials?day=2001-01-01").get_data(as_text=True)) == []
    bad = boss.get("/admin/dials?day=yesterday").get_data(as_text=True)
    assert "is not YYYY-MM-DD" in bad


def test_dials_filter_by_shop(boss: FlaskClient, rt: Runtime, record_dials: Callable[..., str]) -> None:
    record_dials("+254711000441", ("1", "1"), "Success")  # into the first shop
    record_dials("+254722000552", ("2",), "Success")  # into the second
    with session_scope(rt.sessions) as db:
        shops = {s.phone: s.shop_id for s in db.scalars(select(UssdSession))}
    first = shops["+254711000441"]
    assert first is not None and first != shops["+254722000552"]
    assert dial_rows(boss.get(f"/admin/dials?shop={first}").get_data(as_text=True)) == ["+2547****441"]


def test_dials_paginate(boss: FlaskClient, rt: Runtime) -> None:
    from gateway.ussd.session_log import write_hops

    with session_scope(rt.sessions) as db:
        write_hops(
            db,
            [
                {
                    "sid": f"ATUid_{n}",
                    "seq": "1",
                    "phone": f"+2547110{n:05d}",
                    "screen": "home",
                    "input": "",
                    "reply": "Welcome",
                    "ms": "3.0",
                    "at": str(1_700_000_000 + n),
                }
                for n in range(30)
            ],
        )
    first = boss.get("/admin/dials").get_data(as_text=True)
    assert len(dial_rows(first)) == 25 and "Older" in first
    second = boss.get("/admin/dials?page=2").get_data(as_text=True)
    assert len(dial_rows(second)) == 5 and "Newer" in second


def test_transcript_shows_each_screen_typed_input_time_and_cost(
    boss: FlaskClient, rt: Runtime, record_dials: Callable[..., str]
) -> None:
    session_id = record_dials("+254711000441", ("1", "1"), "Success", cost="KES 0.30")
    with session_scope(rt.sessions) as db:
        dial = db.scalar(select(UssdSession).where(UssdSession.session_id == session_id))
        assert dial is not None
        dial_id = dial.id
    html = boss.get(f"/admin/dials/{dial_id}").get_data(as_text=True)
    assert html.count('<pre class="screen">') == 3
    assert "1. Mama Njeri Groceries" in html and "Vegetables" in html and "Avocado" in html
    assert html.count("<kbd>1</kbd>") == 2
    assert "KES 0.30" in html and "Success" in html
    assert re.search(r"\d+\.\d ms", html)
    assert "+2547****441" in html and "+254711000441" not in html


def test_staff_see_only_their_shop(app: Flask, client: FlaskClient, rt: Runtime, demo_catalog: None) -> None:
    own = place_order(rt, 0, "+254711000441", reference="OWNAAA")
    other = place_order(rt, 1, "+254722000552", reference="OTHERB")
    create_user(app, "kim", "--role", "staff", "--shop", str(shop_number(rt, "Njeri")))
    sign_in(client, "kim")
    listing = client.get("/admin/orders").get_data(as_text=True)
    assert "OWNAAA" in listing and "OTHERB" not in listing
    assert "1 waiting" in listing  # their own placed order, not the other shop's
    assert "OTHERB" not in client.get("/admin/orders?shop=2").get_data(as_text=True)
    assert client.get(f"/admin/orders/{own}").status_code == 200
    assert client.get(f"/admin/orders/{other}").status_code == 404
    token = form_token(client, f"/admin/orders/{own}")
    moved = client.post(f"/admin/orders/{other}/status", data={"to": "confirmed", "csrf_token": token})
    assert moved.status_code == 404
    for admin_page in ("/admin/", "/admin/dials", "/admin/payments", "/admin/sms", "/admin/import"):
        assert client.get(admin_page).status_code == 403, admin_page
    with session_scope(rt.sessions) as db:
        assert db.get(Order, other).status == "placed"  # type: ignore[union-attr]


def test_confirm_and_reject_through_the_state_machine(boss: FlaskClient, rt: Runtime) -> None:
    order_id = place_order(rt, 0, "+254711000441")
    page = boss.get(f"/admin/orders/{order_id}").get_data(as_text=True)
    assert ">Confirm<" in page and ">Reject<" in page and ">Done<" not in page
    token = form_token(boss, f"/admin/orders/{order_id}")
    boss.post(f"/admin/orders/{order_id}/status", data={"to": "confirmed", "csrf_token": token})
    boss.post(f"/admin/orders/{order_id}/status", data={"to": "ready", "csrf_token": token})
    again = boss.post(
        f"/admin/orders/{order_id}/status",
        data={"to": "confirmed", "csrf_token": token},
        follow_redirects=True,
    )
    assert "already ready" in again.get_data(as_text=True)
    with session_scope(rt.sessions) as db:
        events = list(
            db.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
        )
        assert [(e.to_status, e.actor, e.channel) for e in events[1:]] == [
            ("confirmed", "admin:boss", "admin"),
            ("ready", "admin:boss", "admin"),
        ]
        texts = [m.purpose for m in db.scalars(select(OutboundSms).where(OutboundSms.order_id == order_id))]
        assert texts == ["order_confirmed", "order_ready"]  # the customer heard both, as by SMS
    timeline = boss.get(f"/admin/orders/{order_id}").get_data(as_text=True)
    assert "admin:boss" in timeline and "+2547****441" in timeline


def test_orders_filter_by_status_and_shop(boss: FlaskClient, rt: Runtime) -> None:
    place_order(rt, 0, "+254711000441", reference="PLACED1")
    place_order(rt, 1, "+254711000441", status="paid", reference="PAID1")
    by_status = boss.get("/admin/orders?status=paid").get_data(as_text=True)
    assert "PAID1" in by_status and "PLACED1" not in by_status
    with session_scope(rt.sessions) as db:
        shop_id = db.scalar(select(Order.shop_id).where(Order.reference == "PLACED1"))
    by_shop = boss.get(f"/admin/orders?shop={shop_id}").get_data(as_text=True)
    assert "PLACED1" in by_shop and "PAID1" not in by_shop


def test_dashboard_counts_funnel_drop_off_and_latency(
    boss: FlaskClient, rt: Runtime, record_dials: Callable[..., str]
) -> None:
    record_dials("+254711000441", ("1", "1"), "Incomplete")
    record_dials("+254722000552", (), "Incomplete")
    place_order(rt, 0, "+254711000441", status="confirmed")
    html = boss.get("/admin/").get_data(as_text=True)
    assert html.count("<svg") == 3
    tiles = re.findall(r"<dt>(Dials|Orders)</dt><dd>(\d+)</dd>", html)
    assert tiles[:2] == [("Dials", "2"), ("Orders", "1")]
    assert "shop.products" in html and "home" in html  # where the two dials died
    assert re.search(r"p95</dt><dd>\d+\.\d ms", html)
    assert "KSh" in html


def test_staff_edit_only_their_shops_products(
    app: Flask, client: FlaskClient, rt: Runtime, demo_catalog: None
) -> None:
    from gateway.commerce.models import Product, Shop

    create_user(app, "kim", "--role", "staff", "--shop", str(shop_number(rt, "Njeri")))
    with session_scope(rt.sessions) as db:
        own_shop = db.scalar(select(Shop.id).where(Shop.name.like("%Njeri%")))
        own = db.scalar(select(Product.id).where(Product.shop_id == own_shop).order_by(Product.id))
        other = db.scalar(select(Product.id).where(Product.shop_id != own_shop).order_by(Product.id))
        other_name = db.get(Product, other).name  # type: ignore[union-attr]
    sign_in(client, "kim")
    listing = client.get("/admin/products?shop=2&q=").get_data(as_text=True)
    assert other_name not in listing
    assert client.get(f"/admin/products/{own}").status_code == 200
    assert client.get(f"/admin/products/{other}").status_code == 404
    token = form_token(client, f"/admin/products/{own}")
    hidden = client.post(f"/admin/products/{other}/visible", data={"csrf_token": token, "visible": "0"})
    assert hidden.status_code == 404
    with session_scope(rt.sessions) as db:
        assert db.get(Product, other).active is True  # type: ignore[union-attr]


def test_reject_with_a_reason_tells_the_customer_and_returns_stock(boss: FlaskClient, rt: Runtime) -> None:
    from gateway.commerce.models import OrderLine, Product

    order_id = place_order(rt, 0, "+254711000441", status="paid")
    with session_scope(rt.sessions) as db:
        line = db.scalar(select(OrderLine).where(OrderLine.order_id == order_id))
        assert line is not None
        product_id, stock_before = line.product_id, db.get(Product, line.product_id).stock  # type: ignore[union-attr]
    token = form_token(boss, f"/admin/orders/{order_id}")
    boss.post(
        f"/admin/orders/{order_id}/status", data={"to": "rejected", "note": "out of gas", "csrf_token": token}
    )
    with session_scope(rt.sessions) as db:
        order = db.get(Order, order_id)
        assert order is not None and (order.status, order.refund_due, order.note) == (
            "rejected",
            True,
            "out of gas",
        )
        assert db.get(Product, product_id).stock == stock_before + 2  # type: ignore[union-attr]
        sms = db.scalar(select(OutboundSms).where(OutboundSms.order_id == order_id))
        assert sms is not None and sms.purpose == "order_rejected" and "out of gas" in sms.body
    assert [name for name, _ in waiting_jobs(rt)] == ["gateway.jobs.send_sms"]


def test_the_shop_hears_what_the_console_decided(boss: FlaskClient, rt: Runtime) -> None:
    """A shop number that was sent the order is told when the console confirms or rejects it, in
    that number's language; the customer hears the same news as when the shop answers by SMS."""
    from gateway.commerce import shop_notices
    from gateway.core.transactions import unit_of_work

    confirmed, rejected = place_order(rt, 0, "+254711000441"), place_order(rt, 0, "+254711000442")
    with unit_of_work(rt) as db:
        for order_id in (confirmed, rejected):
            order = db.get(Order, order_id)
            assert order is not None
            order.shop.contacts[0].language = "sw"
            shop_notices.shop_new_order(db, order)
        owner = order.shop.contacts[0].phone
    for order_id, target in ((confirmed, "confirmed"), (rejected, "rejected")):
        token = form_token(boss, f"/admin/orders/{order_id}")
        boss.post(f"/admin/orders/{order_id}/status", data={"to": target, "csrf_token": token})
    with session_scope(rt.sessions) as db:
        told = {(m.order_id, m.purpose, m.to_phone): m.body for m in db.scalars(select(OutboundSms))}
    assert told[(confirmed, "order_confirmed", "+254711000441")]
    assert told[(rejected, "order_rejected", "+254711000442")]
    assert "imethibitishwa" in told[(confirmed, "shop_console_move", owner)]
    assert "Usiiandae" in told[(rejected, "shop_console_move", owner)]
