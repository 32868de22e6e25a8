"""Finding orders in the console: by reference and phone, by days and status, as a CSV export;
a dial links to the order it placed and back; the low-stock panel per shop."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.admin.order_export import safe_cell
from gateway.commerce.models import Order, Product, UssdSession
from gateway.core.runtime import Runtime
from gateway.ussd import session_log
from tests.admin.conftest import create_user, place_order, shop_number, sign_in
from tests.conftest import Dialer
from tests.menus.conftest import CASH, CHECKOUT, TO_AVOCADO


def _dated(rt: Runtime, order_id: int, when: datetime, landmark: str | None = None) -> None:
    with rt.sessions() as db:
        order = db.get(Order, order_id)
        assert order is not None
        order.created_at = when
        order.landmark = landmark
        db.commit()


def _listed(client: FlaskClient, query: str) -> list[str]:
    html = client.get(f"/admin/orders?{query}").get_data(as_text=True)
    return [ref for ref in ("KP2QA", "KP2QB", "ZZ9XY") if f">{ref}</a>" in html]  # sorted


def test_orders_by_reference_phone_days_and_status(boss: FlaskClient, rt: Runtime) -> None:
    first = place_order(rt, 0, "+254711000441", reference="KP2QA")
    place_order(rt, 0, "+254722000552", reference="KP2QB", status="confirmed")
    later = place_order(rt, 1, "+254711000441", reference="ZZ9XY")
    _dated(rt, first, datetime(2026, 11, 20, 9, tzinfo=UTC))
    _dated(rt, later, datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # 26 Nov in Nairobi
    assert _listed(boss, "ref=kp2q") == ["KP2QA", "KP2QB"]
    assert _listed(boss, "ref=zz9xy") == ["ZZ9XY"]
    assert _listed(boss, "phone=0711000441") == ["KP2QA", "ZZ9XY"]  # as a customer says it
    assert _listed(boss, "phone=%2B254722000552") == ["KP2QB"]
    assert _listed(boss, "from=2026-11-26&to=2026-11-26") == ["ZZ9XY"]
    assert _listed(boss, "to=2026-11-25") == ["KP2QA"]
    assert _listed(boss, "status=confirmed") == ["KP2QB"]
    refused = boss.get("/admin/orders?from=2026-11-30&to=2026-11-01&day=yesterday").get_data(as_text=True)
    assert "the first day is after the last day" in refused and "yesterday&#39; is not YYYY-MM-DD" in refused


def test_export_is_the_filtered_list_as_csv(boss: FlaskClient, rt: Runtime) -> None:
    first = place_order(rt, 0, "+254711000441", reference="KP2QA")
    place_order(rt, 1, "+254722000552", reference="KP2QB")
    _dated(rt, first, datetime(2026, 11, 20, 22, 15, tzinfo=UTC), landmark="=HYPERLINK(\"http://x\")")
    response = boss.get("/admin/orders.csv?phone=441")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=\"orders-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["reference", "placed", "shop", "customer", "status"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["reference"] == "KP2QA" and row["placed"] == "2026-11-21 01:15:00"  # Nairobi time
    assert row["customer"] == "'+2547****441"  # masked as on screen, and inert in a spreadsheet
    assert row["landmark"].startswith("'=HYPERLINK")
    assert row["items"].startswith("2x ") and row["currency"] == "KES"
    assert boss.get("/admin/orders.csv?from=nope").status_code == 400
    assert safe_cell("-1") == "'-1" and safe_cell("Tomatoes") == "Tomatoes"


def test_staff_export_only_their_shop(app: Flask, client: FlaskClient, rt: Runtime,
                                      demo_catalog: None) -> None:
    njeri = shop_number(rt, "Njeri")
    place_order(rt, 0, "+254711000441", reference="KP2QA")
    place_order(rt, 1, "+254722000552", reference="KP2QB")
    create_user(app, "kim", "--role", "staff", "--shop", str(njeri))
    sign_in(client, "kim")
    body = client.get("/admin/orders.csv").get_data(as_text=True)
    refs = [row[0] for row in csv.reader(io.StringIO(body))][1:]
    assert len(refs) == 1


def test_a_dial_links_to_its_order_and_back(boss: FlaskClient, rt: Runtime) -> None:
    handset = Dialer(boss, phone="+254711000441")
    handset.walk(*TO_AVOCADO, "1", CHECKOUT, *CASH)  # avocado, 1 of them, checkout, cash
    handset.dial("1")  # confirm
    session_log.drain(rt.redis, rt.sessions)
    with rt.sessions() as db:
        order = db.scalar(select(Order))
        dial = db.scalar(select(UssdSession))
        assert order is not None and dial is not None
        order_id, dial_id, reference = order.id, dial.id, order.reference
    transcript = boss.get(f"/admin/dials/{dial_id}").get_data(as_text=True)
    assert f'id="placed-order" href="/admin/orders/{order_id}">{reference}</a>' in transcript
    detail = boss.get(f"/admin/orders/{order_id}").get_data(as_text=True)
    assert f'id="placing-dial" href="/admin/dials/{dial_id}"' in detail


def test_low_stock_panel_per_shop(boss: FlaskClient, rt: Runtime) -> None:
    with rt.sessions() as db:
        products = db.scalars(select(Product).order_by(Product.shop_id, Product.id)).all()
        first, other = products[0], next(p for p in products if p.shop_id != products[0].shop_id)
        first.stock, other.stock = 0, 2
        hidden = next(p for p in products if p.shop_id == first.shop_id and p.id != first.id)
        hidden.stock, hidden.active = 1, False
        db.commit()
        ids = (first.shop_id, other.shop_id, first.name, other.name, hidden.name)
    html = boss.get("/admin/products").get_data(as_text=True)
    panel = html.split('id="low-stock"')[1].split("</section>")[0]
    assert f'data-shop="{ids[0]}"' in panel and f'data-shop="{ids[1]}"' in panel
    assert ids[2] in panel and "sold out" in panel and f"{ids[3]}</a>" in panel and "2 left" in panel
    assert f"{ids[4]}</a>" not in panel  # hidden products are not on sale: not low stock
    only = boss.get(f"/admin/products?shop={ids[1]}").get_data(as_text=True)
    assert f'data-shop="{ids[0]}"' not in only.split('id="low-stock"')[1].split("</section>")[0]
