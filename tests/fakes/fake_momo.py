"""A fake MTN MoMo Collection API (token, request to pay, status) speaking PROTOCOLS.md verbatim.

It checks what MoMo checks and what we must get right: HTTP Basic ``api user:api key`` and the
subscription key on the token call; the Bearer token, ``X-Target-Environment`` and subscription
key on every call; a UUID4 ``X-Reference-Id``; every body field a string; EUR in the sandbox.
A repeated ``X-Reference-Id`` gets 409 "Duplicated reference id" (and is not a second payment).

``settle(reference, "SUCCESSFUL")`` decides what the status call answers (PENDING until then);
``callback_for(reference)`` is the RequestToPayResult MoMo would PUT/POST to the callback URL.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from tests.fakes.server import Answer, FakeServer, Recorded

TOKEN_PATH = "/collection/token/"
PAY_PATH = "/collection/v1_0/requesttopay"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SUBSCRIPTION_KEY = "f2d1c2e7a8b94e1f9d0b5c3a6e7f8091"


def error(status: int, code: str, message: str) -> Answer:
    return Answer.json(status, {"code": code, "message": message})


class FakeMomo(FakeServer):
    """Fake MoMo. ``settings()`` gives the ``MOMO_*`` settings that point the gateway here."""

    def __init__(self, api_user: str = "2b5a6f0e-6b1d-4c1e-9a53-0f6d0f0c7a11", api_key: str = "mk") -> None:
        super().__init__()
        self.api_user, self.api_key = api_user, api_key
        self.tokens: set[str] = set()
        self.requests_to_pay: dict[str, dict[str, Any]] = {}  # X-Reference-Id -> body as sent
        self.outcomes: dict[str, tuple[str, str | None]] = {}  # X-Reference-Id -> (status, reason)

    def reset(self) -> None:
        super().reset()
        self.tokens.clear()
        self.requests_to_pay.clear()
        self.outcomes.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"MOMO_BASE_URL": self.url, "MOMO_SUBSCRIPTION_KEY": SUBSCRIPTION_KEY,
                "MOMO_API_USER": self.api_user, "MOMO_API_KEY": self.api_key,
                "MOMO_TARGET_ENVIRONMENT": "sandbox", **extra}

    def settle(self, reference: str, status: str = "SUCCESSFUL", reason: str | None = None) -> None:
        self.outcomes[reference] = (status, reason)

    def result(self, reference: str) -> dict[str, Any]:
        """The RequestToPayResult object, as the status call and the callback carry it."""
        sent = self.requests_to_pay[reference]
        status, reason = self.outcomes.get(reference, ("PENDING", None))
        body: dict[str, Any] = {"externalId": sent["externalId"], "amount": sent["amount"],
                                "currency": sent["currency"], "payer": sent["payer"],
                                "payerMessage": sent["payerMessage"], "payeeNote": sent["payeeNote"],
                                "status": status}
        if status == "SUCCESSFUL":
            body = {"financialTransactionId": str(1232581108 + len(reference) + sum(map(ord, reference))),
                    **body}
        if reason:
            body["reason"] = reason
        return body

    def callback_for(self, reference: str, status: str = "SUCCESSFUL", reason: str | None = None,
                     settle: bool = True) -> dict[str, Any]:
        """The callback MoMo would send (and, unless ``settle=False``, what its status call agrees)."""
        if settle:
            self.settle(reference, status, reason)
        body = self.result(reference) if settle else {**self.result(reference), "status": status}
        if not settle and status == "SUCCESSFUL":
            body["financialTransactionId"] = "9999999999"
        return body

    @property
    def status_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET" and r.path.startswith(PAY_PATH + "/")]

    @property
    def pay_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == PAY_PATH]

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:
        if req.headers.get("Ocp-Apim-Subscription-Key") != SUBSCRIPTION_KEY:
            return error(401, "401", "Access denied due to invalid subscription key.")
        if req.method == "POST" and req.path == TOKEN_PATH:
            return self._token(req)
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return error(401, "401", "Access denied due to invalid token.")
        if req.headers.get("X-Target-Environment") != "sandbox":
            return error(400, "NOT_ALLOWED_TARGET_ENVIRONMENT", "Access to target environment is forbidden.")
        if req.method == "POST" and req.path == PAY_PATH:
            return self._request_to_pay(req)
        if req.method == "GET" and req.path.startswith(PAY_PATH + "/"):
            reference = req.path.rsplit("/", 1)[1]
            if reference not in self.requests_to_pay:
                return error(404, "RESOURCE_NOT_FOUND", "Requested resource was not found.")
            return Answer.json(200, self.result(reference))
        return error(404, "RESOURCE_NOT_FOUND", "Requested resource was not found.")

    def _token(self, req: Recorded) -> Answer:
        expected = base64.b64encode(f"{self.api_user}:{self.api_key}".encode()).decode()
        if req.headers.get("Authorization") != f"Basic {expected}":
            return error(401, "401", "Access denied due to invalid credentials.")
        token = "eyJ0eXAi" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return Answer.json(200, {"access_token": token, "token_type": "access_token", "expires_in": 3600})

    def _request_to_pay(self, req: Recorded) -> Answer:
        reference = req.headers.get("X-Reference-Id", "")
        if not UUID4.match(reference):
            return error(400, "BAD_REQUEST", "X-Reference-Id must be a UUID version 4")
        body = req.json
        fields = ("amount", "currency", "externalId", "payerMessage", "payeeNote")
        if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in fields):
            return error(400, "BAD_REQUEST", "every field must be a string")
        payer = body.get("payer")
        if not isinstance(payer, dict) or payer.get("partyIdType") != "MSISDN" or \
                not str(payer.get("partyId", "")).isdigit():
            return error(400, "PAYER_NOT_FOUND", "Payer not found")
        if body["currency"] != "EUR":
            return error(500, "INVALID_CURRENCY", "Currency not supported.")
        if not re.fullmatch(r"\d+(\.\d{1,2})?", body["amount"]):
            return error(400, "BAD_REQUEST", "amount must be a number as a string")
        if reference in self.requests_to_pay:
            return error(409, "RESOURCE_ALREADY_EXIST",
                         "Duplicated reference id. Creation of resource failed.")
        self.requests_to_pay[reference] = dict(body)
        return Answer(202, b"", "application/json")
