"""MTN MoMo Collection (request to pay). MoMo's field names, statuses and quirks live here only.

- Token: ``POST /collection/token/`` with HTTP Basic ``api user:api key`` and the subscription key.
- Request to pay: ``POST /collection/v1_0/requesttopay`` with ``X-Reference-Id`` = the payment's
  idempotency key (a UUID4, the same on every retry), every body field a string, ``externalId``
  = that same key (MoMo's callback names no reference id, so ``externalId`` is how it finds its
  payment). 202 is "prompt sent"; 409 "Duplicated Reference Id" means an earlier try of this same
  request got through, so it is accepted too.
- Status: ``GET /collection/v1_0/requesttopay/{X-Reference-Id}``, HTTP 200 whatever the outcome:
  ``status`` PENDING, SUCCESSFUL (with ``financialTransactionId``) or FAILED (with ``reason``).
- Callback: the same object, PUT or POST to ``X-Callback-Url``. MoMo signs nothing, so a callback
  is only a hint (``CONFIRMS_CALLBACKS``): the status call decides before any order moves.
In the sandbox (``MOMO_TARGET_ENVIRONMENT=sandbox``) MoMo takes only EUR and test numbers, so the
amount goes in EUR and the wallet's own number checks are skipped.
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
from gateway.payments.amounts import decimal_text, minor_from
from gateway.payments.base import PaymentAsk, PushAnswer
from gateway.payments.wire import Reply, TokenCache, lifetime, send

NAME = "momo"
METHOD = wallets.MOMO
CONFIRMS_CALLBACKS = True
TOKEN_PATH = "/collection/token/"
PAY_PATH = "/collection/v1_0/requesttopay"
SANDBOX = "sandbox"
SANDBOX_CURRENCY = "EUR"
STATUSES = {"SUCCESSFUL": RESULT_PAID, "FAILED": RESULT_FAILED, "PENDING": RESULT_PENDING}
REQUIRED = ("MOMO_SUBSCRIPTION_KEY", "MOMO_API_USER", "MOMO_API_KEY")
MAX_ID = 64


def configured(settings: Settings) -> bool:
    return bool(settings.MOMO_SUBSCRIPTION_KEY)


def callback_url(public_url: str, secret: str | None) -> str:
    """Where MoMo sends the result: ``<PUBLIC_URL>/hooks/momo/collection`` plus the webhook key
    (its host must be the api user's ``providerCallbackHost``)."""
    url = public_url.rstrip("/") + "/hooks/momo/collection"
    return f"{url}?key={quote(secret, safe='')}" if secret else url


@dataclass(frozen=True)
class MomoConfig:
    base_url: str
    subscription_key: str
    api_user: str
    api_key: str
    environment: str
    callback_url: str
    timeout: tuple[float, float]


def build(settings: Settings, client: redis.Redis) -> MomoCollection:
    """MoMo Collection from ``MOMO_*`` settings; ``RuntimeError`` names any that are missing."""
    missing = settings.missing(*REQUIRED)
    if missing:
        raise RuntimeError("MTN MoMo needs " + ", ".join(missing))
    return MomoCollection(MomoConfig(
        base_url=settings.MOMO_BASE_URL.rstrip("/"),
        subscription_key=str(settings.MOMO_SUBSCRIPTION_KEY), api_user=str(settings.MOMO_API_USER),
        api_key=str(settings.MOMO_API_KEY),
        environment=settings.MOMO_TARGET_ENVIRONMENT,
        callback_url=callback_url(settings.PUBLIC_URL, settings.WEBHOOK_SECRET),
        timeout=(3.05, settings.MOMO_TIMEOUT_SECONDS)), client)


class MomoCollection:
    """Request to pay and its status, for one MoMo Collection api user."""

    name = NAME

    def __init__(self, config: MomoConfig, client: redis.Redis) -> None:
        self.config = config
        self.tokens = TokenCache(client, NAME, f"{config.base_url}|{config.api_user}", self._fetch_token)

    @property
    def sandbox(self) -> bool:
        return self.config.environment == SANDBOX

    def request(self, ask: PaymentAsk) -> PushAnswer:
        problem = None if self.sandbox else wallets.refusal(METHOD, ask.currency, ask.phone, ask.amount_minor)
        if problem or not ask.idempotency_key:
            return PushAnswer(False, code="invalid", detail=problem or "no reference id")
        currency = SANDBOX_CURRENCY if self.sandbox else ask.currency.upper()
        body = {"amount": decimal_text(ask.amount_minor, ask.currency), "currency": currency,
                "externalId": ask.idempotency_key,
                "payer": {"partyIdType": "MSISDN", "partyId": ask.phone.lstrip("+")},
                "payerMessage": f"Bodega order {ask.reference}", "payeeNote": f"Order {ask.reference}"}
        reply = self._call("POST", PAY_PATH, ask.idempotency_key, json=body)
        if reply.status in (202, 409):  # 409: this very request already reached MoMo
            return PushAnswer(True, checkout_id=ask.idempotency_key, code=str(reply.status),
                              detail="request to pay sent", raw=reply.raw)
        code, detail = _error_of(reply)
        if reply.status >= 500 or reply.status in (401, 429):
            raise ProviderError(f"MoMo request to pay not taken ({reply.status} {code}): {detail}",
                                retryable=True, code=code)
        return PushAnswer(False, code=code, detail=detail, raw=reply.raw)

    def query(self, ask: PaymentAsk) -> PaymentResult:
        key = ask.idempotency_key or ask.checkout_id
        if not key:
            raise ProviderError("no X-Reference-Id to ask about", retryable=False)
        reply = self._call("GET", f"{PAY_PATH}/{quote(key, safe='')}", None)
        if reply.status == 200 and reply.data.get("status") in STATUSES:
            try:
                return _result(reply.data, key, ask.currency, reply.raw)
            except BadRequest as exc:
                raise ProviderError(f"MoMo status unreadable: {exc}", retryable=True) from exc
        code, detail = _error_of(reply)
        if reply.status == 404:  # MoMo never got this request: no money can come for it
            return PaymentResult(key, RESULT_FAILED, code, detail, raw=reply.raw)
        raise ProviderError(f"MoMo status failed ({reply.status} {code}): {detail}", retryable=True,
                            code=code)

    def parse_callback(self, body: bytes) -> PaymentResult:
        return parse_callback(body)

    def _call(self, method: str, path: str, reference: str | None, **kwargs: Any) -> Reply:
        headers = {"Authorization": f"Bearer {self.tokens.get()}",
                   "X-Target-Environment": self.config.environment,
                   "Ocp-Apim-Subscription-Key": self.config.subscription_key}
        if reference:
            headers.update({"X-Reference-Id": reference, "X-Callback-Url": self.config.callback_url})
        reply = send("MoMo", method, self.config.base_url + path, self.config.timeout, headers=headers,
                     **kwargs)
        if reply.status == 401:
            self.tokens.forget()
        return reply

    def _fetch_token(self) -> tuple[str, int]:
        reply = send("MoMo", "POST", self.config.base_url + TOKEN_PATH, self.config.timeout,
                     auth=(self.config.api_user, self.config.api_key),
                     headers={"Ocp-Apim-Subscription-Key": self.config.subscription_key})
        token = reply.data.get("access_token")
        if reply.status != 200 or not isinstance(token, str) or not token:
            raise ProviderError(f"MoMo token refused ({reply.status}): check MOMO_API_USER/KEY",
                                retryable=True)
        return token, lifetime(reply.data.get("expires_in"), 3600)


def _result(data: dict[str, Any], key: str, currency: str, raw: str = "") -> PaymentResult:
    """A RequestToPayResult object as a ``PaymentResult`` (the amount read in ``currency``)."""
    outcome = STATUSES[str(data["status"])]
    reason = data.get("reason")
    reason = reason.get("code") if isinstance(reason, dict) else reason  # older answers nest it
    detail = str(reason or data["status"])[:300]
    if outcome != RESULT_PAID:
        return PaymentResult(key, outcome, str(reason or data["status"])[:20], detail, raw=raw)
    receipt = str(data.get("financialTransactionId") or "").strip()
    amount = minor_from(data.get("amount"), currency)
    if not receipt or amount is None:
        raise BadRequest("a SUCCESSFUL answer needs amount and financialTransactionId")
    payer = data.get("payer")
    party = str(payer.get("partyId") or "") if isinstance(payer, dict) else ""
    return PaymentResult(key, RESULT_PAID, "SUCCESSFUL", "paid", amount_minor=amount, receipt=receipt[:40],
                         phone=f"+{party}" if party.isdigit() else None, raw=raw)


def parse_callback(body: bytes) -> PaymentResult:
    """MoMo's callback (a RequestToPayResult) as a hint; ``BadRequest`` says what is malformed.

    ``externalId`` names the payment (we set it to the reference id)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("body is not JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("body is not a JSON object")
    key = data.get("externalId")
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_ID:
        raise BadRequest("externalId missing or invalid")
    if data.get("status") not in STATUSES:
        raise BadRequest("status is not PENDING, SUCCESSFUL or FAILED")
    currency = data.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise BadRequest("currency missing or invalid")
    return _result(data, key, currency)


def _error_of(reply: Reply) -> tuple[str, str]:
    data = reply.data
    code = str(data.get("code") or data.get("reason") or f"http_{reply.status}")
    detail = str(data.get("message") or reply.raw.partition("\n")[2] or f"HTTP {reply.status}")
    return code[:20], detail[:300]
