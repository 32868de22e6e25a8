"""The fakes themselves speak the providers' formats: checked with the official AT SDK and requests."""

from __future__ import annotations

import base64

import pytest
import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService

from tests.fakes import Answer, FakeAT, FakeDaraja
from tests.fakes.fake_daraja import PASSKEY, SHORTCODE


def sdk_for(fake: FakeAT, api_key: str | None = None) -> SMSService:
    class Pointed(SMSService):
        def _init_service(self) -> None:
            self._baseUrl = self._contentUrl = f"{fake.url}/version1"

    return Pointed(fake.username, api_key or fake.api_key)


def test_fake_at_accepts_through_the_official_sdk(fake_at: FakeAT) -> None:
    reply = sdk_for(fake_at).send("Hello", ["+254711000111"], sender_id="BODEGA")
    recipient = reply["SMSMessageData"]["Recipients"][0]
    assert recipient["statusCode"] == 101 and recipient["messageId"].startswith("ATXid_")
    form = fake_at.messaging_requests[0].form
    assert form == {"username": "bodega", "to": "+254711000111", "message": "Hello",
                    "bulkSMSMode": "1", "from": "BODEGA"}
    assert fake_at.sent[0].message_id == recipient["messageId"]


def test_fake_at_scripts_failures_in_order(fake_at: FakeAT) -> None:
    sdk = sdk_for(fake_at)
    fake_at.unauthorized()
    fake_at.account_error("InvalidSenderId")
    fake_at.recipient_status(403)
    with pytest.raises(AfricasTalkingException, match="The supplied authentication is invalid"):
        sdk.send("Hi", ["+254711000111"])
    assert sdk.send("Hi", ["+254711000111"])["SMSMessageData"] == {
        "Message": "InvalidSenderId", "Recipients": []}
    bad = sdk.send("Hi", ["+254711000111"])["SMSMessageData"]["Recipients"][0]
    assert (bad["statusCode"], bad["status"]) == (403, "InvalidPhoneNumber")
    assert sdk.send("Hi", ["+254711000111"])["SMSMessageData"]["Recipients"][0]["statusCode"] == 101
    assert len(fake_at.sent) == 1


def test_fake_at_wrong_key_and_slow_answer(fake_at: FakeAT) -> None:
    with pytest.raises(AfricasTalkingException):
        sdk_for(fake_at, api_key="wrong").send("Hi", ["+254711000111"])
    fake_at.script(Answer.slow(1.0))
    with pytest.raises(requests.Timeout):
        sdk_for(fake_at).send("Hi", ["+254711000111"], timeout=(1, 0.2))


def _stk_body(token_stamp: str = "20240101120000", **changes: object) -> dict[str, object]:
    password = base64.b64encode(f"{SHORTCODE}{PASSKEY}{token_stamp}".encode()).decode()
    body: dict[str, object] = {
        "BusinessShortCode": SHORTCODE, "Password": password, "Timestamp": token_stamp,
        "TransactionType": "CustomerPayBillOnline", "Amount": 360, "PartyA": "254711000111",
        "PartyB": SHORTCODE, "PhoneNumber": "254711000111",
        "CallBackURL": "https://example.test/hooks/mpesa/stk?key=k", "AccountReference": "K7P2Q",
        "TransactionDesc": "Bodega order"}
    body.update(changes)
    return body


def test_fake_daraja_token_push_query_and_refusals(fake_daraja: FakeDaraja) -> None:
    base = fake_daraja.url
    token = requests.get(f"{base}/oauth/v1/generate", params={"grant_type": "client_credentials"},
                         auth=(fake_daraja.consumer_key, fake_daraja.consumer_secret), timeout=5).json()
    assert token["expires_in"] == "3599"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    push_url = f"{base}/mpesa/stkpush/v1/processrequest"
    accepted = requests.post(push_url, json=_stk_body(), headers=headers, timeout=5)
    assert accepted.status_code == 200 and accepted.json()["ResponseCode"] == "0"
    checkout = accepted.json()["CheckoutRequestID"]
    for change in ({"Amount": 360.5}, {"PhoneNumber": "+254711000111"}, {"AccountReference": "X" * 13}):
        refused = requests.post(push_url, json=_stk_body(**change), headers=headers, timeout=5)
        assert refused.status_code == 400
        assert refused.json()["errorMessage"] == f"Bad Request - Invalid {next(iter(change))}"
    assert requests.post(push_url, json=_stk_body(), timeout=5).status_code == 401
    query = {k: v for k, v in _stk_body().items() if k in ("BusinessShortCode", "Password", "Timestamp")}
    query_url = f"{base}/mpesa/stkpushquery/v1/query"
    query["CheckoutRequestID"] = checkout
    pending = requests.post(query_url, json=query, headers=headers, timeout=5)
    assert pending.json()["errorCode"] == "500.001.1001"
    callback = fake_daraja.callback_for(fake_daraja.pushes[0], result_code=0, receipt="QWE123RTY9")
    items = callback["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    assert items[0] == {"Name": "Amount", "Value": 360.0}
    done = requests.post(query_url, json=query, headers=headers, timeout=5)
    assert done.json()["ResultCode"] == "0"
