"""A fake Africa's Talking SMS API speaking PROTOCOLS.md verbatim, for the official SDK to talk to.

``POST /version1/messaging`` (form: username, to, message, bulkSMSMode, from?, enqueue?; header
``apiKey``) answers HTTP 201 with ``Content-Type: application/json`` exactly and one entry per
recipient in ``SMSMessageData.Recipients``. Wrong key or username: HTTP 401 ``text/plain``
``The supplied authentication is invalid``.

Scripting (each call answers the next request; afterwards it answers normally again)::

    fake_at.script(Answer.text(500, "Internal Server Error"))   # a 5xx, then success
    fake_at.unauthorized()                                       # 401 text/plain
    fake_at.account_error("InvalidSenderId")                     # 201 with Recipients: []
    fake_at.recipient_status(403)                                # 201, statusCode 403 per number
    fake_at.script(Answer(extra={"messageId": "ATXid_1"}))        # accepted under a chosen id
    fake_at.script(Answer.slow(3))                               # answer after 3 s (timeouts)

``delivery_report(...)`` builds AT's delivery report callback form for posting to the gateway.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import Answer, FakeServer, Recorded

STATUS_NAMES = {
    100: "Processed", 101: "Success", 102: "Queued",
    401: "RiskHold", 402: "InvalidSenderId", 403: "InvalidPhoneNumber", 404: "UnsupportedNumberType",
    405: "InsufficientBalance", 406: "UserInBlacklist", 407: "CouldNotRoute",
    500: "InternalServerError", 501: "GatewayError", 502: "RejectedByGateway",
}
BAD_AUTH = "The supplied authentication is invalid"
COST = "KES 0.8000"


@dataclass(frozen=True)
class SentSms:
    """One recipient's message as the fake accepted it."""

    to: str
    message: str
    sender: str | None
    message_id: str
    status_code: int


class FakeAT(FakeServer):
    """Fake AT SMS endpoint. ``settings()`` gives the ``AT_*`` settings that point the gateway here."""

    def __init__(self, username: str = "bodega", api_key: str = "at-test-key") -> None:
        super().__init__()
        self.username = username
        self.api_key = api_key
        self.sent: list[SentSms] = []

    def reset(self) -> None:
        super().reset()
        self.sent.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"AT_USERNAME": self.username, "AT_API_KEY": self.api_key, "AT_API_URL": self.url, **extra}

    # scripting shortcuts
    def unauthorized(self) -> None:
        self.script(Answer.text(401, BAD_AUTH))

    def account_error(self, message: str = "InvalidSenderId") -> None:
        self.script(Answer.json(201, {"SMSMessageData": {"Message": message, "Recipients": []}}))

    def recipient_status(self, code: int) -> None:
        self.script(Answer(extra={"statusCode": code}))

    @property
    def messaging_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/version1/messaging"]

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:
        if req.method != "POST" or req.path != "/version1/messaging":
            return Answer.text(404, "Not Found")
        form = req.form
        if req.headers.get("apiKey") != self.api_key or form.get("username") != self.username:
            return Answer.text(401, BAD_AUTH)
        if not form.get("to") or not form.get("message"):
            return Answer.text(400, "Request is missing required form field 'to'" if not form.get("to")
                               else "Request is missing required form field 'message'")
        extra = scripted.extra if scripted else {}
        code = int(extra.get("statusCode", 101))
        recipients = [self._recipient(number.strip(), form, code, extra.get("messageId"))
                      for number in form["to"].split(",")]
        accepted = sum(1 for r in recipients if r["statusCode"] in (100, 101, 102))
        total = f"KES {0.8 * accepted:.4f}" if accepted else "0"
        message = f"Sent to {accepted}/{len(recipients)} Total Cost: {total}"
        return Answer.json(201, {"SMSMessageData": {"Message": message, "Recipients": recipients}})

    def _recipient(self, number: str, form: dict[str, str], code: int,
                   message_id: str | None) -> dict[str, Any]:
        if code in (100, 101, 102):
            message_id = message_id or f"ATXid_{secrets.token_hex(16)}"
            self.sent.append(SentSms(number, form["message"], form.get("from"), message_id, code))
            return {"statusCode": code, "number": number, "status": STATUS_NAMES[code],
                    "cost": COST, "messageId": message_id}
        return {"statusCode": code, "number": number, "status": STATUS_NAMES.get(code, "Failed"),
                "cost": "0", "messageId": "None"}


def delivery_report(message_id: str, status: str = "Success", phone: str = "+254711000111",
                    failure_reason: str | None = None, network_code: str = "63902",
                    retry_count: int = 0) -> dict[str, str]:
    """AT's delivery report callback form, verbatim (``failureReason`` only when given)."""
    form = {"id": message_id, "status": status, "phoneNumber": phone, "networkCode": network_code,
            "retryCount": str(retry_count)}
    if failure_reason is not None:
        form["failureReason"] = failure_reason
    return form
