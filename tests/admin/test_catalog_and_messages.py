"""Catalog upload (the CLI's validation), product edits, SMS requeue and payments in the console."""

from __future__ import annotations

import io
import json

from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.admin.views_money import pretty
from gateway.commerce.models import AuditEntry, Order, OutboundSms, Payment, PaymentCallback, Product, Shop
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from tests.admin.conftest import form_token, place_order

HEADER = "shop,owner_phone,category,sku,name,price,stock,currency\n"


def upload(client: FlaskClient, text: str, name: str = "shops.csv"):  # type: ignore[no-untyped-def]
    token = form_token(client, "/admin/import")
    return client.post(
        "/admin/import",
        data={"csrf_token": token, "catalog": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def product_count(rt: Runtime) -> int:
    with session_scope(rt.sessions) as db:
        return db.scalar(select(func.count()).select_from(Product)) or 0


def test_csv_with_bad_lines_is_refused_whole_listing_every_line(boss: FlaskClient, rt: Runtime) -> None:
    before = product_count(rt)
    text = (
        HEADER + "Duka Jipya,+254700111222,Drinks,DJ-1,Chai,50,10,KES\n"
        "Duka Jipya,+254700111222,Drinks,DJ-2,Kahawa,abc,10,KES\n"
        "Duka Jipya,not-a-phone,Drinks,DJ-3,Maji,20,-4,KES\n"
    )
    response = upload(boss, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "line 3: not a price" in html
    assert "line 4: stock" in html and "line 4: owner_phone" in html
    assert "nothing imported" in html
    assert product_count(rt) == before


def test_csv_import_upserts_like_the_cli(boss: FlaskClient, rt: Runtime) -> None:
    before = product_count(rt)
    text = (
        HEADER
        + "Duka Jipya,+254700111222,Drinks,DJ-1,Chai,50,10,KES\n"
        + "Duka Jipya,+254700111222,Drinks,DJ-2,Soda,60.50,3,\n"
    )
    response = upload(boss, text)
    assert response.status_code == 200
    assert "1 new shops, 2 new products, 0 updated" in response.get_data(as_text=True)
    assert product_count(rt) == before + 2
    again = upload(boss, text.replace(",50,10,", ",55,9,")).get_data(as_text=True)
    assert "0 new shops, 0 new products, 2 updated" in again
    with session_scope(rt.sessions) as db:
        chai = db.scalar(select(Product).where(Product.sku == "DJ-1"))
        assert chai is not None and (chai.price_minor, chai.stock) == (5500, 9)


def test_csv_upload_reads_excel_refuses_utf16_and_takes_files_over_the_webhook_body_limit(
    boss: FlaskClient, rt: Runtime
) -> None:
    assert upload(boss, "").status_code == 400
    token = form_token(boss, "/admin/import")
    wide = boss.post(
        "/admin/import",
        data={"csrf_token": token, "catalog": (io.BytesIO("shop\nCaf\xe9".encode("utf-16")), "x.csv")},
        content_type="multipart/form-data",
    )
    assert wide.status_code == 400 and b"UTF-16 text" in wide.data
    token = form_token(boss, "/admin/import")
    excel = ("shop;owner_phone;category;sku;name;price;stock\n"
             "Caf\xe9 Sol;+51987654321;Caf\xe9;CS-1;T\xe9;2,50;4\n")
    latin = boss.post(
        "/admin/import",
        data={"csrf_token": token, "catalog": (io.BytesIO(excel.encode("cp1252")), "excel.csv")},
        content_type="multipart/form-data",
    )
    assert latin.status_code == 200, latin.get_data(as_text=True)[:500]
    with session_scope(rt.sessions) as db:
        tea = db.scalar(select(Product).where(Product.sku == "CS-1"))
        assert tea is not None and (tea.name, tea.price_minor) == ("T\xe9", 250)
    rows = "".join(
        f"Big Shop,+254700111333,Things,BS-{n},A rather long product name number {n},10,5,KES\n"
        for n in range(1200)
    )
    assert len(rows) > 64 * 1024
    response = upload(boss, HEADER + rows)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "1200 new products" in response.get_data(as_text=True)


def test_edit_price_stock_and_hide_a_product(boss: FlaskClient, rt: Runtime) -> None:
    with session_scope(rt.sessions) as db:
        product = db.scalar(select(Product).order_by(Product.id))
        assert product is not None
        pid = product.id
    token = form_token(boss, f"/admin/products/{pid}")
    bad = boss.post(
        f"/admin/products/{pid}", data={"csrf_token": token, "name": "", "price": "x", "stock": "-1"}
    )
    assert bad.status_code == 400 and b"not a price" in bad.data
    ok = boss.post(
        f"/admin/products/{pid}",
        data={"csrf_token": token, "name": "Sukuma wiki (bunch)", "price": "35.50", "stock": "12"},
    )
    assert ok.status_code == 302
    boss.post(f"/admin/products/{pid}/visible", data={"csrf_token": token, "visible": "0"})
    with session_scope(rt.sessions) as db:
        product = db.get(Product, pid)
        assert product is not None
        assert (product.name, product.price_minor, product.stock, product.active) == (
            "Sukuma wiki (bunch)",
            3550,
            12,
            False,
        )
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.action.not_like("account.%"))
                                  .order_by(AuditEntry.id)))
        assert actions == ["price.set", "stock.set", "product.hide"]  # as when a shop texts them


