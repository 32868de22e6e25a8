"""Infobip SMS: send, delivery reports, inbound texts. Infobip's words live here only.

Sending is one JSON POST to ``{base_url}/sms/2/text/advanced`` with ``Authorization: App <key>``,
through ``requests`` with an explicit timeout. Infobip's status groups decide the outcome:
1 PENDING and 3 DELIVERED -> accepted; 2 UNDELIVERABLE, 4 EXPIRED, 5 REJECTED -> permanent.
HTTP 401 (key), 429, 5xx, an unreadable body or no connection -> retry; another 4xx
(``{"requestError": {"serviceException": {"messageId": "BAD_REQUEST", "text": ...}}}``) -> permanent.
Delivery reports and inbound texts arrive as ``{"results": [...]}``, up to 100 at a time.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests

from gateway.core.errors import BadRequest
from gateway.core.phone import to_e164
from gateway.sms.inbox import InboundMessage
from gateway.transports.base import (
    ACCEPTED,
    DELIVERED,
    PERMANENT,
    RETRY,
    UNDELIVERED,
    DeliveryUpdate,
    SmsReceipt,
    json_reply,
    refusal_outcome,
)
from gateway.transports.ussd_json import json_object

log = logging.getLogger(__name__)

NAME = "infobip"
MAX_TEXT = 1600
ACCEPTED_GROUPS = frozenset({1, 3})  # PENDING, DELIVERED
REFUSED_GROUPS = frozenset({2, 4, 5})  # UNDELIVERABLE, EXPIRED, REJECTED
DELIVERY_MEANINGS = {
    "DELIVERED": DELIVERED,
    "UNDELIVERABLE": UNDELIVERED,
    "EXPIRED": UNDELIVERED,
    "REJECTED": UNDELIVERED,
}  # PENDING: still under way
MAX_RESULTS = 100


class InfobipSms:
    """One SMS per call through Infobip. ``timeout`` is requests' (connect, read) in seconds."""

    name = NAME

    def __init__(
        self,
        base_url: str,
        api_key: str,
        sender: str | None = None,
        notify_url: str | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
    ) -> None:
        self.endpoint = f"{base_url.rstrip('/')}/sms/2/text/advanced"
        self.api_key, self.sender, self.notify_url, self.timeout = api_key, sender, notify_url, timeout

    def send(self, to: str, body: str) -> SmsReceipt:
        message: dict[str, Any] = {"destinations": [{"to": to.lstrip("+")}], "text": body[:MAX_TEXT]}
        if self.sender:
            message["from"] = self.sender
        if self.notify_url:
            message |= {"notifyUrl": self.notify_url, "notifyContentType": "application/json"}
        headers = {"Authorization": f"App {self.api_key}", "Accept": "application/json"}
        try:
            reply = requests.post(
                self.endpoint, json={"messages": [message]}, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            return SmsReceipt(RETRY, status=type(exc).__name__, detail=f"Infobip unreachable: {exc}"[:200])
        return read_reply(reply.status_code, reply.text)


def read_reply(status: int, text: str) -> SmsReceipt:
    """What Infobip's answer to a send means (see the module docstring)."""
    body = json_reply(text)
    if body is None:
        return SmsReceipt(RETRY, status="UnreadableReply", detail=f"Infobip HTTP {status}: {text[:150]}")
    if status == 200 and isinstance(body.get("messages"), list) and body["messages"]:
        return _message_receipt(body["messages"][0])
    error = (body.get("requestError") or {}).get("serviceException") or {}
    word, reason = str(error.get("messageId") or status)[:40], str(error.get("text") or "")
    if status == 401:
        log.error("Infobip refused our key: check INFOBIP_API_KEY and INFOBIP_BASE_URL")
    outcome = refusal_outcome(status)
    return SmsReceipt(
        outcome, status=word, status_code=status, detail=f"Infobip HTTP {status} {word}: {reason}"[:200]
    )


def _message_receipt(message: Any) -> SmsReceipt:
    state = message.get("status") if isinstance(message, dict) else None
    if not isinstance(state, dict):
        return SmsReceipt(RETRY, status="UnreadableReply", detail=str(message)[:200])
    group, word = state.get("groupId"), str(state.get("name") or state.get("groupName") or "")[:40]
    message_id = str(message.get("messageId") or "")[:100] or None
    if group in ACCEPTED_GROUPS and message_id:
        outcome = ACCEPTED
    elif group in REFUSED_GROUPS:
        outcome = PERMANENT
    else:
        outcome = RETRY
    return SmsReceipt(
        outcome,
        message_id=message_id,
        status=word or None,
        detail=f"Infobip {word}: {state.get('description') or ''}".strip()[:200],
    )


def _results(raw: bytes) -> list[dict[str, Any]]:
    results = json_object(raw).get("results")
    if not isinstance(results, list) or not results:
        raise BadRequest("results must be a non-empty list")
    if len(results) > MAX_RESULTS:
        raise BadRequest(f"more than {MAX_RESULTS} results")
    if not all(isinstance(item, dict) for item in results):
        raise BadRequest("each result must be an object")
    return results


def _text(item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadRequest(f"{name} must be a string" if name in item else f"missing field: {name}")
    text = str(value).replace("\x00", "").strip()
    if not text or len(text) > limit:
        raise BadRequest(f"{name} is blank or longer than {limit} characters")
    return text


def parse_delivery_reports(raw: bytes) -> list[DeliveryUpdate]:
    """Infobip's delivery report webhook as ``DeliveryUpdate``s; ``BadRequest`` names what is wrong.
    The status word kept is the group (``DELIVERED``, ``UNDELIVERABLE``...); the reason, the
    error's name (or the status's when there is no error)."""
    updates = []
    for item in _results(raw):
        state = item.get("status")
        if not isinstance(state, dict) or not isinstance(state.get("groupName"), str):
            raise BadRequest("status.groupName is missing")
        group = state["groupName"].strip().upper()[:20]
        meaning = DELIVERY_MEANINGS.get(group)
        error: dict[str, Any] = item["error"] if isinstance(item.get("error"), dict) else {}
        reason = None
        if meaning == UNDELIVERED:
            reason = str((error.get("name") if error.get("id") else None) or state.get("name") or group)[:60]
        updates.append(
            DeliveryUpdate(
                _text(item, "messageId", 100),
                group,
                meaning,
                reason,
                _phone_or_none(item.get("to")),
                json.dumps(item)[:4000],
            )
        )
    return updates


def parse_inbound(raw: bytes) -> list[InboundMessage]:
    """Infobip's inbound SMS webhook (``results`` of ``messageId``, ``from``, ``to``, ``text``)."""
    messages = []
    for item in _results(raw):
        sender = _text(item, "from", 30)
        text = item.get("text")
        if not isinstance(text, str):
            raise BadRequest("text must be a string")
        messages.append(
            InboundMessage(
                provider_id=f"{NAME}:{_text(item, 'messageId', 90)}",
                sender=_phone_or_none(sender) or sender[:20],
                to=_text(item, "to", 20),
                text=text.replace("\x00", "")[:MAX_TEXT],
            )
        )
    return messages


def _phone_or_none(raw: Any) -> str | None:
    """Infobip writes numbers internationally without the plus (``41793026727``)."""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    digits = str(raw).strip().lstrip("+")
    try:
        return to_e164("+" + digits) if digits.isdigit() else None
    except BadRequest:
        return None
