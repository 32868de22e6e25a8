"""The sandbox wallet: mobile money with no account, so ``make run`` pays end to end.

Asking for a payment "shows a prompt" (the payment waits, ``requested``, in the list the web
phone simulator reads with ``pending_prompts``). A person may accept or decline it there
(``answer_prompt``); if nobody answers within ``SANDBOX_PAYMENT_SECONDS`` the check job finds it
approved, as if the customer had typed their PIN. Receipts look like M-Pesa's (``SB...``).
Used for any mobile-money method whose real provider is not configured (not in production).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from gateway.commerce.models import Payment
from gateway.commerce.payment_moves import settle_payment
from gateway.commerce.settlement import REQUESTED, RESULT_FAILED, RESULT_PAID, PaymentResult, Settled
from gateway.core.errors import BadRequest, NotFound
from gateway.payments.base import PaymentAsk, PushAnswer

NAME = "sandbox"
METHOD = "sandbox"
APPROVED = "Approved in the sandbox"
DECLINED = "Request cancelled by user"


def configured(settings: Settings) -> bool:
    return True


def build(settings: Settings, client: redis.Redis) -> SandboxWallet:
    return SandboxWallet(settings.SANDBOX_PAYMENT_SECONDS)


def receipt_for(payment_id: int, checkout_id: str) -> str:
    """A stable, M-Pesa-like receipt number for a sandbox payment (asked twice, same answer)."""
    digest = hashlib.sha256(f"{payment_id}:{checkout_id}".encode()).digest()
    return "SB" + base64.b32encode(digest).decode()[:8]


class SandboxWallet:
    """Accepts every request; approves it after ``seconds`` unless a person declined it."""

    name = NAME

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def request(self, ask: PaymentAsk) -> PushAnswer:
        checkout = f"sandbox_{ask.payment_id}_{secrets.token_hex(4)}"
        return PushAnswer(True, checkout_id=checkout, merchant_id="sandbox", code="0",
                          detail="prompt shown in the sandbox", check_after=self.seconds)

    def query(self, ask: PaymentAsk) -> PaymentResult:
        checkout = ask.checkout_id or ""
        return PaymentResult(checkout, RESULT_PAID, "0", APPROVED, amount_minor=ask.amount_minor,
                             receipt=receipt_for(ask.payment_id, checkout), phone=ask.phone)


def parse_callback(body: bytes) -> PaymentResult:
    raise BadRequest("the sandbox wallet sends no callbacks")


def pending_prompts(db: Session, phone: str) -> list[Payment]:
    """Sandbox prompts waiting on ``phone`` (E.164), oldest first: what the simulator shows."""
    return list(db.scalars(select(Payment).where(Payment.provider == NAME, Payment.status == REQUESTED,
                                                 Payment.phone == phone).order_by(Payment.id)))


def answer_prompt(db: Session, payment_id: int, accept: bool) -> Settled:
    """A person accepted or declined a sandbox prompt: settle it now and queue the customer's SMS.

    Raises ``NotFound`` for a payment that is not the sandbox's. Answering a prompt that is
    already settled changes nothing. The caller commits (and dispatches the SMS job).
    """
    payment = db.get(Payment, payment_id)
    if payment is None or payment.provider != NAME:
        raise NotFound(f"no sandbox payment {payment_id}", user_message="No such payment prompt.")
    checkout = payment.checkout_request_id or ""
    if accept:
        result = PaymentResult(checkout, RESULT_PAID, "0", APPROVED, amount_minor=payment.amount_minor,
                               receipt=receipt_for(payment.id, checkout), phone=payment.phone)
    else:
        result = PaymentResult(checkout, RESULT_FAILED, "1032", DECLINED, phone=payment.phone)
    return settle_payment(db, payment, result)