def test_close_a_shop(boss: FlaskClient, rt: Runtime) -> None:
    with session_scope(rt.sessions) as db:
        shop_id = db.scalar(select(Shop.id).order_by(Shop.number))
    token = form_token(boss, "/admin/shops")
    boss.post(f"/admin/shops/{shop_id}/active", data={"csrf_token": token, "active": "0"})
    with session_scope(rt.sessions) as db:
        assert db.get(Shop, shop_id).active is False  # type: ignore[union-attr]


def test_requeue_a_failed_sms(boss: FlaskClient, rt: Runtime) -> None:
    with session_scope(rt.sessions) as db:
        failed = OutboundSms(
            to_phone="+254711000441",
            body="Bodega: order K7P2Q placed",
            purpose="order_placed",
            status="failed",
            failure_reason="InsufficientCredit",
            attempts=5,
        )
        sent = OutboundSms(to_phone="+254711000441", body="hello", purpose="test", status="sent")
        db.add_all([failed, sent])
        db.flush()
        failed_id, sent_id = failed.id, sent.id
    html = boss.get("/admin/sms").get_data(as_text=True)
    assert "InsufficientCredit" in html and "+2547****441" in html and html.count(">Requeue<") == 1
    token = form_token(boss, "/admin/sms")
    rt.queue.empty()
    boss.post(f"/admin/sms/{failed_id}/requeue", data={"csrf_token": token})
    refused = boss.post(f"/admin/sms/{sent_id}/requeue", data={"csrf_token": token}, follow_redirects=True)
    assert b"not failed" in refused.data
    with session_scope(rt.sessions) as db:
        message = db.get(OutboundSms, failed_id)
        assert message is not None
        assert (message.status, message.failure_reason, message.attempts) == ("queued", None, 0)
    jobs = rt.queue.get_jobs()
    assert [(j.func_name, j.args) for j in jobs] == [("gateway.jobs.send_sms", (failed_id,))]


def test_payments_show_raw_callbacks_and_flag_mismatches(boss: FlaskClient, rt: Runtime) -> None:
    order_id = place_order(rt, 0, "+254711000441", status="paid")
    body = {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "29115-34620561-1",
                "CheckoutRequestID": "ws_CO_1",
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
            }
        }
    }
    with session_scope(rt.sessions) as db:
        payment = Payment(
            order_id=order_id,
            provider="mpesa",
            status="paid",
            amount_minor=1,
            currency="KES",
            phone="+254711000441",
            checkout_request_id="ws_CO_1",
            receipt="NLJ7RT61SV",
        )
        db.add(payment)
        db.flush()
        db.add(
            PaymentCallback(
                provider="mpesa",
                checkout_request_id="ws_CO_1",
                payment_id=payment.id,
                raw=json.dumps(body),
                outcome="paid",
            )
        )
        db.add(
            PaymentCallback(
                provider="mpesa", checkout_request_id="ws_CO_unknown", raw="{}", outcome="unknown"
            )
        )
        payment_id = payment.id
    listing = boss.get("/admin/payments?status=mismatch").get_data(as_text=True)
    assert "paid amount differs from the order total" in listing and "NLJ7RT61SV" in listing
    assert "ws_CO_unknown" in listing  # the callback that matched nothing
    detail = boss.get(f"/admin/payments/{payment_id}").get_data(as_text=True)
    assert "29115-34620561-1" in detail and "Flagged" in detail


def test_simulator_dials_and_answers_like_at(client: FlaskClient, rt: Runtime, demo_catalog: None) -> None:
    page = client.get("/simulator").get_data(as_text=True)
    token = form_token(client, "/simulator")
    assert "Dial *384*123#" in page
    first = client.post("/simulator", data={"csrf_token": token, "phone": "0711000441", "action": "dial"})
    html = first.get_data(as_text=True)
    assert "1. Mama Njeri Groceries" in html
    session_id = html.split('name="session_id" value="')[1].split('"')[0]
    assert session_id.startswith("ATUid_")
    second = client.post(
        "/simulator",
        data={
            "csrf_token": token,
            "phone": "+254711000441",
            "action": "send",
            "session_id": session_id,
            "text": "",
            "answer": "1",
        },
    )
    assert "Vegetables" in second.get_data(as_text=True)
    hung = client.post(
        "/simulator",
        data={
            "csrf_token": token,
            "phone": "+254711000441",
            "action": "hangup",
            "session_id": session_id,
            "text": "1",
        },
    )
    assert hung.status_code == 200
    with session_scope(rt.sessions) as db:
        from gateway.commerce.models import UssdSession

        dial = db.scalar(select(UssdSession).where(UssdSession.session_id == session_id))
        assert dial is not None and dial.status == "Incomplete"
    assert client.post("/simulator", data={"phone": "+254711000441", "action": "dial"}).status_code == 400


