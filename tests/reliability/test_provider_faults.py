"""Providers misbehaving in the ways the payments tests do not already try: HTTP 429 and a
malformed JSON body, from Africa's Talking and from Daraja. Each is retried with backoff and
ends in exactly one message or one prompt; nothing is lost.

(5xx, timeouts, unreachable hosts, bad keys and permanent refusals are covered in
tests/transports/test_africastalking_sms.py and tests/payments/test_stk_push.py.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.conftest import run_jobs, run_scheduled_jobs, scheduled_jobs
from tests.fakes import Answer, FakeAT, FakeDaraja
from tests.payments.conftest import Shop
from tests.transports.conftest import message, queue_message

BROKEN = {
    "429": Answer.text(429, "Too Many Requests"),
    "malformed-json": Answer(201, b'{"SMSMessageData": {"Message": "Sent to 1/1", "Recip',
                             "application/json"),
    "html-502": Answer(502, b"<html><body>Bad Gateway</body></html>", "text/html"),
}


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_at_misbehaving_is_retried_and_the_sms_goes_out_once(make_app: Callable[..., Flask],
                                                              fake_at: FakeAT, fault: str) -> None:
    rt = make_app(**fake_at.settings()).extensions["bodega"]
    fake_at.script(BROKEN[fault].on("/version1/messaging"))
    message_id = queue_message(rt)
    run_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.attempts) == ("queued", 1), (row.status, row.provider_status, row.failure_reason)
    assert len(scheduled_jobs(rt)) == 1  # RQ's retry, waiting out its backoff
    run_scheduled_jobs(rt)
    assert message(rt, message_id).status == "sent"
    assert len(fake_at.sent) == 1


DARAJA_BROKEN = {
    "429": Answer.text(429, "Too Many Requests"),
    "malformed-json": Answer(200, b'{"MerchantRequestID": "29115-1", "CheckoutRequestID": ',
                             "application/json"),
}


@pytest.mark.parametrize("fault", sorted(DARAJA_BROKEN))
def test_daraja_misbehaving_is_retried_and_the_prompt_goes_out_once(mpesa_shop: Shop, fake_daraja: FakeDaraja,
                                                                     fault: str) -> None:
    fake_daraja.script(DARAJA_BROKEN[fault].on("/mpesa/stkpush/v1/processrequest"))
    reference = mpesa_shop.buy_avocados_with_mpesa()
    run_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert payment.status == "queued", (payment.status, payment.result_desc)
    assert len(scheduled_jobs(mpesa_shop.rt)) == 1
    run_scheduled_jobs(mpesa_shop.rt)
    (payment,) = mpesa_shop.payments(reference)
    assert payment.status == "requested" and payment.checkout_request_id
    assert len(fake_daraja.pushes) == 1
