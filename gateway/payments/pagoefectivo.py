"""PagoEfectivo (Peru): a CIP code the customer pays in cash at any agent, bank or banking app.

- Token: ``POST /v1/authorizations`` with ``hashString = sha256_hex("{idService}.{accessKey}.
  {secretKey}.{dateRequest}")`` and ``dateRequest`` in Lima time (``-05:00``); ``code "100"`` is OK.
- CIP: ``POST /v1/cips`` with ``transactionCode`` = the order reference (one CIP per order) and
  ``dateExpiry`` = the order's own deadline, so the code dies when the order does. The answer's
  ``cip`` number is texted to the customer (``PushAnswer.pay_code``) and names the payment.
- Notification: ``cip.paid`` POSTed with ``PE-Signature`` = hex HMAC-SHA256 of the raw body under
  the secret key. ``check_signature`` runs on the raw bytes before anything is stored or parsed;
  a paid CIP settles once however often the notification comes (``settlement.settle``).
- There is no status call we rely on: a CIP still unpaid when its order's deadline passes is
  reported failed (``query``), and a notification that comes later is flagged for a refund.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import redis

from config.settings import Settings
from gateway.commerce import wallets
from gateway.commerce.settlement import RESULT_FAILED, RESULT_PAID, RESULT_PENDING, PaymentResult
from gateway.core.errors import BadRequest, Forbidden, ProviderError
from gateway.payments.amounts import decimal_number, minor_from
from gateway.payments.base import PaymentAsk, PushAnswer
from gateway.payments.wire import Reply, TokenCache, send

NAME = "pagoefectivo"
METHOD = wallets.PAGOEFECTIVO
LIMA = timezone(timedelta(hours=-5), "PET")  # Peru keeps no daylight saving
TOKEN_PATH = "/v1/authorizations"
CIPS_PATH = "/v1/cips"
OK = "100"
PAID_EVENT = "cip.paid"
SIGNATURE_HEADER = "PE-Signature"
REQUIRED = ("PAGOEFECTIVO_SERVICE_ID", "PAGOEFECTIVO_ACCESS_KEY", "PAGOEFECTIVO_SECRET_KEY")
DEFAULT_LIFE = timedelta(hours=24)  # a CIP for an order with no deadline


def configured(settings: Settings) -> bool:
    return bool(settings.PAGOEFECTIVO_ACCESS_KEY)


def lima_time(moment: datetime) -> str:
    """``2024-05-03T12:00:00-05:00``: how PagoEfectivo reads dates (naive ``moment`` is UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LIMA).isoformat(timespec="seconds")


def check_signature(body: bytes, signature: str | None, secret: str | None) -> None:
    """Raise ``Forbidden`` unless ``signature`` is the hex HMAC-SHA256 of ``body`` under ``secret``."""
    if not secret:
        raise Forbidden("PagoEfectivo is not configured here (no PAGOEFECTIVO_SECRET_KEY)")
    if not signature:
        raise Forbidden(f"no {SIGNATURE_HEADER} header")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Forbidden(f"{SIGNATURE_HEADER} does not match the body")


@dataclass(frozen=True)
class PagoEfectivoConfig:
    base_url: str
    service_id: int
    access_key: str
    secret_key: str
    timeout: tuple[float, float]


def build(settings: Settings, client: redis.Redis) -> PagoEfectivo:
    """PagoEfectivo from ``PAGOEFECTIVO_*`` settings; ``RuntimeError`` names any that are missing."""
    missing = settings.missing(*REQUIRED)
    if missing:
        raise RuntimeError("PagoEfectivo needs " + ", ".join(missing))
    return PagoEfectivo(PagoEfectivoConfig(
        base_url=settings.PAGOEFECTIVO_BASE_URL.rstrip("/"),
        service_id=int(str(settings.PAGOEFECTIVO_SERVICE_ID)),
        access_key=str(settings.PAGOEFECTIVO_ACCESS_KEY),
        secret_key=str(settings.PAGOEFECTIVO_SECRET_KEY),
        timeout=(3.05, settings.PAGOEFECTIVO_TIMEOUT_SECONDS)), client)


