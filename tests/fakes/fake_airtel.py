"""A fake Airtel Money Open API (token, USSD push, status) speaking PROTOCOLS.md verbatim.

It checks the client credentials on the token call, the Bearer token, ``X-Country`` and
``X-Currency`` matching the body, a number without its country code, a numeric amount and a
``transaction.id``; a repeated id answers ``ESB000041`` "External Transaction ID already exists".
``settle(id, "TS")`` decides what the status call answers (``TIP`` until then);
``callback_for(id)`` is the body Airtel would POST to the registered callback URL.
"""

from __future__ import annotations

import secrets
from typing import Any

from tests.fakes.server import Answer, FakeServer, Recorded

TOKEN_PATH = "/auth/oauth2/token"
PAY_PATH = "/merchant/v1/payments/"
STATUS_PATH = "/standard/v1/payments/"
OK_STATUS = {"code": "200", "message": "SUCCESS", "result_code": "ESB000010",
             "response_code": "DP00800001006", "success": True}


def failure(result_code: str, message: str, status: int = 200) -> Answer:
    return Answer.json(status, {"data": {}, "status": {"code": str(status), "message": message,
                                                       "result_code": result_code, "success": False}})


class FakeAirtel(FakeServer):
    """Fake Airtel. ``settings()`` gives the ``AIRTEL_*`` settings that point the gateway here."""

    def __init__(self, client_id: str = "airtel-client", client_secret: str = "airtel-secret") -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: set[str] = set()
        self.pushes: dict[str, dict[str, Any]] = {}  # transaction.id -> body as sent
        self.outcomes: dict[str, str] = {}

    def reset(self) -> None:
        super().reset()
        self.tokens.clear()
        self.pushes.clear()
        self.outcomes.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"AIRTEL_BASE_URL": self.url, "AIRTEL_CLIENT_ID": self.client_id,
                "AIRTEL_CLIENT_SECRET": self.client_secret, "AIRTEL_COUNTRY": "UG", **extra}

    def settle(self, transaction_id: str, status: str = "TS") -> None:
        self.outcomes[transaction_id] = status

    def money_id(self, transaction_id: str) -> str:
        return f"MP210603.1234.L{sum(map(ord, transaction_id)):05d}"

    def callback_for(self, transaction_id: str, status: str = "TS", settle: bool = True) -> dict[str, Any]:
        """The callback Airtel would POST (and, unless ``settle=False``, what its status call agrees)."""
        if settle:
            self.settle(transaction_id, status)
        sent = self.pushes[transaction_id]["transaction"]
        message = (f"Paid {sent['currency']} {sent['amount']:,} to TECHNOLOGIES LIMITED Charge UGX 140, "
                   f"Trans ID {self.money_id(transaction_id)}.") if status == "TS" else "Transaction failed"
        return {"transaction": {"id": transaction_id, "message": message, "status_code": status,
                                "airtel_money_id": self.money_id(transaction_id)},
                "hash": "zITVAAGYSlzl1WkUQJn81kbpT5drH3koffT8jCkcJJA="}

    @property
    def status_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(STATUS_PATH)]

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:
        if req.method == "POST" and req.path == TOKEN_PATH:
            return self._token(req)
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return Answer.json(401, {"error": "invalid_token", "error_description": "Invalid access token"})
        if req.headers.get("X-Country") != "UG" or req.headers.get("X-Currency") != "UGX":
            return failure("ROUTER006", "Invalid country")
        if req.method == "POST" and req.path == PAY_PATH:
            return self._push(req.json)
        if req.method == "GET" and req.path.startswith(STATUS_PATH):
            return self._status(req.path[len(STATUS_PATH):])
        return failure("ROUTER001", "Not found", 404)

    def _token(self, req: Recorded) -> Answer:
        body = req.json if isinstance(req.json, dict) else {}
        if (body.get("client_id"), body.get("client_secret"), body.get("grant_type")) != \
                (self.client_id, self.client_secret, "client_credentials"):
            return Answer.json(401, {"error": "invalid_client", "error_description": "Bad credentials"})
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return Answer.json(200, {"access_token": token, "expires_in": "180", "token_type": "bearer"})

    def _push(self, body: Any) -> Answer:
        if not isinstance(body, dict):
            return failure("ESB000008", "Field validation")
        subscriber, transaction = body.get("subscriber"), body.get("transaction")
        if not isinstance(subscriber, dict) or not isinstance(transaction, dict):
            return failure("ESB000008", "Field validation")
        msisdn = str(subscriber.get("msisdn", ""))
        if not msisdn.isdigit() or len(msisdn) != 9:
            return failure("ESB000033", "Invalid MSISDN Length. MSISDN Length should be 9")
        amount = transaction.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            return failure("ESB000008", "Field validation")
        if transaction.get("currency") != "UGX" or subscriber.get("country") != "UG":
            return failure("ESB000035", "Invalid currency")
        key = str(transaction.get("id") or "")
        if not key:
            return failure("ESB000008", "Field validation")
        if key in self.pushes:
            return failure("ESB000041", "External Transaction ID already exists")
        self.pushes[key] = dict(body)
        accepted = {"transaction": {"id": False, "status": "SUCCESS"}}
        return Answer.json(200, {"data": accepted, "status": OK_STATUS})

    def _status(self, key: str) -> Answer:
        if key not in self.pushes:
            return failure("ESB000045", "No transaction found with the provided Transaction Id")
        status = self.outcomes.get(key, "TIP")
        transaction = {"airtel_money_id": self.money_id(key) if status == "TS" else None, "id": key,
                       "message": "success" if status == "TS" else "in process", "status": status}
        return Answer.json(200, {"data": {"transaction": transaction}, "status": OK_STATUS})
