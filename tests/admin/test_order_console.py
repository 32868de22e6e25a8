"""The console and the shop: a confirm, reject or cancel from the console is texted to the shop
numbers that got the order; the customer's full number is shown to the order's shop staff and
admins only behind an audited "Show number"."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.catalog_snapshot import DIRECTORY
from gateway.commerce.models import AuditEntry, Order, OutboundSms, Shop
from gateway.core.catalog_versions import VERSIONS
from gateway.core.runtime import Runtime
from tests.admin.conftest import create_user, form_token, sign_in
from tests.sms.conftest import CUSTOMER, OWNER, make_order, make_shop

SHOP_NUMBER = 71


def _texts(rt: Runtime, order_id: int, phone: str) -> list[str]:
    with rt.sessions() as db:
        query = select(OutboundSms.body).where(OutboundSms.order_id == order_id,
                                               OutboundSms.to_phone == phone,
                                               OutboundSms.purpose == "shop_console_move")
        return list(db.scalars(query.order_by(OutboundSms.id)))


def _move(client: FlaskClient, order_id: int, target: str, note: str = "") -> None:
    token = form_token(client, f"/admin/orders/{order_id}")
    client.post(f"/admin/orders/{order_id}/status", data={"to": target, "note": note, "csrf_token": token})


def test_console_moves_are_texted_to_the_shop(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    shop = make_shop(rt, "Console Test Shop", SHOP_NUMBER, [(OWNER, "owner")])
    create_user(app, "boss")
    sign_in(client, "boss")
    confirmed, rejected, cancelled = (make_order(rt, shop, qty=1) for _ in range(3))
    _move(client, confirmed.id, "confirmed")
    _move(client, rejected.id, "rejected", "no driver today")
    _move(client, cancelled.id, "cancelled")
    assert _texts(rt, confirmed.id, OWNER) == [
        f"Order {confirmed.reference} was confirmed from the console. "
        f"Send READY {confirmed.reference} when it is ready."]
    assert _texts(rt, rejected.id, OWNER) == [
        f"Order {rejected.reference} was rejected from the console: no driver today. Do not prepare it."]
    assert _texts(rt, cancelled.id, OWNER) == [
        f"Order {cancelled.reference} was cancelled from the console. Do not prepare it."]
    with rt.sessions() as db:
        assert db.get(Order, cancelled.id).status == "cancelled"  # type: ignore[union-attr]
        told = db.scalars(select(OutboundSms.purpose).where(OutboundSms.order_id == cancelled.id,
                                                            OutboundSms.to_phone == CUSTOMER))
        assert "order_cancelled" in list(told)


def test_show_number_is_audited_and_scoped(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    shop = make_shop(rt, "Console Test Shop", SHOP_NUMBER, [(OWNER, "owner")])
    other = make_shop(rt, "Another Shop", SHOP_NUMBER + 1, [("+254722000919", "owner")], skus=("X1",))
    order = make_order(rt, shop, qty=1)
    elsewhere = make_order(rt, other, qty=1, customer_phone="+254711000919")
    create_user(app, "kim", "--role", "staff", "--shop", str(SHOP_NUMBER))
    sign_in(client, "kim")
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert CUSTOMER not in page and "+2547****111" in page and "Show number" in page
    token = form_token(client, f"/admin/orders/{order.id}")
    shown = client.post(f"/admin/orders/{order.id}/number", data={"csrf_token": token})
    assert shown.status_code == 200 and CUSTOMER in shown.get_data(as_text=True)
    assert client.post(f"/admin/orders/{elsewhere.id}/number", data={"csrf_token": token}).status_code == 404
    assert CUSTOMER not in client.get("/admin/orders").get_data(as_text=True)
    with rt.sessions() as db:
        audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "customer.number")).all()
        assert [(a.actor, a.subject) for a in audit] == [("admin:kim", f"order {order.reference}")]


def test_terms_are_set_in_the_console(app: Flask, client: FlaskClient, rt: Runtime) -> None:
    shop = make_shop(rt, "Console Test Shop", SHOP_NUMBER, [(OWNER, "owner")])
    create_user(app, "boss")
    sign_in(client, "boss")
    url = f"/admin/shops/{shop.id}/terms"
    token = form_token(client, url)
    listed = rt.redis.hget(VERSIONS, DIRECTORY)  # the shop list's version, which checkout reads terms by
    form = {"town": "Kasarani", "delivers": "1", "delivery_fee": "50", "min_order": "200",
            "hours": "Mon-Sat 8-19", "timezone": "Africa/Nairobi", "csrf_token": token}
    refused = client.post(url, data=form)
    assert refused.status_code == 400 and "cannot read" in refused.get_data(as_text=True)
    negative = client.post(url, data={**form, "hours": "Mon-Sat 08:00-19:00", "delivery_fee": "-5"})
    assert negative.status_code == 400 and "negative" in negative.get_data(as_text=True)
    with rt.sessions() as db:
        assert db.get(Shop, shop.id).town is None  # type: ignore[union-attr]
    assert rt.redis.hget(VERSIONS, DIRECTORY) == listed  # refused: nothing to refresh
    saved = client.post(url, data={**form, "hours": "Mon-Sat 08:00-19:00"})
    assert saved.status_code == 302
    assert int(rt.redis.hget(VERSIONS, DIRECTORY) or 0) > int(listed or 0)  # type: ignore[arg-type]
    with rt.sessions() as db:
        loaded = db.get(Shop, shop.id)
        assert loaded is not None
        assert (loaded.town, loaded.delivery_fee_minor, loaded.min_order_minor, loaded.hours) == (
            "Kasarani", 5000, 20000, "Mon-Sat 08:00-19:00")
    listing = client.get("/admin/shops").get_data(as_text=True)
    assert "Kasarani · Mon-Sat 08:00-19:00 · delivery KSh 50" in listing
    assert 'value="50"' in client.get(url).get_data(as_text=True)
