"""What the shop is texted: a new order to answer (cash at once, M-Pesa once paid) and the
evening summary; and every shop text fits one SMS in every language."""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from config.settings import ROOT
from gateway.commerce import notices
from gateway.commerce import order_states as st
from gateway.commerce.models import Order, Product, Shop
from gateway.commerce.shop_summary import day_summary
from gateway.core.i18n import load_translator
from gateway.core.runtime import Runtime
from gateway.sms.daily_summary import send_due_summaries
from menus.text import septets, to_gsm7
from tests.sms.conftest import CUSTOMER, OWNER, STAFF, Texter, make_order, make_shop

EVENING = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 20:30 in Nairobi


def test_cash_order_texts_owner_and_staff(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=3)
    ref = order.reference
    for phone in (OWNER, STAFF):
        texts = texter.texts_to(phone, "shop_new_order")
        assert texts == [f"New order {ref}: 3x Tomatoes 1kg. KSh 300 cash on delivery. "
                         f"Deliver to Opposite Total petrol station. Reply OK {ref} or NO {ref}"]


def test_cash_pickup_order_is_paid_at_pickup_not_on_delivery(texter: Texter, rt: Runtime, shop: Shop) -> None:
    pickup = make_order(rt, shop, qty=1, fulfilment="pickup")
    ref = pickup.reference
    assert texter.texts_to(OWNER, "shop_new_order") == [
        f"New order {ref}: 1x Tomatoes 1kg. KSh 100 cash at pickup. Pickup. Reply OK {ref} or NO {ref}"]
    assert texter.texts_to(CUSTOMER, "order_placed") == [
        f"Bodega: order {ref} placed at Mama Njeri Groceries. Total KSh 100, pay at pickup."]
    delivery = make_order(rt, shop, qty=1, customer_phone="+254711000222", language="sw")
    assert texter.texts_to("+254711000222", "order_placed")[0].endswith("lipa unapopokea.")
    assert "cash on delivery" in texter.texts_to(OWNER, "shop_new_order")[-1]
    assert delivery.reference in texter.texts_to(OWNER, "shop_new_order")[-1]


def test_pickup_and_long_orders_still_fit_one_sms(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, qty=1, fulfilment="pickup")
    text = texter.texts_to(OWNER, "shop_new_order")[0]
    assert "Pickup" in text and text.endswith(f"Reply OK {order.reference} or NO {order.reference}")
    with rt.sessions() as db:
        db.execute(update(Product).where(Product.shop_id == shop.id).values(name="Extra long name " * 7))
        db.commit()
    long_order = make_order(rt, shop, qty=7, landmark="Behind the big blue mosque opposite the bus stage")
    long_text = texter.texts_to(OWNER, "shop_new_order")[-1]
    assert long_text.startswith(f"New order {long_order.reference}: 7x Extra long name")
    assert "Deliver to Behind the big blue mosque" in long_text
    assert septets(long_text) <= 160
    assert long_text.endswith(f"Reply OK {long_order.reference} or NO {long_order.reference}")


def test_mpesa_order_reaches_the_shop_when_paid(texter: Texter, rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, payment_method="mpesa")
    assert order.status == st.AWAITING_PAYMENT
    assert texter.texts_to(OWNER, "shop_new_order") == []
    with rt.sessions() as db:
        loaded = db.get(Order, order.id)
        assert loaded is not None
        st.transition(db, loaded, st.PAID, "mpesa:NLJ7RT61SV", "payment")
        notices.shop_new_order(db, loaded)
        notices.shop_new_order(db, loaded)  # a repeated callback texts nobody twice
        db.commit()
    texts = texter.texts_to(OWNER, "shop_new_order")
    assert len(texts) == 1 and "KSh 200 PAID." in texts[0]


def _summaries(texter: Texter, phone: str = OWNER) -> list[str]:
    return texter.texts_to(phone, "shop_daily_summary")


def test_daily_summary_once_a_day_to_owners(texter: Texter, rt: Runtime, shop: Shop) -> None:
    delivered, rejected = make_order(rt, shop), make_order(rt, shop, qty=1)
    make_order(rt, shop, qty=1)  # still open
    make_order(rt, shop, payment_method="mpesa")  # never paid: never reached the shop
    texter.ask(f"OK {delivered.reference}")
    texter.ask(f"DONE {delivered.reference}")
    texter.ask(f"NO {rejected.reference}")
    nairobi = ZoneInfo("Africa/Nairobi")
    today = datetime.now(nairobi).date()  # the shop's day that holds these orders
    evening = datetime.combine(today, time(20, 30), nairobi)
    assert send_due_summaries(rt, datetime.combine(today, time(19, 59), nairobi)) == 0  # not yet
    assert send_due_summaries(rt, evening) == 1
    assert send_due_summaries(rt, evening) == 1  # again: the dedupe key holds it to one text
    texts = _summaries(texter)
    day = evening.strftime("%d/%m")
    assert texts == [f"Mama Njeri Groceries {day}: 3 new orders, 1 delivered, 1 rejected, 1 open. "
                     "Takings KSh 200."]
    assert _summaries(texter, STAFF) == []


def test_daily_summary_comes_in_the_shops_own_evening(texter: Texter, rt: Runtime, shop: Shop) -> None:
    lima = make_shop(rt, "Bodega Don Pepe", 7, [("+51987000111", "owner")], skus=("PE-001",))
    with rt.sessions() as db:
        db.get(Shop, lima.id).timezone = "America/Lima"  # type: ignore[union-attr]
        db.commit()
    assert send_due_summaries(rt, EVENING) == 1  # 20:30 in Nairobi is 12:30 in Lima: Nairobi's only
    assert _summaries(texter, "+51987000111") == []
    lima_evening = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 20:30 on the 23rd in Lima
    send_due_summaries(rt, lima_evening)
    assert [text[:22] for text in _summaries(texter, "+51987000111")] == ["Bodega Don Pepe 23/11:"]


