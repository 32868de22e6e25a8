"""Cash on delivery: nothing to ask anyone. The shop marks the order delivered when paid in hand.

It exists so that every payment method has a provider; checkout does not start a payment for
cash, and if something does, the request is accepted and stays open until the shop settles it.
"""

from __future__ import annotations

import redis

from config.settings import Settings
from gateway.commerce.settlement import RESULT_PENDING, PaymentResult
from gateway.core.errors import BadRequest
from gateway.payments.base import PaymentAsk, PushAnswer

NAME = "cash"
METHOD = "cash"


def configured(settings: Settings) -> bool:
    return True


def build(settings: Settings, client: redis.Redis) -> CashOnDelivery:
    return CashOnDelivery()


class CashOnDelivery:
    name = NAME

    def request(self, ask: PaymentAsk) -> PushAnswer:
        return PushAnswer(True, checkout_id=f"cash_{ask.payment_id}", detail="collected on delivery")

    def query(self, ask: PaymentAsk) -> PaymentResult:
        return PaymentResult(ask.checkout_id or "", RESULT_PENDING, "", "collected on delivery")


def parse_callback(body: bytes) -> PaymentResult:
    raise BadRequest("cash payments have no callback")
