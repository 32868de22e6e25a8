"""Airtel Money (Airtel Africa Open API) collection by USSD push. Airtel's names live here only.

- Token: ``POST /auth/oauth2/token`` with the client id and secret as JSON (``expires_in`` is a
  string, ``"180"``).
- Push: ``POST /merchant/v1/payments/`` with ``X-Country``/``X-Currency``, the number without
  its country code, and ``transaction.id`` = the payment's idempotency key (the same on every
  retry). ``status.success`` with ``DP00800001006`` means "in process", not paid; ``ESB000041``
  ("External Transaction ID already exists") means an earlier try of this very push got through.
- Status: ``GET /standard/v1/payments/{transaction.id}``: ``TS`` paid, ``TF`` failed, ``TA``
  (ambiguous) and ``TIP`` (in progress) mean ask again later.
- Callback: ``{"transaction": {"id", "message", "status_code", "airtel_money_id"}, "hash"?}``.
  Its optional ``hash`` has no documented algorithm, so every callback is only a hint
  (``CONFIRMS_CALLBACKS``): the status call decides before any order moves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import redis

from config.settings import Settings
from gateway.commerce import wallets
from gateway.commerce.settlement import RESULT_FAILED, RESULT_PAID, RESULT_PENDING, PaymentResult
from gateway.core.errors import BadRequest, ProviderError
from gateway.payments.amounts import decimal_number
from gateway.payments.base import PaymentAsk, PushAnswer
from gateway.payments.wire import Reply, TokenCache, lifetime, send

NAME = "airtel"
METHOD = wallets.AIRTEL
CONFIRMS_CALLBACKS = True
TOKEN_PATH = "/auth/oauth2/token"
PAY_PATH = "/merchant/v1/payments/"
STATUS_PATH = "/standard/v1/payments/"
STATUSES = {"TS": RESULT_PAID, "TF": RESULT_FAILED, "TA": RESULT_PENDING, "TIP": RESULT_PENDING}
ALREADY_EXISTS = "ESB000041"
NO_SUCH_TRANSACTION = "ESB000045"
REQUIRED = ("AIRTEL_CLIENT_ID", "AIRTEL_CLIENT_SECRET", "AIRTEL_COUNTRY")
MAX_ID = 64


def configured(settings: Settings) -> bool:
    return bool(settings.AIRTEL_CLIENT_ID)


@dataclass(frozen=True)
class AirtelConfig:
    base_url: str
    client_id: str
    client_secret: str
    country: str  # the merchant account's country: Airtel collects there only
    timeout: tuple[float, float]


def build(settings: Settings, client: redis.Redis) -> AirtelMoney:
    """Airtel Money from ``AIRTEL_*`` settings; ``RuntimeError`` names any that are missing."""
    missing = settings.missing(*REQUIRED)
    if missing:
        raise RuntimeError("Airtel Money needs " + ", ".join(missing))
    return AirtelMoney(AirtelConfig(
        base_url=settings.AIRTEL_BASE_URL.rstrip("/"),
        client_id=str(settings.AIRTEL_CLIENT_ID), client_secret=str(settings.AIRTEL_CLIENT_SECRET),
        country=settings.AIRTEL_COUNTRY.upper(),
        timeout=(3.05, settings.AIRTEL_TIMEOUT_SECONDS)), client)


class AirtelMoney:
    """USSD push collection and its status, for one Airtel merchant account."""

    name = NAME

    def __init__(self, config: AirtelConfig, client: redis.Redis) -> None:
        self.config = config
        self.tokens = TokenCache(client, NAME, f"{config.base_url}|{config.client_id}", self._fetch_token)

    def request(self, ask: PaymentAsk) -> PushAnswer:
        network = wallets.network_for(METHOD, ask.currency, ask.phone)
        problem = wallets.refusal(METHOD, ask.currency, ask.phone, ask.amount_minor)
        if network is not None and network.country != self.config.country:
            problem = f"the Airtel account collects in {self.config.country}, not {network.country}"
        if problem or network is None or not ask.idempotency_key:
            return PushAnswer(False, code="invalid", detail=problem or "no transaction id")
        where = {"country": network.country, "currency": network.currency}
        body = {"reference": f"Bodega order {ask.reference}",
                "subscriber": {**where, "msisdn": network.national(ask.phone)},
                "transaction": {"amount": decimal_number(ask.amount_minor, ask.currency), **where,
                                "id": ask.idempotency_key}}
        reply = self._call("POST", PAY_PATH, network.country, network.currency, json=body)
        status = _status_of(reply)
        taken = status.get("success") is True or status.get("result_code") == ALREADY_EXISTS
        if reply.status == 200 and taken:
            said = str(status.get("response_code") or "")
            return PushAnswer(True, checkout_id=ask.idempotency_key, code=said,
                              detail=str(status.get("message") or "")[:300], raw=reply.raw)
        code, detail = _error_of(reply)
        if reply.status >= 500 or reply.status in (401, 429) or not status:
            raise ProviderError(f"Airtel push not taken ({reply.status} {code}): {detail}", retryable=True,
                                code=code)
        return PushAnswer(False, code=code, detail=detail, raw=reply.raw)

    def query(self, ask: PaymentAsk) -> PaymentResult:
        key = ask.idempotency_key or ask.checkout_id
        network = wallets.network_for(METHOD, ask.currency, ask.phone)
        if not key or network is None:
            raise ProviderError("no Airtel transaction to ask about", retryable=False)
        reply = self._call("GET", STATUS_PATH + quote(key, safe=""), network.country, network.currency)
        transaction = _transaction_of(reply.data.get("data"))
        if reply.status == 200 and transaction.get("status") in STATUSES:
            try:
                return _result(key, transaction, "status", reply.raw)
            except BadRequest as exc:
                raise ProviderError(f"Airtel status unreadable: {exc}", retryable=True) from exc
        code, detail = _error_of(reply)
        if code == NO_SUCH_TRANSACTION:  # Airtel never took this push: no money can come for it
            return PaymentResult(key, RESULT_FAILED, code, detail, raw=reply.raw)
        raise ProviderError(f"Airtel status failed ({reply.status} {code}): {detail}", retryable=True,
                            code=code)

    def parse_callback(self, body: bytes) -> PaymentResult:
        return parse_callback(body)

    def _call(self, method: str, path: str, country: str, currency: str, **kwargs: Any) -> Reply:
        headers = {"Authorization": f"Bearer {self.tokens.get()}", "X-Country": country,
                   "X-Currency": currency, "Accept": "*/*"}
        reply = send("Airtel", method, self.config.base_url + path, self.config.timeout, headers=headers,
                     **kwargs)
        if reply.status == 401:
            self.tokens.forget()
        return reply

    def _fetch_token(self) -> tuple[str, int]:
        body = {"client_id": self.config.client_id, "client_secret": self.config.client_secret,
                "grant_type": "client_credentials"}
        reply = send("Airtel", "POST", self.config.base_url + TOKEN_PATH, self.config.timeout, json=body,
                     headers={"Accept": "*/*"})
        token = reply.data.get("access_token")
        if reply.status != 200 or not isinstance(token, str) or not token:
            raise ProviderError(f"Airtel token refused ({reply.status}): check AIRTEL_CLIENT_ID/SECRET",
                                retryable=True)
        return token, lifetime(reply.data.get("expires_in"), 180)


def _transaction_of(value: Any) -> dict[str, Any]:
    transaction = value.get("transaction") if isinstance(value, dict) else None
    return transaction if isinstance(transaction, dict) else {}


def _status_of(reply: Reply) -> dict[str, Any]:
    status = reply.data.get("status")
    return status if isinstance(status, dict) else {}


def _result(key: str, transaction: dict[str, Any], field: str, raw: str = "") -> PaymentResult:
    """Airtel's ``transaction`` object (status in ``field``) as a ``PaymentResult``."""
    word = str(transaction[field])
    outcome = STATUSES[word]
    detail = str(transaction.get("message") or word)[:300]
    receipt = str(transaction.get("airtel_money_id") or "").strip()
    if outcome == RESULT_PAID and not receipt:
        raise BadRequest("a TS transaction needs its airtel_money_id")
    return PaymentResult(key, outcome, word, detail, receipt=receipt[:40] if outcome == RESULT_PAID else None,
                         raw=raw)


def parse_callback(body: bytes) -> PaymentResult:
    """Airtel's callback as a hint; ``BadRequest`` says what is malformed."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("body is not JSON") from exc
    transaction = _transaction_of(data)
    key = transaction.get("id")
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_ID:
        raise BadRequest("transaction.id missing or invalid")
    if transaction.get("status_code") not in STATUSES:
        raise BadRequest("transaction.status_code is not TS, TF, TA or TIP")
    return _result(key, transaction, "status_code")


def _error_of(reply: Reply) -> tuple[str, str]:
    status = _status_of(reply)
    code = str(status.get("result_code") or status.get("response_code") or reply.data.get("error")
               or f"http_{reply.status}")
    detail = str(status.get("message") or reply.data.get("error_description") or f"HTTP {reply.status}")
    return code[:20], detail[:300]
