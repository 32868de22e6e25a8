"""A fake Infobip SMS API speaking PROTOCOLS.md verbatim, and Infobip's side of its webhooks.

``POST /sms/2/text/advanced`` with ``Authorization: App <key>`` and ``{"messages": [...]}``
answers 200 ``{"bulkId", "messages": [{"to", "messageId", "status": {groupId 1 PENDING ...}}]}``.
Wrong key: 401 with Infobip's ``requestError``; no destinations: 400 ``BAD_REQUEST``.
``script(Answer(extra={"groupId": 5, "name": "REJECTED_DESTINATION"}))`` answers one send with
another status group.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import Answer, FakeServer, Recorded

API_KEY = "infobip-test-key"
FROM = "Bodega"
GROUPS = {1: "PENDING", 2: "UNDELIVERABLE", 3: "DELIVERED", 4: "EXPIRED", 5: "REJECTED"}


def request_error(status: int, message_id: str, text: str) -> Answer:
    return Answer.json(
        status, {"requestError": {"serviceException": {"messageId": message_id, "text": text}}}
    )


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str
    sender: str | None
    message_id: str
    notify_url: str | None


class FakeInfobip(FakeServer):
    """Fake Infobip. ``settings()`` points the gateway here."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentSms] = []

    def reset(self) -> None:
        super().reset()
        self.sent.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"INFOBIP_BASE_URL": self.url, "INFOBIP_API_KEY": API_KEY, "INFOBIP_FROM": FROM, **extra}

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:
        if req.method != "POST" or req.path != "/sms/2/text/advanced":
            return request_error(404, "NOT_FOUND", "Requested URL not found")
        if req.headers.get("Authorization") != f"App {API_KEY}":
            return request_error(401, "UNAUTHORIZED", "Invalid login details")
        messages = (req.json or {}).get("messages") if isinstance(req.json, dict) else None
        if not messages or not messages[0].get("destinations"):
            return request_error(400, "BAD_REQUEST", "Bad request")
        extra = scripted.extra if scripted else {}
        group = int(extra.get("groupId", 1))
        name = extra.get("name", "PENDING_ACCEPTED")
        answered = []
        for message in messages:
            for destination in message["destinations"]:
                message_id = destination.get("messageId") or secrets.token_hex(12)
                if group in (1, 3):
                    self.sent.append(
                        SentSms(
                            destination["to"],
                            message.get("text", ""),
                            message.get("from"),
                            message_id,
                            message.get("notifyUrl"),
                        )
                    )
                answered.append(
                    {
                        "to": destination["to"],
                        "messageId": message_id,
                        "status": {
                            "groupId": group,
                            "groupName": GROUPS[group],
                            "id": 26,
                            "name": name,
                            "description": "Message sent to next instance",
                        },
                    }
                )
        return Answer.json(200, {"bulkId": secrets.token_hex(8), "messages": answered})


def delivery_report(
    message_id: str, group: int = 3, to: str = "233244000111", error_name: str = "NO_ERROR"
) -> dict[str, Any]:
    """Infobip's delivery report webhook body, verbatim (one result)."""
    names = {
        3: "DELIVERED_TO_HANDSET",
        2: "UNDELIVERABLE_NOT_DELIVERED",
        4: "EXPIRED_EXPIRED",
        5: "REJECTED_NETWORK",
        1: "PENDING_ENROUTE",
    }
    return {
        "results": [
            {
                "bulkId": "BULK-ID-123-xyz",
                "messageId": message_id,
                "to": to,
                "from": FROM,
                "sentAt": "2019-11-09T16:00:00.000+0000",
                "doneAt": "2019-11-09T16:00:00.000+0000",
                "smsCount": 1,
                "mccMnc": "62001",
                "callbackData": None,
                "price": {"pricePerMessage": 0.01, "currency": "EUR"},
                "status": {
                    "groupId": group,
                    "groupName": GROUPS[group],
                    "id": 5,
                    "name": names[group],
                    "description": "Message delivered to handset",
                },
                "error": {
                    "groupId": 0 if error_name == "NO_ERROR" else 1,
                    "groupName": "OK" if error_name == "NO_ERROR" else "HANDSET_ERRORS",
                    "id": 0 if error_name == "NO_ERROR" else 27,
                    "name": error_name,
                    "permanent": error_name != "NO_ERROR",
                },
            }
        ]
    }


def inbound(
    sender: str, text: str, message_id: str | None = None, to: str = "233200000000"
) -> dict[str, Any]:
    """Infobip's inbound SMS webhook body (MO_JSON_2), verbatim, sender without the plus."""
    return {
        "results": [
            {
                "messageId": message_id or secrets.token_hex(12),
                "from": sender.lstrip("+"),
                "to": to,
                "text": text,
                "cleanText": text,
                "keyword": text.split(" ")[0] if text else "",
                "receivedAt": "2019-08-03T07:23:24.111+0000",
                "smsCount": 1,
                "price": {"pricePerMessage": 0, "currency": "EUR"},
                "callbackData": None,
            }
        ],
        "messageCount": 1,
        "pendingMessageCount": 0,
    }
