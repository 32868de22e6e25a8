"""What an attacker or a broken provider sends: NUL and control characters on every webhook, and
a full journey whose logs are grepped for the customer's number, the shop's PIN and the receipt.

Meant for PostgreSQL (it refuses NUL in text, where SQLite stores it): run with TEST_DATABASE_URL.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from sqlalchemy import select

from gateway.commerce.models import DeliveryReport, InboundSms, OutboundSms, PaymentCallback, Shop
from gateway.commerce.shop_pins import set_pin
from tests.conftest import run_jobs
from tests.fakes import FakeDaraja
from tests.fakes.fake_at import delivery_report
from tests.payments.conftest import PHONE
from tests.payments.conftest import Shop as ShopApp

KEY = "?key=hook-secret"
STK = f"/hooks/mpesa/stk{KEY}"
OWNER = "+254722000101"
PIN = "4821"
RECEIPT = "NLJ7RT61SV"


def _inbound(text: str) -> dict[str, str]:
    return {"date": "2026-11-23 12:00:00", "from": OWNER, "to": "22384", "text": text,
            "id": str(uuid.uuid4()), "linkId": "SampleLinkId1", "networkCode": "63902"}


def test_nul_on_every_webhook_is_cleaned_and_stored(mpesa_shop: ShopApp, fake_daraja: FakeDaraja) -> None:
    client = mpesa_shop.client
    report = delivery_report("ATXid_\x00z", phone=OWNER, failure_reason="Bad\x00 number\x1b")
    assert client.post(f"/hooks/africastalking/sms/delivery{KEY}", data=report).status_code == 200
    assert client.post(f"/hooks/africastalking/sms{KEY}", data=_inbound("HELP\x00\x07")).status_code == 200
    hop = client.post(f"/hooks/africastalking/ussd{KEY}", data={
        "sessionId": "nul\x00s", "phoneNumber": PHONE, "text": "\x00", "serviceCode": "*384#"})
    assert hop.status_code == 200 and hop.get_data(as_text=True).startswith(("CON ", "END "))
    malformed = client.post(STK, data=b'{"Body": {"stkCallback": \x00 254711000111}}',
                            content_type="application/json")
    assert malformed.status_code == 400  # was 503 "not stored" on PostgreSQL
    with mpesa_shop.rt.sessions() as db:
        (stored,) = db.scalars(select(DeliveryReport))
        assert (stored.provider_message_id, stored.failure_reason) == ("ATXid_z", "Bad number")
        assert db.scalar(select(InboundSms.text)) == "HELP"
        (callback,) = db.scalars(select(PaymentCallback))
        assert callback.outcome == "malformed" and "\\x00" in callback.raw


def test_nul_in_result_desc_settles_instead_of_failing_every_retry(
        mpesa_shop: ShopApp, fake_daraja: FakeDaraja) -> None:
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(mpesa_shop.rt)
    body = fake_daraja.callback_for(fake_daraja.pushes[-1])
    body["Body"]["stkCallback"]["ResultDesc"] = "The service request is processed\u0000 successfully."
    posted = mpesa_shop.client.post(STK, data=json.dumps(body), content_type="application/json")
    assert posted.status_code == 200
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert payment.status == "paid" and "\x00" not in (payment.result_desc or "")
    assert [c.outcome for c in mpesa_shop.callbacks()] == ["paid"]


def test_a_full_journey_logs_no_full_number_pin_or_receipt(
        mpesa_shop: ShopApp, fake_daraja: FakeDaraja, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rt, client = mpesa_shop.rt, mpesa_shop.client
    with rt.sessions() as db:
        shop = db.scalar(select(Shop).where(Shop.owner_phone == OWNER))
        assert shop is not None
        set_pin(shop, PIN)
        db.commit()
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(rt)
    paid = json.dumps(fake_daraja.callback_for(fake_daraja.pushes[-1], receipt=RECEIPT))
    client.post(STK, data=paid, content_type="application/json")
    with_nul = paid.replace("processed", "processed\x00").encode()  # a literal NUL: malformed JSON
    client.post(STK, data=with_nul, content_type="application/json")
    run_jobs(rt)
    for text in (f"OK {reference}", f"STOCK {PIN} S1-001 5", "STOCK 1111 S1-001 5", f"READY {reference}"):
        client.post(f"/hooks/africastalking/sms{KEY}", data=_inbound(text))
        run_jobs(rt)
    with rt.sessions() as db:
        sent = list(db.scalars(select(OutboundSms).where(OutboundSms.provider_message_id.is_not(None))))
    for sms in sent:
        client.post(f"/hooks/africastalking/sms/delivery{KEY}",
                    data=delivery_report(sms.provider_message_id or "", phone=sms.to_phone))
    assert mpesa_shop.order(reference).status == "ready"
    assert mpesa_shop.payments(reference)[0].receipt == RECEIPT

    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert len(caplog.records) > 20, "too little was logged: the test would prove nothing"
    for leak in (PHONE, PHONE[1:], OWNER, OWNER[1:], PIN, RECEIPT):
        assert leak not in logged, f"{leak!r} appears in the logs"
