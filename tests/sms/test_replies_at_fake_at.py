"""End to end through Africa's Talking: an owner's SMS arrives on the webhook, and the reply, the
customer's notice and the new-order texts leave through the official SDK to a fake AT server."""

from __future__ import annotations

import pytest

from gateway import jobs
from gateway.commerce.models import Shop
from tests.fakes.fake_at import FakeAT
from tests.sms.conftest import CUSTOMER, OWNER, STAFF, Texter, make_order

pytestmark = pytest.mark.skipif(not hasattr(jobs, "send_sms"), reason="no SMS send job in this build")


def test_owner_confirms_and_every_text_reaches_at(make_app, fake_at: FakeAT,  # type: ignore[no-untyped-def]
                                                  shop: Shop) -> None:
    app = make_app(**fake_at.settings())
    rt = app.extensions["bodega"]
    texter = Texter(app.test_client(), rt)
    order = make_order(rt, shop)
    ref = order.reference
    assert texter.send(f"ok {ref}", "ATXid_retry") == 200
    assert texter.send(f"ok {ref}", "ATXid_retry") == 200  # AT's retry of the same message
    sent = [(sms.to, sms.message) for sms in fake_at.sent]
    new_order = (f"New order {ref}: 2x Tomatoes 1kg. KSh 200 cash on delivery. "
                 f"Deliver to Opposite Total petrol station. Reply OK {ref} or NO {ref}")
    assert sent.count((OWNER, new_order)) == 1 and sent.count((STAFF, new_order)) == 1
    reply = f"{ref} confirmed, customer told. Send READY {ref} when it is ready."
    assert sent.count((OWNER, reply)) == 1
    confirmed = [text for to, text in sent if to == CUSTOMER and "confirmed your order" in text]
    assert confirmed == [f"Bodega: Mama Njeri Groceries confirmed your order {ref}. "
                         "We will text you when it is ready."]


def test_stranger_is_answered_once_through_at(make_app, fake_at: FakeAT) -> None:  # type: ignore[no-untyped-def]
    app = make_app(**fake_at.settings())
    texter = Texter(app.test_client(), app.extensions["bodega"])
    for _ in range(3):
        texter.send("hello?", phone="+254799000111")
    assert [sms.to for sms in fake_at.sent] == ["+254799000111"]
