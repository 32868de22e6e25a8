"""A fake PagoEfectivo API v1 (authorizations, CIPs) speaking PROTOCOLS.md verbatim.

It checks the ``hashString`` (sha256 of ``idService.accessKey.secretKey.dateRequest``) and a
Lima-time ``dateRequest``, the Bearer token, ``currency`` PEN/USD, a numeric ``amount``, a
``transactionCode`` and a ``dateExpiry`` in ``-05:00``. Issued CIPs are kept in ``cips``;
``notification(cip)`` is the signed ``cip.paid`` POST PagoEfectivo would send: ``(body, headers)``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import Answer, FakeServer, Recorded

TOKEN_PATH = "/v1/authorizations"
CIPS_PATH = "/v1/cips"
SERVICE_ID = 1035
ACCESS_KEY = "MTFmZjlmYzJmMGQxNTQ4"
SECRET_KEY = "pe-secret-key-for-tests"


def refusal(status: int, code: str, message: str) -> Answer:
    return Answer.json(status, {"code": code, "message": message, "data": []})


class FakePagoEfectivo(FakeServer):
    """Fake PagoEfectivo. ``settings()`` gives the ``PAGOEFECTIVO_*`` settings pointing here."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.cips: dict[int, dict[str, Any]] = {}  # cip -> body as sent
        self._numbers = itertools.count(2536524)

    def reset(self) -> None:
        super().reset()
        self.tokens.clear()
        self.cips.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"PAGOEFECTIVO_BASE_URL": self.url, "PAGOEFECTIVO_SERVICE_ID": str(SERVICE_ID),
                "PAGOEFECTIVO_ACCESS_KEY": ACCESS_KEY, "PAGOEFECTIVO_SECRET_KEY": SECRET_KEY, **extra}

    def notification(self, cip: int, amount: float | None = None, cip_as_text: bool = True,
                     event: str = "cip.paid", secret: str = SECRET_KEY) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers of PagoEfectivo's notification that ``cip`` was paid."""
        sent = self.cips[cip]
        body = json.dumps({"eventType": event, "operationNumber": str(1233 + cip % 1000), "data": {
            "cip": str(cip) if cip_as_text else cip, "currency": sent["currency"],
            "amount": sent["amount"] if amount is None else amount,
            "paymentDate": "2024-05-02T09:12:00-05:00", "transactionCode": sent["transactionCode"]}}).encode()
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return body, {"PE-Signature": signature, "Content-Type": "application/json"}

    @property
    def cip_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == CIPS_PATH]

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:
        if req.method == "POST" and req.path == TOKEN_PATH:
            return self._token(req.json)
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return refusal(401, "401", "Token invalido")
        if req.method == "POST" and req.path == CIPS_PATH:
            return self._cip(req.json)
        return refusal(404, "404", "No encontrado")

    def _token(self, body: Any) -> Answer:
        if not isinstance(body, dict):
            return refusal(400, "111", "Solicitud invalida")
        stamp = str(body.get("dateRequest", ""))
        expected = hashlib.sha256(f"{SERVICE_ID}.{ACCESS_KEY}.{SECRET_KEY}.{stamp}".encode()).hexdigest()
        if body.get("idService") != SERVICE_ID or body.get("accessKey") != ACCESS_KEY or \
                body.get("hashString") != expected or not stamp.endswith("-05:00"):
            return refusal(401, "111", "Credenciales invalidas")
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        start = datetime.now(UTC).astimezone()
        return Answer.json(200, {"code": "100", "message": "Solicitud exitosa.", "data": {
            "token": token, "codeService": "BOD", "tokenStart": start.isoformat(),
            "tokenExpires": (start + timedelta(hours=1)).isoformat()}})

    def _cip(self, body: Any) -> Answer:
        if not isinstance(body, dict):
            return refusal(400, "111", "Solicitud invalida")
        amount = body.get("amount")
        checks = {
            "currency": body.get("currency") in ("PEN", "USD"),
            "amount": not isinstance(amount, bool) and isinstance(amount, int | float) and amount > 0,
            "transactionCode": bool(str(body.get("transactionCode") or "")),
            "dateExpiry": str(body.get("dateExpiry", "")).endswith("-05:00"),
        }
        for name, ok in checks.items():
            if not ok:
                return refusal(400, "111", f"El campo {name} es invalido")
        cip = next(self._numbers)
        self.cips[cip] = dict(body)
        return Answer.json(200, {"code": "100", "message": "Solicitud exitosa.", "data": {
            "cip": cip, "currency": body["currency"], "amount": amount,
            "transactionCode": body["transactionCode"], "dateExpiry": body["dateExpiry"],
            "cipUrl": f"https://pre1a.payment.pagoefectivo.pe/{secrets.token_hex(8)}.html"}})
