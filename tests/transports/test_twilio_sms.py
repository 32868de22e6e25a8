"""Twilio: sending through the fake Twilio, signed status callbacks and inbound texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.commerce.models import InboundSms, OutboundSms
from gateway.core.runtime import Runtime
from gateway.transports.base import ACCEPTED, PERMANENT, RETRY
from gateway.transports.twilio_sms import TwilioSms, read_reply, signature_ok
from tests.conftest import run_jobs
from tests.fakes import Answer, FakeTwilio
from tests.fakes.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, error, inbound, sign, status_callback
from tests.sms.conftest import make_shop
from tests.transports.conftest import message, queue_message

LIMA = "+51912345678"
KEY = "s3cret-webhook-key"
BASE = "http://localhost"


@pytest.fixture
def twilio_app(make_app: Callable[..., Flask], fake_twilio: FakeTwilio) -> Flask:
    return make_app(**fake_twilio.settings(WEBHOOK_SECRET=KEY, PUBLIC_URL="https://bodega.example"))


def post_signed(client: FlaskClient, path: str, form: dict[str, str], signature: str | None = "sign") -> Any:
    url = f"{path}?key={KEY}"
    headers = (
        {"X-Twilio-Signature": sign(BASE + url, form)}
        if signature == "sign"
        else ({"X-Twilio-Signature": signature} if signature else {})
    )
    return client.post(url, data=form, headers=headers)


# Twilio's published vectors (twilio-python, twilio-csharp request validator tests)
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
]
VECTORS = [
    (DOC_URL, DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", True),
    ("https://mycompany.com:443/myapp.php?foo=1&bar=2", DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", True),
    ("https://MyCompany.com/myapp.php?foo=1&bar=2", DOC_PARAMS, "g9IN/x4Cft2g517EjYvEvM/W7LU=", True),
    (DOC_URL + "&extra=1", DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", False),
    (DOC_URL, [*DOC_PARAMS[:2], ("Digits", "9999"), *DOC_PARAMS[3:]], "RSOYDt4T1cUTdK1PDd93/VVr8B8=", False),
    (DOC_URL, DOC_PARAMS, "", False),
]


@pytest.mark.parametrize(("url", "params", "signature", "valid"), VECTORS)
def test_signature_check_against_twilios_published_vectors(
    url: str, params: list[tuple[str, str]], signature: str, valid: bool
) -> None:
    assert signature_ok(url, params, signature, "12345") is valid


# (HTTP status, body, outcome, status word) - Twilio's answers to a send, verbatim
REPLIES = [
    (201, '{"sid": "SM1", "status": "queued", "price": null}', ACCEPTED, "queued"),
    (201, '{"sid": "SM2", "status": "accepted"}', ACCEPTED, "accepted"),
    (400, '{"code": 21211, "message": "Invalid \'To\' Phone Number", "status": 400}', PERMANENT, "21211"),
    (
        400,
        '{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}',
        PERMANENT,
        "21610",
    ),
    (401, '{"code": 20003, "message": "Authenticate", "status": 401}', RETRY, "20003"),
    (429, '{"code": 20429, "message": "Too Many Requests", "status": 429}', RETRY, "20429"),
    (503, "<html>Service Unavailable</html>", RETRY, "UnreadableReply"),
]


@pytest.mark.parametrize(("status", "body", "outcome", "word"), REPLIES)
def test_twilios_answers_to_a_send(status: int, body: str, outcome: str, word: str) -> None:
    receipt = read_reply(status, body)
    assert (receipt.outcome, receipt.status) == (outcome, word)


def test_a_message_goes_out_through_twilio_and_its_status_callback_delivers_it(
    twilio_app: Flask, fake_twilio: FakeTwilio
) -> None:
    rt: Runtime = twilio_app.extensions["bodega"]
    message_id = queue_message(rt, "Bodega: order K7P2Q is ready.", to=LIMA)
    run_jobs(rt)
    [sent] = fake_twilio.sent
    assert (sent.to, sent.body, sent.sender) == (LIMA, "Bodega: order K7P2Q is ready.", "+15005550006")
    assert sent.status_callback == f"https://bodega.example/hooks/twilio/sms/status?key={KEY}"
    assert message(rt, message_id).provider_message_id == sent.sid
    client = twilio_app.test_client()
    assert (
        post_signed(client, "/hooks/twilio/sms/status", status_callback(sent.sid, "sent")).status_code == 200
    )
    assert message(rt, message_id).status == "sent"
    assert (
        post_signed(client, "/hooks/twilio/sms/status", status_callback(sent.sid, "delivered")).status_code
        == 200
    )
    assert message(rt, message_id).status == "delivered"
    post_signed(
        client, "/hooks/twilio/sms/status", status_callback(sent.sid, "undelivered", error_code="30003")
    )
    assert message(rt, message_id).status == "delivered"  # never regresses a final status


def test_an_undelivered_status_fails_the_message_with_twilios_error_code(
    twilio_app: Flask, fake_twilio: FakeTwilio
) -> None:
    rt: Runtime = twilio_app.extensions["bodega"]
    message_id = queue_message(rt, to=LIMA)
    run_jobs(rt)
    form = status_callback(fake_twilio.sent[0].sid, "undelivered", error_code="30005")
    assert post_signed(twilio_app.test_client(), "/hooks/twilio/sms/status", form).status_code == 200
    row = message(rt, message_id)
    assert (row.status, row.provider_status, row.failure_reason) == ("failed", "undelivered", "30005")


def test_a_refused_number_fails_for_good_and_an_outage_is_retried(
    twilio_app: Flask, fake_twilio: FakeTwilio
) -> None:
    rt: Runtime = twilio_app.extensions["bodega"]
    fake_twilio.script(error(400, 21211, "Invalid 'To' Phone Number"))
    refused = queue_message(rt, to=LIMA)
    run_jobs(rt)
    assert message(rt, refused).status == "failed" and "21211" in (message(rt, refused).failure_reason or "")
    fake_twilio.script(Answer.text(503, "Service Unavailable"))
    retried = queue_message(rt, to=LIMA)
    run_jobs(rt)
    assert message(rt, retried).status == "queued"


def test_a_send_that_times_out_is_retried(fake_twilio: FakeTwilio) -> None:
    fake_twilio.script(Answer.slow(1.5))
    transport = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, "+15005550006", fake_twilio.url, timeout=(1.0, 0.5))
    receipt = transport.send(LIMA, "hello")
    assert (receipt.outcome, receipt.status) == (RETRY, "ReadTimeout")


@pytest.mark.parametrize("path", ["/hooks/twilio/sms", "/hooks/twilio/sms/status"])
@pytest.mark.parametrize("signature", [None, "forged/signature=", "other-token"])
def test_unsigned_or_forged_twilio_webhooks_get_403(
    twilio_app: Flask, path: str, signature: str | None
) -> None:
    form = inbound(LIMA, "HELP") if path.endswith("sms") else status_callback("SM1", "delivered")
    if signature == "other-token":
        signature = sign(f"{BASE}{path}?key={KEY}", form, token="not-our-token")
    response = post_signed(twilio_app.test_client(), path, form, signature)
    assert response.status_code == 403
    assert "X-Twilio-Signature" in response.get_data(as_text=True)


def test_the_signature_covers_the_query_string_and_the_key_is_still_required(twilio_app: Flask) -> None:
    client = twilio_app.test_client()
    form = status_callback("SM1", "delivered")
    signed_without_key = {"X-Twilio-Signature": sign(f"{BASE}/hooks/twilio/sms/status", form)}
    assert client.post("/hooks/twilio/sms/status", data=form, headers=signed_without_key).status_code == 403
    assert (
        client.post(f"/hooks/twilio/sms/status?key={KEY}", data=form, headers=signed_without_key).status_code
        == 403
    )  # signed for another URL


def test_twilio_webhooks_are_refused_without_an_auth_token(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    form = status_callback("SM1", "delivered")
    response = client.post(
        "/hooks/twilio/sms/status",
        data=form,
        headers={"X-Twilio-Signature": sign(f"{BASE}/hooks/twilio/sms/status", form)},
    )
    assert response.status_code == 403


def test_an_inbound_text_reaches_the_shop_commands_and_gets_empty_twiml(
    twilio_app: Flask, fake_twilio: FakeTwilio
) -> None:
    rt: Runtime = twilio_app.extensions["bodega"]
    make_shop(rt, "Bodega Lima", 1, [(LIMA, "owner")])
    client = twilio_app.test_client()
    form = inbound(LIMA, "HELP", sid="SM" + "a" * 32)
    response = post_signed(client, "/hooks/twilio/sms", form)
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert post_signed(client, "/hooks/twilio/sms", form).status_code == 200  # Twilio's retry: stored once
    run_jobs(rt)
    with rt.sessions() as db:
        assert [row.provider_id for row in db.scalars(select(InboundSms))] == ["twilio:SM" + "a" * 32]
        reply = db.scalar(select(OutboundSms).where(OutboundSms.to_phone == LIMA))
        assert reply is not None and reply.purpose == "shop_reply"
    assert [sent.to for sent in fake_twilio.sent] == [LIMA]  # the answer went back through Twilio


@pytest.mark.parametrize(
    ("path", "drop"),
    [
        ("/hooks/twilio/sms", "MessageSid"),
        ("/hooks/twilio/sms", "Body"),
        ("/hooks/twilio/sms/status", "MessageStatus"),
    ],
)
def test_malformed_twilio_webhooks_get_400_with_the_reason(twilio_app: Flask, path: str, drop: str) -> None:
    form = inbound(LIMA, "HELP") if path.endswith("sms") else status_callback("SM1", "delivered")
    del form[drop]
    response = post_signed(twilio_app.test_client(), path, form)
    assert response.status_code == 400 and drop in response.get_data(as_text=True)