def test_daily_summary_can_be_switched_off(make_app, shop: Shop) -> None:  # type: ignore[no-untyped-def]
    app = make_app(DAILY_SUMMARY_ENABLED=False)
    assert send_due_summaries(app.extensions["bodega"], EVENING) == 0
    rt = make_app().extensions["bodega"]
    with rt.sessions() as db:
        loaded = db.get(Shop, shop.id)
        assert loaded is not None
        loaded.summary_enabled = False
        db.commit()
    assert send_due_summaries(rt, EVENING) == 0


def test_daily_summary_job_runs_from_the_worker_clock(texter: Texter, rt: Runtime, shop: Shop) -> None:
    from gateway.jobs.worker import PERIODIC

    assert "gateway.jobs.send_daily_summaries" in {p.job for p in PERIODIC}
    assert "gateway.jobs.requeue_inbound_sms" in {p.job for p in PERIODIC}


def _shop_msgids() -> set[str]:
    """Every text the shop SMS code translates: ``.t(msgid)``, ``translate(lang, msgid)``,
    ``_fit(lang, msgid, ...)``, and the message tables and ``msgid = ...`` choices they use."""
    found: set[str] = set()
    for name in ("gateway/commerce/shop_notices.py", "gateway/sms/inbox.py", "menus/sms_commands.py",
                 "menus/sms_stock_commands.py", "gateway/commerce/order_slip.py",
                 "gateway/sms/customer_texts.py"):
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                index = 0 if isinstance(func, ast.Attribute) and func.attr == "t" else None
                index = 1 if isinstance(func, ast.Name) and func.id in ("translate", "_fit") else index
                index = 0 if isinstance(func, ast.Name) and func.id == "t" else index
                if index is not None and len(node.args) > index:
                    found |= _strings(node.args[index])
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in ("msgid", "USAGE", "CONSOLE_MOVES")
                    for t in node.targets):
                found |= _strings(node.value)
    return found


def _strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Dict):
        return {v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return set()


WIDE = {"ref": "K7P2Q", "total": "KES 99,999", "price": "KES 99,999", "old": "KES 99,999",
        "name": "S1-001 " + "N" * 33, "sku": "S1-001", "kw": "CONFIRMAR", "pin": "PIN ",
        "count": 9, "qty": 999, "usage": "PRICE SKU 150", "word": "W" * 20, "tag": "#12",
        "shops": "#1, #12", "example": "STOCK PIN S1-001 12", "tags": "#1 #12", "time": "23:59",
        "shop": "S" * 30, "day": "23/11", "new": 99, "delivered": 99, "rejected": 99, "open": 99,
        "takings": "KES 999,999", "cash": " Please have KES 99,999 ready.", "refund": "",
        "reason": "", "items": "", "landmark": "L" * 40, "payment": "PAID", "where": "Pickup",
        "status": "malipo yameshindwa", "code": "*384*12345#", "currency": "KES", "digits": 3,
        "phone": "+254711000111", "method": "pesa taslimu", "state": "bado haijalipwa",
        "fee": "KSh 99,999"}


@pytest.mark.parametrize("lang", ["en", "es", "sw"])
def test_every_shop_text_is_translated_and_fits_one_sms(lang: str) -> None:
    translate = load_translator()
    msgids = _shop_msgids()
    assert len(msgids) > 40
    for msgid in msgids:
        names = {f for _, f, _, _ in string.Formatter().parse(msgid) if f}
        text = translate(lang, msgid)
        assert lang == "en" or text != msgid or msgid in ("PIN", "Total {total}"), (lang, msgid)
        assert {f for _, f, _, _ in string.Formatter().parse(text) if f} == names, (lang, msgid)
        filled = to_gsm7(text.format(**{k: WIDE[k] for k in names}))
        assert septets(filled) <= 160, (lang, msgid, septets(filled), filled)


def test_summary_counts_a_paid_mpesa_order_on_the_day_it_was_paid(rt: Runtime, shop: Shop) -> None:
    order = make_order(rt, shop, payment_method="mpesa")
    now = datetime.now(UTC)
    with rt.sessions() as db:
        loaded = db.get(Order, order.id)
        assert loaded is not None
        st.transition(db, loaded, st.PAID, "mpesa:R1", "payment")
        db.commit()
        summary = day_summary(db, loaded.shop, now - timedelta(hours=1), now + timedelta(hours=1))
        earlier = day_summary(db, loaded.shop, now - timedelta(days=2), now - timedelta(days=1))
    assert (summary.new_orders, summary.takings_minor, summary.still_open) == (1, order.total_minor, 1)
    assert (earlier.new_orders, earlier.takings_minor) == (0, 0)


def test_a_new_owner_is_texted_in_the_language_of_their_country(texter: Texter, rt: Runtime) -> None:
    peru = make_shop(rt, "Bodega Doña Rosa", 7, [("+51987654321", "owner")])
    order = make_order(rt, peru, qty=1, fulfilment="pickup", customer_phone="+51912345678")
    (text,) = texter.texts_to("+51987654321", "shop_new_order")
    assert text.startswith(f"Pedido nuevo {order.reference}")
    # OK is a keyword in every language: the reply follows the number's country too
    assert texter.ask("OK", phone="+51987654321") == "Envia OK y el numero del pedido, p. ej. OK K7P2Q."