def test_simulator_shows_sms_sent_to_the_phone(client: FlaskClient, rt: Runtime) -> None:
    with session_scope(rt.sessions) as db:
        db.add(
            OutboundSms(
                to_phone="+254711000441", body="Bodega: order K7P2Q placed", purpose="x", status="sent"
            )
        )
        db.add(OutboundSms(to_phone="+254799999999", body="someone else's", purpose="x", status="sent"))
    html = client.get("/simulator?phone=%2B254711000441").get_data(as_text=True)
    assert "order K7P2Q placed" in html and "someone else" not in html


def test_received_sms_never_show_a_pin(boss: FlaskClient, rt: Runtime) -> None:
    from gateway.commerce.models import InboundSms

    with session_scope(rt.sessions) as db:
        db.add(
            InboundSms(
                provider_id="a1",
                from_phone="+254700111222",
                to="12345",
                text="OK K7P2Q 4821",
                status="received",
            )
        )
        db.add(
            InboundSms(
                provider_id="a2",
                from_phone="+254700111222",
                to="12345",
                text="STOCK S1-001 1200",
                status="processed",
            )
        )
    html = boss.get("/admin/sms").get_data(as_text=True)
    assert "OK K7P2Q ****" in html and "4821" not in html
    assert "STOCK S1-001 1200" in html
    assert "+2547****222" in html and "+254700111222" not in html


def test_csv_upload_reads_comma_prices_and_refuses_a_foreign_currency(boss: FlaskClient, rt: Runtime) -> None:
    refused = upload(boss, HEADER + "Mama Njeri Groceries,+254722000101,Vegetables,S1-001,Sukuma,20,80,NGN\n"
                                    "Duka Jipya,+254700111222,Drinks,DJ-1,Chai,50,10,XYZ\n")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "line 2: currency NGN differs from shop" in html and "which sells in KES" in html
    assert "line 3: currency" in html and "is not a currency code" in html
    accepted = upload(boss, HEADER + 'Duka Jipya,+254700111222,Drinks,DJ-1,Chai,"23,90",10,KES\n')
    assert accepted.status_code == 200
    with session_scope(rt.sessions) as db:
        chai = db.scalar(select(Product).where(Product.sku == "DJ-1"))
        assert chai is not None and chai.price_minor == 2390


def test_a_stored_callback_too_deep_to_indent_is_shown_as_it_came() -> None:
    raw = '{"Body":' + "[" * 5000 + "]" * 5000 + "}"
    assert pretty(raw) == raw


def test_nul_in_an_upload_a_product_edit_or_a_reject_note_is_cleaned_not_a_500(
        boss: FlaskClient, rt: Runtime) -> None:
    """Each of these was a 500 on PostgreSQL, which refuses NUL in text."""
    csv = HEADER + "Nul Shop,+254700111444,Th\x00ings,NS-1,Soap\x00 bar\x07,10,5,KES\n"
    assert upload(boss, csv).status_code == 200
    with session_scope(rt.sessions) as db:
        product = db.scalar(select(Product).where(Product.sku == "NS-1"))
        assert product is not None and product.name == "Soap bar"
        pid = product.id
    token = form_token(boss, f"/admin/products/{pid}")
    edited = boss.post(f"/admin/products/{pid}",
                       data={"csrf_token": token, "name": "Bar\x00 soap", "price": "12\x00", "stock": "4"})
    assert edited.status_code == 302
    order_id = place_order(rt, 0, "+254711000777")
    token = form_token(boss, f"/admin/orders/{order_id}")
    rejected = boss.post(f"/admin/orders/{order_id}/status",
                         data={"to": "rejected", "note": "out\x00 of stock\x1b", "csrf_token": token})
    assert rejected.status_code == 302
    with session_scope(rt.sessions) as db:
        product = db.get(Product, pid)
        assert product is not None and (product.name, product.price_minor) == ("Bar soap", 1200)
        assert db.get(Order, order_id).status == "rejected"  # type: ignore[union-attr]


def test_sms_page_masks_numbers_inside_messages(boss: FlaskClient, rt: Runtime) -> None:
    """The order slip names the customer's full number; the SMS page must not show it unaudited."""
    with session_scope(rt.sessions) as db:
        db.add(OutboundSms(to_phone="+254722000101", purpose="shop_reply", status="sent",
                           body="Order K7P2Q (placed): 1x Avocado KSh 25. Customer +51987654325"))
    html = boss.get("/admin/sms").get_data(as_text=True)
    assert "Customer +5198****325" in html and "+51987654325" not in html
