"""M-Pesa Daraja STK push (Safaricom). Daraja's field names, codes and quirks live here only.

- Token: ``GET /oauth/v1/generate?grant_type=client_credentials`` with HTTP Basic, cached in
  Redis (shared by every process) and in memory until a minute before ``expires_in``.
- Push: ``POST /mpesa/stkpush/v1/processrequest`` with ``Password = base64(shortcode + passkey +
  timestamp)``, ``Timestamp`` in East Africa Time, ``2547...`` numbers, a whole-number ``Amount``,
  ``AccountReference`` = the order reference, ``CallBackURL`` = ``PUBLIC_URL/hooks/mpesa/stk?key=``.
- Query: ``POST /mpesa/stkpushquery/v1/query``; while the customer is still on the prompt Daraja
  answers HTTP 500 ``500.001.1001`` "The transaction is being processed" (-> pending).
Every call has an explicit (connect, read) timeout; network errors and 5xx raise a retryable
``ProviderError``, a 4xx refusal is a refused ``PushAnswer``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import redis
import requests

from config.settings import Settings
from gateway.commerce import wallets
from gateway.commerce.money import provider_minor
from gateway.commerce.settlement import RESULT_FAILED, RESULT_PAID, RESULT_PENDING, PaymentResult
from gateway.core.errors import BadRequest, ProviderError
from gateway.payments.base import PaymentAsk, PushAnswer
from gateway.transports.clean import clean_text

log = logging.getLogger(__name__)

NAME = "mpesa"
METHOD = "mpesa"
EAT = timezone(timedelta(hours=3), "EAT")  # Kenya keeps no daylight saving
TOKEN_PATH = "/oauth/v1/generate"
PUSH_PATH = "/mpesa/stkpush/v1/processrequest"
QUERY_PATH = "/mpesa/stkpushquery/v1/query"
TOKEN_MARGIN = 60
STILL_PROCESSING = "500.001.1001"
PENDING_RESULT_CODES = frozenset({"4999"})  # "The transaction is still under processing"
REQUIRED = ("MPESA_CONSUMER_KEY", "MPESA_CONSUMER_SECRET", "MPESA_SHORTCODE", "MPESA_PASSKEY")


def configured(settings: Settings) -> bool:
    return bool(settings.MPESA_CONSUMER_KEY)


def callback_url(public_url: str, secret: str | None) -> str:
    """Where Daraja posts the result: ``<PUBLIC_URL>/hooks/mpesa/stk`` plus the webhook key."""
    url = public_url.rstrip("/") + "/hooks/mpesa/stk"
    return f"{url}?key={quote(secret, safe='')}" if secret else url


@dataclass(frozen=True)
class DarajaConfig:
    base_url: str
    consumer_key: str
    consumer_secret: str
    shortcode: str
    passkey: str
    transaction_type: str
    party_b: str
    callback_url: str
    timeout: tuple[float, float]


def build(settings: Settings, client: redis.Redis) -> MpesaDaraja:
    """Daraja from ``MPESA_*`` settings; ``RuntimeError`` names any that are missing."""
    missing = settings.missing(*REQUIRED)
    if missing:
        raise RuntimeError("M-Pesa needs " + ", ".join(missing))
    config = DarajaConfig(
        base_url=settings.MPESA_BASE_URL.rstrip("/"),
        consumer_key=str(settings.MPESA_CONSUMER_KEY),
        consumer_secret=str(settings.MPESA_CONSUMER_SECRET),
        shortcode=settings.MPESA_SHORTCODE, passkey=str(settings.MPESA_PASSKEY),
        transaction_type=settings.MPESA_TRANSACTION_TYPE,
        party_b=settings.MPESA_PARTY_B or settings.MPESA_SHORTCODE,
        callback_url=callback_url(settings.PUBLIC_URL, settings.WEBHOOK_SECRET),
        timeout=(3.05, settings.MPESA_TIMEOUT_SECONDS),
    )
    return MpesaDaraja(config, client)


class MpesaDaraja:
    """STK push and query against one Daraja account."""

    name = NAME

    def __init__(self, config: DarajaConfig, client: redis.Redis) -> None:
        self.config = config
        self.redis = client
        digest = hashlib.sha256(f"{config.base_url}|{config.consumer_key}".encode()).hexdigest()[:16]
        self._token_key = f"mpesa:token:{digest}"
        self._token: tuple[str, float] | None = None  # (token, good until), this process's copy

    # -- requests -------------------------------------------------------------------------------
    def request(self, ask: PaymentAsk) -> PushAnswer:
        problem = unpayable(ask)
        if problem:
            return PushAnswer(False, code="invalid", detail=problem)
        phone = ask.phone.lstrip("+")
        body = {**self._signed(), "TransactionType": self.config.transaction_type,
                "Amount": ask.amount_minor // 100, "PartyA": phone, "PartyB": self.config.party_b,
                "PhoneNumber": phone, "CallBackURL": self.config.callback_url,
                "AccountReference": ask.reference[:12], "TransactionDesc": f"Order {ask.reference}"[:13]}
        status, data = self._post(PUSH_PATH, body)
        if status == 200 and str(data.get("ResponseCode")) == "0" and data.get("CheckoutRequestID"):
            said = data.get("CustomerMessage") or data.get("ResponseDescription") or ""
            return PushAnswer(True, checkout_id=str(data["CheckoutRequestID"]),
                              merchant_id=str(data.get("MerchantRequestID") or "") or None, code="0",
                              detail=str(said))
        code, detail = _error_of(data, status)
        # An answer we cannot read says nothing either way: asking again beats failing a payment
        # whose prompt may be on the handset (an unknown callback is still kept, never lost).
        if status >= 500 or status in (401, 429) or (status == 200 and not data):
            raise ProviderError(f"STK push not taken ({status} {code}): {detail}", retryable=True, code=code)
        return PushAnswer(False, code=code, detail=detail)

    def query(self, ask: PaymentAsk) -> PaymentResult:
        if not ask.checkout_id:
            raise ProviderError("no CheckoutRequestID to ask about", retryable=False)
        status, data = self._post(QUERY_PATH, {**self._signed(), "CheckoutRequestID": ask.checkout_id})
        if status == 200 and "ResultCode" in data:
            code, desc = str(data["ResultCode"])[:20], clean_text(str(data.get("ResultDesc") or ""))
            outcome = RESULT_PAID if code == "0" else RESULT_PENDING if code in PENDING_RESULT_CODES \
                else RESULT_FAILED
            return PaymentResult(ask.checkout_id, outcome, code, desc)
        code, detail = _error_of(data, status)
        if code == STILL_PROCESSING and "process" in detail.lower():
            return PaymentResult(ask.checkout_id, RESULT_PENDING, code, detail)
        raise ProviderError(f"STK query failed ({status} {code}): {detail}", retryable=True, code=code)

    # -- plumbing -------------------------------------------------------------------------------
    def _signed(self) -> dict[str, str]:
        stamp = datetime.now(EAT).strftime("%Y%m%d%H%M%S")
        secret = f"{self.config.shortcode}{self.config.passkey}{stamp}".encode()
        return {"BusinessShortCode": self.config.shortcode, "Password": base64.b64encode(secret).decode(),
                "Timestamp": stamp}

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        try:
            response = requests.post(self.config.base_url + path, json=body, headers=headers,
                                     timeout=self.config.timeout)
        except requests.RequestException as exc:
            raise ProviderError(f"Daraja unreachable: {type(exc).__name__}", retryable=True) from exc
        if response.status_code == 401:
            self._forget_token()
        return response.status_code, _json_object(response)

    def _access_token(self) -> str:
        if self._token and self._token[1] > time.time():
            return self._token[0]
        try:
            cached = self.redis.get(self._token_key)
        except redis.RedisError:
            cached = None
        if cached:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
        return self._fetch_token()

    def _fetch_token(self) -> str:
        try:
            response = requests.get(self.config.base_url + TOKEN_PATH,
                                    params={"grant_type": "client_credentials"},
                                    auth=(self.config.consumer_key, self.config.consumer_secret),
                                    timeout=self.config.timeout)
        except requests.RequestException as exc:
            raise ProviderError(f"Daraja token: {type(exc).__name__}", retryable=True) from exc
        data = _json_object(response)
        token = data.get("access_token")
        if response.status_code != 200 or not token:
            code, detail = _error_of(data, response.status_code)
            log.error("Daraja refused a token (%s %s): check MPESA_CONSUMER_KEY/SECRET", code, detail)
            raise ProviderError(f"Daraja token refused ({response.status_code} {code})", retryable=True)
        life = max(int(str(data.get("expires_in") or 3599)) - TOKEN_MARGIN, 30)
        self._token = (str(token), time.time() + life)
        try:
            self.redis.set(self._token_key, str(token), ex=life)
        except redis.RedisError:
            log.warning("could not cache the Daraja token in Redis; kept in memory only")
        return str(token)

    def _forget_token(self) -> None:
        self._token = None
        with contextlib.suppress(redis.RedisError):
            self.redis.delete(self._token_key)


def unpayable(ask: PaymentAsk) -> str | None:
    """Why M-Pesa cannot collect ``ask`` at all, or None."""
    if ask.amount_minor % 100:
        return "M-Pesa collects whole shillings only"
    return wallets.refusal(METHOD, ask.currency, ask.phone, ask.amount_minor)


def parse_callback(body: bytes) -> PaymentResult:
    """Daraja's STK callback as a ``PaymentResult``; ``BadRequest`` says what is malformed.

    A success must carry ``Amount`` and ``MpesaReceiptNumber`` (a "paid" without them proves nothing).
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than any callback
        raise BadRequest("body is not JSON") from exc
    callback = data.get("Body", {}).get("stkCallback") if isinstance(data, dict) and \
        isinstance(data.get("Body"), dict) else None
    if not isinstance(callback, dict):
        raise BadRequest("no Body.stkCallback object")
    checkout = callback.get("CheckoutRequestID")
    checkout = clean_text(checkout) if isinstance(checkout, str) else None
    if not checkout or not checkout.strip() or len(checkout) > 100:
        raise BadRequest("CheckoutRequestID missing or invalid")
    try:
        code = int(str(callback.get("ResultCode")))
    except ValueError as exc:
        raise BadRequest("ResultCode is not a number") from exc
    desc = clean_text(str(callback.get("ResultDesc") or ""))[:300]  # a NUL here once jammed the job
    if code != 0:
        return PaymentResult(checkout, RESULT_FAILED, str(code), desc)
    items = _metadata(callback)
    receipt = clean_text(str(items.get("MpesaReceiptNumber") or "")).strip()
    amount = _to_cents(items.get("Amount"))
    if not receipt or amount is None:
        raise BadRequest("a successful callback needs Amount and MpesaReceiptNumber")
    phone = clean_text(str(items.get("PhoneNumber") or ""))[:20]
    return PaymentResult(checkout, RESULT_PAID, "0", desc, amount_minor=amount, receipt=receipt[:40],
                         phone=f"+{phone}" if phone else None)


def _metadata(callback: dict[str, Any]) -> dict[str, Any]:
    meta = callback.get("CallbackMetadata")
    items = meta.get("Item") if isinstance(meta, dict) else None
    if not isinstance(items, list):
        return {}
    return {str(i["Name"]): i.get("Value") for i in items if isinstance(i, dict) and "Name" in i}


def _to_cents(value: Any) -> int | None:
    """Daraja's ``Amount`` (shillings) in cents, bounded before any arithmetic (``provider_minor``)."""
    return provider_minor(value)


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_of(data: dict[str, Any], status: int) -> tuple[str, str]:
    code = str(data.get("errorCode") or data.get("ResponseCode") or f"http_{status}")
    detail = str(data.get("errorMessage") or data.get("ResponseDescription") or f"HTTP {status}")
    return code[:20], detail[:300]
