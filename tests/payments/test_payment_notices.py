"""The customer's payment SMS: every language, worst-case values, GSM-7 and one segment."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from gateway.commerce import notices
from gateway.commerce.models import Order, OutboundSms, Payment, UssdSession
from gateway.core.i18n import translate
from gateway.core.transactions import unit_of_work
from menus.text import is_gsm7, sms_segments
from tests.payments.conftest import Shop

LONGEST_SHOP = "Mama Njeri's Wholesale & Retail Groceries, Fresh Vegetables and Household Goods Ltd"[:80]


@pytest.mark.parametrize("lang", ["en", "es", "sw"])
def test_every_payment_notice_is_one_gsm7_segment_in_every_language(open_shop: Callable[..., Shop],
                                                                     lang: str) -> None:
    shop = open_shop()
    reference = shop.buy_avocados_with_mpesa()
    with unit_of_work(shop.rt) as db:
        order = db.scalar(select(Order).where(Order.reference == reference))
        assert order is not None
        order.shop.name = LONGEST_SHOP
        order.customer.language = lang
        order.reference = "ABCDEFGHJKLM"  # the longest a reference may be
        db.add(UssdSession(session_id=order.ussd_session_id or "", phone=order.customer.phone,
                           service_code="*384*12345*3*1#"))
        paid = Payment(order_id=order.id, provider="mpesa", status="paid", amount_minor=123_456_789_00,
                       currency="KES", phone=order.customer.phone, receipt="NLJ7RT61SV")
        failed = Payment(order_id=order.id, provider="mpesa", status="failed", amount_minor=123_456_789_00,
                         currency="KES", phone=order.customer.phone)
        db.add_all([paid, failed])
        db.flush()
        notices.payment_received(db, order, paid)
        notices.payment_failed(db, order, failed)
        order.ussd_session_id = None  # no dial on record: the text says "dial us"
        failed_again = Payment(order_id=order.id, provider="mpesa", status="failed", amount_minor=5000,
                               currency="KES", phone=order.customer.phone)
        db.add(failed_again)
        db.flush()
        notices.payment_failed(db, order, failed_again)
    bodies = [m.body for m in shop.sms() if m.purpose.startswith("payment")]
    assert len(bodies) == 3
    for body in bodies:
        assert is_gsm7(body), body
        assert sms_segments(body) == 1, (len(body), body)
    assert "NLJ7RT61SV" in bodies[0] and "KSh 123,456,789" in bodies[0]
    assert "*384*12345#" in bodies[1]  # the code dialled, without the shortcut digits
    if lang != "en":  # really translated, not the English fallback
        assert bodies[0] != translate("en", "Bodega: payment of {total} received for order {ref} at {shop}. "
                                      "M-Pesa receipt {receipt}. Thank you!", total="KES 123,456,789",
                                      ref="ABCDEFGHJKLM", shop=notices._shop(order), receipt="NLJ7RT61SV")


@pytest.mark.parametrize("lang", ["es", "sw"])
def test_every_payment_msgid_has_a_translation(lang: str) -> None:
    msgids = [
        "Bodega: payment of {total} received for order {ref} at {shop}. M-Pesa receipt {receipt}. Thank you!",
        "Bodega: payment of {total} received for order {ref} at {shop}. Thank you!",
        "Bodega: the payment for order {ref} ({total}) did not go through. "
        "To try again, dial {code}, choose My orders, then Pay now.",
        "Bodega: the payment for order {ref} ({total}) did not go through. "
        "To try again, dial us, choose My orders, then Pay now.",
    ]
    for msgid in msgids:
        assert translate(lang, msgid) != msgid, msgid


def test_mobile_money_orders_get_no_pay_on_delivery_text(open_shop: Callable[..., Shop]) -> None:
    shop = open_shop()
    shop.buy_avocados_with_mpesa()
    with unit_of_work(shop.rt) as db:
        assert db.scalars(select(OutboundSms).where(OutboundSms.purpose == "order_placed")).all() == []