class PagoEfectivo:
    """CIP codes for one PagoEfectivo service."""

    name = NAME

    def __init__(self, config: PagoEfectivoConfig, client: redis.Redis) -> None:
        self.config = config
        self.tokens = TokenCache(client, NAME, f"{config.base_url}|{config.service_id}", self._fetch_token)

    def request(self, ask: PaymentAsk) -> PushAnswer:
        problem = wallets.refusal(METHOD, ask.currency, ask.phone, ask.amount_minor)
        network = wallets.network_for(METHOD, ask.currency, ask.phone)
        if problem or network is None:
            return PushAnswer(False, code="invalid", detail=problem or "not a Peruvian number")
        expiry = ask.expires_at or datetime.now(UTC) + DEFAULT_LIFE
        body = {"currency": ask.currency.upper(), "amount": decimal_number(ask.amount_minor, ask.currency),
                "transactionCode": ask.reference, "dateExpiry": lima_time(expiry),
                "paymentConcept": f"Bodega pedido {ask.reference}", "additionalData": ask.idempotency_key,
                "userPhone": network.national(ask.phone), "userCodeCountry": "+" + network.calling_code,
                "userCountry": "PERU"}
        reply = self._call("POST", CIPS_PATH, json=body)
        data = reply.data.get("data")
        cip = data.get("cip") if isinstance(data, dict) else None
        if reply.status in (200, 201) and str(reply.data.get("code")) == OK and _is_cip(cip):
            paid_by = expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)
            return PushAnswer(True, checkout_id=str(cip), code=OK, detail="CIP issued", raw=reply.raw,
                              pay_code=str(cip), pay_by=paid_by.astimezone(LIMA).strftime("%d/%m %H:%M"))
        code, detail = _error_of(reply)
        if reply.status >= 500 or reply.status in (401, 429) or not reply.data:
            raise ProviderError(f"PagoEfectivo CIP not issued ({reply.status} {code}): {detail}",
                                retryable=True, code=code)
        return PushAnswer(False, code=code, detail=detail, raw=reply.raw)

    def query(self, ask: PaymentAsk) -> PaymentResult:
        """Pending while the order may still be paid; failed ("expired") once its deadline passed."""
        checkout = ask.checkout_id or ""
        deadline = ask.expires_at
        if deadline is not None and (deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)) \
                <= datetime.now(UTC):
            return PaymentResult(checkout, RESULT_FAILED, "expired", "CIP not paid before it expired")
        return PaymentResult(checkout, RESULT_PENDING, "", "waiting for the customer to pay the CIP")

    def parse_callback(self, body: bytes) -> PaymentResult:
        return parse_callback(body)

    def _call(self, method: str, path: str, **kwargs: Any) -> Reply:
        headers = {"Authorization": f"Bearer {self.tokens.get()}", "Accept-Language": "es-PE",
                   "Origin": "web"}
        reply = send("PagoEfectivo", method, self.config.base_url + path, self.config.timeout,
                     headers=headers, **kwargs)
        if reply.status == 401:
            self.tokens.forget()
        return reply

    def _fetch_token(self) -> tuple[str, int]:
        config = self.config
        stamp = lima_time(datetime.now(UTC))
        digest = hashlib.sha256(
            f"{config.service_id}.{config.access_key}.{config.secret_key}.{stamp}".encode()).hexdigest()
        reply = send("PagoEfectivo", "POST", config.base_url + TOKEN_PATH, config.timeout,
                     json={"accessKey": config.access_key, "idService": config.service_id,
                           "dateRequest": stamp, "hashString": digest})
        data = reply.data.get("data")
        token = data.get("token") if isinstance(data, dict) else None
        if str(reply.data.get("code")) != OK or not isinstance(token, str) or not token:
            raise ProviderError(f"PagoEfectivo token refused ({reply.status} {reply.data.get('code')}): "
                                "check PAGOEFECTIVO_SERVICE_ID/ACCESS_KEY/SECRET_KEY", retryable=True)
        return token, _seconds_left(data.get("tokenExpires") if isinstance(data, dict) else None)


def _seconds_left(expires: Any) -> int:
    try:
        moment = datetime.fromisoformat(str(expires))
    except ValueError:
        return 600
    moment = moment if moment.tzinfo else moment.replace(tzinfo=LIMA)
    return max(int((moment - datetime.now(UTC)).total_seconds()), 0)


def _is_cip(value: Any) -> bool:
    text = str(value)
    return not isinstance(value, bool) and isinstance(value, int | str) and text.isdigit() and len(text) <= 20


def parse_callback(body: bytes) -> PaymentResult:
    """A (signature-checked) notification as a ``PaymentResult``; ``BadRequest`` says what is
    malformed. Events other than ``cip.paid`` are kept and settle nothing (pending)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("body is not JSON") from exc
    event = data.get("data") if isinstance(data, dict) else None
    if not isinstance(event, dict) or not _is_cip(event.get("cip")):
        raise BadRequest("data.cip missing or invalid")
    cip = str(event["cip"])
    kind = str(data.get("eventType") or "")[:40]
    if kind != PAID_EVENT:
        return PaymentResult(cip, RESULT_PENDING, kind[:20], f"event {kind or '?'}: nothing to settle")
    currency = event.get("currency")
    amount = minor_from(event.get("amount"), currency) if isinstance(currency, str) and len(currency) == 3 \
        else None
    if amount is None:
        raise BadRequest("a cip.paid event needs a plain amount and its currency")
    return PaymentResult(cip, RESULT_PAID, PAID_EVENT, f"CIP {cip} paid", amount_minor=amount,
                         receipt=f"CIP{cip}")


def _error_of(reply: Reply) -> tuple[str, str]:
    code = str(reply.data.get("code") or f"http_{reply.status}")
    detail = str(reply.data.get("message") or f"HTTP {reply.status}")
    return code[:20], detail[:300]
