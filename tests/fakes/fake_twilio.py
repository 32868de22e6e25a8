"""A fake Twilio Messaging API speaking PROTOCOLS.md verbatim, and Twilio's side of its webhooks.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form ``To``, ``From``, ``Body``,
``StatusCallback``?; HTTP Basic ``AccountSid:AuthToken``) answers 201 with a message resource
(``sid`` SM..., ``status`` queued). Wrong credentials: 401 ``{"code": 20003, ...}``; no ``To``:
400 code 21604; a ``To`` that is not a number: 400 code 21211.

``sign(url, form)`` is Twilio's ``X-Twilio-Signature``, written here from Twilio's description
(not imported from the gateway), so the gateway's check is tested against an independent copy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import Answer, FakeServer, Recorded

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "twilio-test-auth-token"
FROM = "+15005550006"


def error(status: int, code: int, message: str) -> Answer:
    return Answer.json(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    sender: str
    sid: str
    status_callback: str | None


class FakeTwilio(FakeServer):
    """Fake Twilio. ``settings()`` points the gateway here."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentSms] = []

    def reset(self) -> None:
        super().reset()
        self.sent.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM": FROM,
            "TWILIO_API_URL": self.url,
            **extra,
        }

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:
        if req.method != "POST" or req.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return error(404, 20404, "The requested resource was not found")
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if req.headers.get("Authorization") != expected:
            return error(401, 20003, "Authenticate")
        form = req.form
        if not form.get("To"):
            return error(400, 21604, "A 'To' phone number is required.")
        if not form["To"].lstrip("+").isdigit():
            return error(400, 21211, f"Invalid 'To' Phone Number: {form['To']}")
        sid = "SM" + secrets.token_hex(16)
        self.sent.append(
            SentSms(form["To"], form.get("Body", ""), form.get("From", ""), sid, form.get("StatusCallback"))
        )
        return Answer.json(
            201,
            {
                "account_sid": ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": form.get("Body", ""),
                "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
                "date_sent": None,
                "date_updated": None,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "messaging_service_sid": None,
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {},
                "to": form["To"],
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            },
        )


def sign(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """Twilio's X-Twilio-Signature: base64(HMAC-SHA1(token, url + each name+value, by name))."""
    payload = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def status_callback(
    sid: str, status: str, to: str = "+51912345678", error_code: str | None = None
) -> dict[str, str]:
    """Twilio's status callback form, verbatim (``ErrorCode`` on failure; ``RawDlrDoneDate`` once final)."""
    form = {
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "AccountSid": ACCOUNT_SID,
        "From": FROM,
        "To": to,
        "ApiVersion": "2010-04-01",
    }
    if status in ("delivered", "undelivered"):
        form["RawDlrDoneDate"] = "2311241301"
    if error_code is not None:
        form["ErrorCode"] = error_code
    return form


def inbound(sender: str, body: str, sid: str | None = None, to: str = FROM) -> dict[str, str]:
    """Twilio's inbound SMS webhook form, verbatim."""
    sid = sid or "SM" + secrets.token_hex(16)
    return {
        "ToCountry": "US",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "PE",
        "To": to,
        "MessagingServiceSid": "",
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
