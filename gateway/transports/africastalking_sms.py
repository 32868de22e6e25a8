"""Africa's Talking SMS through the official ``africastalking`` SDK (2.0.3). AT's words live here.

``SMSService`` is built directly (no ``africastalking.initialize()`` globals). When ``api_url``
is given, a subclass points the SDK at ``<api_url>/version1`` instead of AT's own host: a
proxy, an AT-compatible gateway, or the fake AT the tests start on 127.0.0.1.

How AT answers (PROTOCOLS.md) and what it becomes here:
- HTTP 201 with one recipient: ``statusCode`` 100/101/102 -> accepted; 401-407 -> permanent;
  500-502 -> retry; anything else -> retry (unknown codes are not worth losing a message over).
- HTTP 201 with ``Recipients: []``: an account-level refusal named in ``Message`` -> permanent.
- Any other HTTP status: the SDK raises ``AfricasTalkingException`` with only the body text
  (401 ``The supplied authentication is invalid``, a 5xx page...) -> retry, so a fixed key or
  a recovered AT still sends the message; the job gives up after its attempt limit.
- ``requests`` errors (refused connection, timeout) -> retry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService

from gateway.core.errors import BadRequest
from gateway.core.phone import to_e164
from gateway.transports.base import (
    ACCEPTED,
    DELIVERED,
    PERMANENT,
    RETRY,
    UNDELIVERED,
    DeliveryUpdate,
    SmsReceipt,
)
from gateway.transports.clean import clean_form

log = logging.getLogger(__name__)

ACCEPTED_CODES = frozenset({100, 101, 102})
PERMANENT_CODES = frozenset(range(401, 408))
BAD_AUTH = "The supplied authentication is invalid"
DELIVERY_MEANINGS = {"Success": DELIVERED, "Rejected": UNDELIVERED, "Failed": UNDELIVERED,
                     "Expired": UNDELIVERED}  # Sent, Submitted, Buffered: still under way


class _PointedSMSService(SMSService):
    """``SMSService`` whose base URL is ``<root>/version1`` when ``root`` is given."""

    def __init__(self, username: str, api_key: str, root: str | None) -> None:
        self._root = root.rstrip("/") if root else None  # read by _init_service, called by super()
        super().__init__(username, api_key)

    def _init_service(self) -> None:
        super()._init_service()
        if self._root:
            self._baseUrl = f"{self._root}/version1"
            self._contentUrl = f"{self._root}/version1"


class AfricasTalkingSms:
    """One SMS per call through AT. ``timeout`` is requests' (connect, read) in seconds."""

    name = "africastalking"

    def __init__(self, username: str, api_key: str, api_url: str | None = None,
                 sender_id: str | None = None, timeout: tuple[float, float] = (3.05, 10.0)) -> None:
        self._sdk = _PointedSMSService(username, api_key, api_url)
        self.sender_id = sender_id or None
        self.timeout = timeout

    def send(self, to: str, body: str) -> SmsReceipt:
        try:
            reply = self._sdk.send(body, [to], sender_id=self.sender_id, timeout=self.timeout)
        except AfricasTalkingException as exc:
            return _refused_over_http(str(exc))
        except requests.RequestException as exc:
            return SmsReceipt(RETRY, status=type(exc).__name__, detail=f"AT unreachable: {exc}"[:200])
        except ValueError as exc:  # the SDK's own check of the number
            return SmsReceipt(PERMANENT, status="InvalidPhoneNumber", detail=str(exc)[:200])
        return read_reply(reply, to)


def _refused_over_http(text: str) -> SmsReceipt:
    if BAD_AUTH in text:
        log.error("Africa's Talking refused our credentials: check AT_USERNAME and AT_API_KEY")
        return SmsReceipt(RETRY, status="AuthenticationFailed", detail=text[:200])
    return SmsReceipt(RETRY, status="HttpError", detail=f"AT answered: {text}"[:200])


def read_reply(reply: Any, to: str) -> SmsReceipt:
    """Interpret the SDK's return value (a dict, or raw text when the content type was off)."""
    if isinstance(reply, str | bytes):
        try:
            reply = json.loads(reply)
        except ValueError:
            return SmsReceipt(RETRY, status="UnreadableReply", detail=str(reply)[:200])
    data = reply.get("SMSMessageData") if isinstance(reply, dict) else None
    if not isinstance(data, dict):
        return SmsReceipt(RETRY, status="UnreadableReply", detail=str(reply)[:200])
    recipients = data.get("Recipients") or []
    if not recipients:
        message = str(data.get("Message") or "no recipients")
        return SmsReceipt(PERMANENT, status=message[:40], detail=f"AT refused the account: {message}"[:200])
    mine = next((r for r in recipients if r.get("number") == to), recipients[0])
    return _recipient_receipt(mine)


def _recipient_receipt(recipient: dict[str, Any]) -> SmsReceipt:
    try:
        code = int(recipient.get("statusCode"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        code = 0
    message_id = recipient.get("messageId")
    message_id = None if message_id in (None, "", "None") else str(message_id)
    status = str(recipient.get("status") or "")[:40] or None
    cost = str(recipient.get("cost") or "")[:40] or None
    if code in ACCEPTED_CODES and message_id:
        outcome = ACCEPTED
    elif code in PERMANENT_CODES:
        outcome = PERMANENT
    else:
        outcome = RETRY
    return SmsReceipt(outcome, message_id=message_id, status=status, status_code=code or None, cost=cost,
                      detail=f"AT statusCode {code} {status or ''}".strip())


def parse_delivery_report(form: Mapping[str, str], region: str = "KE") -> DeliveryUpdate:
    """AT's delivery report callback (form fields ``id``, ``status``, ``phoneNumber``,
    ``failureReason``...) as a ``DeliveryUpdate``; ``BadRequest`` names a missing field.
    Control characters (NUL...) are dropped from every field first: the report is stored."""
    form = clean_form(form)
    missing = [name for name in ("id", "status") if not (form.get(name) or "").strip()]
    if missing:
        raise BadRequest("missing field(s): " + ", ".join(missing))
    message_id, status = form["id"].strip(), form["status"].strip()
    if len(message_id) > 100 or len(status) > 20:
        raise BadRequest("id or status is too long")
    phone = form.get("phoneNumber") or None
    try:
        phone = to_e164(phone, region) if phone else None
    except BadRequest:
        phone = None  # a report is about our message id; a strange number does not void it
    reason = (form.get("failureReason") or "").strip()[:60] or None
    return DeliveryUpdate(message_id, status, DELIVERY_MEANINGS.get(status), reason, phone,
                          urlencode(sorted(form.items()))[:4000])
