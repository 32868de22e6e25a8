"""A fake M-Pesa Daraja (token, STK push, STK query) speaking PROTOCOLS.md verbatim.

It checks what the real API checks and what we must get right: HTTP Basic on the token call,
the Bearer token, ``Password == base64(shortcode + passkey + timestamp)``, a 14-digit
``Timestamp``, a whole-number ``Amount``, ``2547...``/``2541...`` numbers, ``AccountReference`` <= 12
and ``TransactionDesc`` <= 13 characters. A bad field gets Daraja's refusal shape
(``{"requestId", "errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid <Field>"}``).

Every push is kept in ``pushes`` so tests can read what was sent and build the callback Daraja
would post (``callback_for``). ``settle`` decides what an STK query answers; a push not yet settled
answers the query like Daraja does while the customer is still on the prompt (HTTP 500,
``500.001.1001`` "The transaction is being processed").

Scripting: ``fake_daraja.refuse()`` (next push refused, HTTP 400),
``script(Answer.slow(3).on(PUSH_PATH))`` (next push answered too late).
"""

from __future__ import annotations

import base64
import itertools
import re
import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import Answer, FakeServer, Recorded

TOKEN_PATH = "/oauth/v1/generate"
PUSH_PATH = "/mpesa/stkpush/v1/processrequest"
QUERY_PATH = "/mpesa/stkpushquery/v1/query"
PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"  # Daraja's public test key
SHORTCODE = "174379"
RESULT_DESCS = {
    0: "The service request is processed successfully.",
    1: "The balance is insufficient for the transaction.",
    1001: "Unable to lock subscriber, a transaction is already in process for the current subscriber",
    1019: "Transaction has expired",
    1032: "Request cancelled by user",
    1037: "DS timeout user cannot be reached",
    2001: "The initiator information is invalid.",
}
PHONE = re.compile(r"^254[71]\d{8}$")


@dataclass
class Push:
    """An accepted STK push: the JSON we sent and the ids Daraja gave it."""

    request: dict[str, Any]
    checkout_request_id: str
    merchant_request_id: str


def refusal(status: int, code: str, message: str) -> Answer:
    return Answer.json(status, {"requestId": f"{secrets.randbelow(99999)}-{secrets.randbelow(9999999)}-1",
                                "errorCode": code, "errorMessage": message})


def stk_callback(checkout_request_id: str, merchant_request_id: str = "29115-34620561-1",
                 result_code: int = 0, amount: float | int = 1, receipt: str = "NLJ7RT61SV",
                 phone: int = 254708374149, result_desc: str | None = None) -> dict[str, Any]:
    """Daraja's STK callback body, verbatim; a failure (non-zero code) carries no metadata."""
    callback: dict[str, Any] = {
        "MerchantRequestID": merchant_request_id, "CheckoutRequestID": checkout_request_id,
        "ResultCode": result_code,
        "ResultDesc": result_desc or RESULT_DESCS.get(result_code, "Failed"),
    }
    if result_code == 0:
        callback["CallbackMetadata"] = {"Item": [
            {"Name": "Amount", "Value": float(amount)},
            {"Name": "MpesaReceiptNumber", "Value": receipt},
            {"Name": "TransactionDate", "Value": 20191219102115},
            {"Name": "PhoneNumber", "Value": phone},
        ]}
    return {"Body": {"stkCallback": callback}}


