"""Twilio Programmable Messaging: send, status callbacks, inbound texts. Twilio's words live here.

Sending is one form POST to ``{api_url}/2010-04-01/Accounts/{sid}/Messages.json`` with HTTP Basic
auth (sid, token), through ``requests`` with an explicit timeout. What Twilio answers becomes:
- 201 with a message resource (``sid`` SM..., ``status`` queued/accepted/...) -> accepted;
- 401 (credentials), 429 (too many requests), 5xx, an unreadable body, no connection -> retry;
- any other 4xx (``{"code": 21211, "message": "Invalid 'To' Phone Number", ...}``) -> permanent.

Every webhook Twilio sends is signed (``X-Twilio-Signature``); ``signature_ok`` checks it over the
full URL Twilio requested (query string included) and every form parameter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

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

log = logging.getLogger(__name__)

NAME = "twilio"
API_URL = "https://api.twilio.com"
MAX_TEXT = 1600
DELIVERY_MEANINGS = {"delivered": DELIVERED, "read": DELIVERED, "undelivered": UNDELIVERED,
                     "failed": UNDELIVERED, "canceled": UNDELIVERED}  # the rest: still under way
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


class TwilioSms:
    """One SMS per call through Twilio. ``timeout`` is requests' (connect, read) in seconds."""

    name = NAME

    def __init__(self, account_sid: str, auth_token: str, sender: str, api_url: str | None = None,
                 status_callback: str | None = None, timeout: tuple[float, float] = (3.05, 10.0)) -> None:
        self.account_sid, self.auth_token, self.sender = account_sid, auth_token, sender
        self.endpoint = f"{(api_url or API_URL).rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.status_callback, self.timeout = status_callback, timeout

    def send(self, to: str, body: str) -> SmsReceipt:
        form = {"To": to, "From": self.sender, "Body": body[:MAX_TEXT]}
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        try:
            reply = requests.post(self.endpoint, data=form, auth=(self.account_sid, self.auth_token),
                                  timeout=self.timeout)
        except requests.RequestException as exc:
            return SmsReceipt(RETRY, status=type(exc).__name__, detail=f"Twilio unreachable: {exc}"[:200])
        return read_reply(reply.status_code, reply.text)


def read_reply(status: int, text: str) -> SmsReceipt:
    """What Twilio's answer to a send means (see the module docstring)."""
    body = json_reply(text)
    if body is None:
        return SmsReceipt(RETRY, status="UnreadableReply", detail=f"Twilio HTTP {status}: {text[:150]}")
    if status in (200, 201) and body.get("sid"):
        word = str(body.get("status") or "queued")[:40]
        outcome = PERMANENT if word in ("failed", "undelivered", "canceled") else ACCEPTED
        return SmsReceipt(outcome, message_id=str(body["sid"])[:100], status=word, status_code=status,
                          cost=_price(body), detail=f"Twilio {word}")
    code, message = str(body.get("code") or status), str(body.get("message") or "")
    detail = f"Twilio HTTP {status} {code}: {message}"[:200]
    if status == 401:
        log.error("Twilio refused our credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    outcome = refusal_outcome(status)
    return SmsReceipt(outcome, status=code[:40], status_code=status, detail=detail)


def _price(body: dict[str, Any]) -> str | None:
    price = body.get("price")
    return f"{body.get('price_unit') or ''} {price}".strip()[:40] if price not in (None, "") else None


def _without_nuls(form: Mapping[str, str]) -> dict[str, str]:
    """No handset sends a NUL, and PostgreSQL refuses them in text columns."""
    return {name: value.replace("\x00", "") for name, value in form.items()}


def parse_status_callback(raw_form: Mapping[str, str]) -> DeliveryUpdate:
    """Twilio's status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``, ``To``...)."""
    form = _without_nuls(raw_form)
    missing = [name for name in ("MessageSid", "MessageStatus") if not (form.get(name) or "").strip()]
    if missing:
        raise BadRequest("missing field(s): " + ", ".join(missing))
    sid, status = form["MessageSid"].strip(), form["MessageStatus"].strip().lower()
    if len(sid) > 100 or len(status) > 20:
        raise BadRequest("MessageSid or MessageStatus is too long")
    reason = (form.get("ErrorCode") or "").strip()[:60] or None
    return DeliveryUpdate(sid, status, DELIVERY_MEANINGS.get(status), reason, _phone_or_none(form.get("To")),
                          urlencode(sorted(form.items()))[:4000])


def parse_inbound(raw_form: Mapping[str, str]) -> InboundMessage:
    """Twilio's inbound SMS webhook (``MessageSid``, ``From``, ``To``, ``Body``...)."""
    form = _without_nuls(raw_form)
    missing = [name for name in ("MessageSid", "From", "To") if not (form.get(name) or "").strip()]
    if "Body" not in form:
        missing.append("Body")
    if missing:
        raise BadRequest("missing field(s): " + ", ".join(missing))
    sid = form["MessageSid"].strip()
    if len(sid) > 90:
        raise BadRequest("MessageSid is longer than 90 characters")
    sender = form["From"].strip()
    return InboundMessage(provider_id=f"{NAME}:{sid}", sender=_phone_or_none(sender) or sender[:20],
                          to=form["To"].strip()[:20], text=form["Body"][:MAX_TEXT])


def _phone_or_none(raw: str | None) -> str | None:
    try:
        return to_e164(raw, "US") if raw and raw.strip().startswith("+") else None
    except BadRequest:
        return None


def signature_ok(url: str, params: Iterable[tuple[str, str]], header: str | None, auth_token: str) -> bool:
    """Whether ``header`` is Twilio's signature of ``url`` (as requested, query string included) and
    the form ``params``: HMAC-SHA1 with the auth token over the URL followed by each parameter
    name and value, sorted. Twilio may have signed the URL with or without its default port."""
    if not header or not auth_token:
        return False
    pairs = sorted(set(params))
    tail = "".join(name + value for name, value in pairs)
    for candidate in _with_and_without_port(url):
        digest = hmac.new(auth_token.encode(), (candidate + tail).encode(), hashlib.sha1).digest()
        if hmac.compare_digest(base64.b64encode(digest).decode(), header.strip()):
            return True
    return False


def _with_and_without_port(url: str) -> list[str]:
    """``url`` as given, plus its form with the scheme's default port added or removed."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if default is None or parts.port not in (None, default):
        return [url]
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host = hostport.rsplit(":", 1)[0] if parts.port else hostport
    variants = (urlunsplit(parts._replace(netloc=f"{userinfo}{at}{h}")) for h in (host, f"{host}:{default}"))
    return [url] + [v for v in variants if v != url]