class FakeDaraja(FakeServer):
    """Fake Daraja. ``settings()`` gives the ``MPESA_*`` settings that point the gateway here."""

    def __init__(self, consumer_key: str = "ck-test", consumer_secret: str = "cs-test") -> None:
        super().__init__()
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.tokens: set[str] = set()
        self.pushes: list[Push] = []
        self.results: dict[str, int] = {}
        self._ids = itertools.count(1)

    def reset(self) -> None:
        super().reset()
        self.tokens.clear()
        self.pushes.clear()
        self.results.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"MPESA_BASE_URL": self.url, "MPESA_CONSUMER_KEY": self.consumer_key,
                "MPESA_CONSUMER_SECRET": self.consumer_secret, "MPESA_SHORTCODE": SHORTCODE,
                "MPESA_PASSKEY": PASSKEY, **extra}

    def refuse(self, code: str = "400.002.02", message: str = "Bad Request - Invalid PhoneNumber",
               status: int = 400) -> None:
        """The next STK push is refused."""
        self.script(refusal(status, code, message).on(PUSH_PATH))

    def settle(self, checkout_request_id: str, result_code: int = 0) -> None:
        """What an STK query about ``checkout_request_id`` answers from now on."""
        self.results[checkout_request_id] = result_code

    def callback_for(self, push: Push, result_code: int = 0, amount: float | int | None = None,
                     receipt: str = "NLJ7RT61SV", settle: bool = True) -> dict[str, Any]:
        """The callback Daraja would post for ``push`` (and, unless ``settle=False``, the query agrees)."""
        if settle:
            self.settle(push.checkout_request_id, result_code)
        phone = int(push.request["PhoneNumber"])
        return stk_callback(push.checkout_request_id, push.merchant_request_id, result_code,
                            push.request["Amount"] if amount is None else amount, receipt, phone)

    @property
    def token_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == TOKEN_PATH]

    @property
    def queries(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == QUERY_PATH]

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:
        if req.method == "GET" and req.path == TOKEN_PATH:
            return self._token(req)
        if req.method != "POST" or req.path not in (PUSH_PATH, QUERY_PATH):
            return refusal(404, "404.001.01", "Resource not found")
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return refusal(401, "404.001.03", "Invalid Access Token")
        if not isinstance(req.json, dict):
            return refusal(400, "400.002.05", "Invalid Request Payload")
        problem = self._check_password(req.json)
        if problem:
            return problem
        return self._push(req.json) if req.path == PUSH_PATH else self._query(req.json)

    def _token(self, req: Recorded) -> Answer:
        expected = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
        if req.query.get("grant_type") != "client_credentials" or \
                req.headers.get("Authorization") != f"Basic {expected}":
            return refusal(400, "400.008.01", "Invalid Authentication passed")
        token = secrets.token_urlsafe(21)
        self.tokens.add(token)
        return Answer.json(200, {"access_token": token, "expires_in": "3599"})

    def _check_password(self, body: dict[str, Any]) -> Answer | None:
        stamp = str(body.get("Timestamp", ""))
        if not re.fullmatch(r"\d{14}", stamp):
            return refusal(400, "400.002.02", "Bad Request - Invalid Timestamp")
        shortcode = str(body.get("BusinessShortCode", ""))
        expected = base64.b64encode(f"{shortcode}{PASSKEY}{stamp}".encode()).decode()
        if shortcode != SHORTCODE or body.get("Password") != expected:
            return refusal(500, "500.001.1001", "Wrong credentials")
        return None

    def _push(self, body: dict[str, Any]) -> Answer:
        amount = body.get("Amount")
        checks = {
            "Amount": isinstance(amount, int | str) and str(amount).isdigit() and int(amount) >= 1,
            "PhoneNumber": bool(PHONE.match(str(body.get("PhoneNumber", "")))),
            "PartyA": bool(PHONE.match(str(body.get("PartyA", "")))),
            "PartyB": bool(str(body.get("PartyB", "")).isdigit()),
            "TransactionType": body.get("TransactionType") in ("CustomerPayBillOnline",
                                                               "CustomerBuyGoodsOnline"),
            "CallBackURL": str(body.get("CallBackURL", "")).startswith(("http://", "https://")),
            "AccountReference": 0 < len(str(body.get("AccountReference", ""))) <= 12,
            "TransactionDesc": 0 < len(str(body.get("TransactionDesc", ""))) <= 13,
        }
        for name, ok in checks.items():
            if not ok:
                return refusal(400, "400.002.02", f"Bad Request - Invalid {name}")
        n = next(self._ids)
        push = Push(dict(body), f"ws_CO_{20191219102115 + n}{n:06d}", f"29115-34620561-{n}")
        self.pushes.append(push)
        return Answer.json(200, {
            "MerchantRequestID": push.merchant_request_id, "CheckoutRequestID": push.checkout_request_id,
            "ResponseCode": "0", "ResponseDescription": "Success. Request accepted for processing",
            "CustomerMessage": "Success. Request accepted for processing"})

    def _query(self, body: dict[str, Any]) -> Answer:
        checkout = str(body.get("CheckoutRequestID", ""))
        push = next((p for p in self.pushes if p.checkout_request_id == checkout), None)
        if push is None:
            return refusal(400, "400.002.02", "Bad Request - Invalid CheckoutRequestID")
        if checkout not in self.results:
            return refusal(500, "500.001.1001", "The transaction is being processed")
        code = self.results[checkout]
        return Answer.json(200, {
            "ResponseCode": "0", "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": push.merchant_request_id, "CheckoutRequestID": checkout,
            "ResultCode": str(code), "ResultDesc": RESULT_DESCS.get(code, "Failed")})
