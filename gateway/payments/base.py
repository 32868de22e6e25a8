"""What every payment provider does. A provider translates; ``gateway.commerce.settlement`` decides.

- ``request(ask)`` asks the provider to collect ``ask.amount_minor`` from ``ask.phone``. Returns a
  ``PushAnswer`` (accepted with the provider's ids, or refused for good); raises
  ``ProviderError(retryable=True)`` when trying again later may work (network, 5xx).
- ``query(ask)`` asks how a requested payment ended: a ``PaymentResult`` (paid, failed or still
  pending); raises ``ProviderError`` when the provider cannot say.

A provider whose callbacks are not signed (MTN MoMo, Airtel Money) sets ``CONFIRMS_CALLBACKS =
True``: every callback it sends is only a hint, and ``query`` decides what it means.

A provider module exposes ``NAME``, ``METHOD`` (the payment method customers pick, e.g. ``mpesa``),
``configured(settings)``, ``build(settings, redis)`` and a module-level ``parse_callback(body)``
that reads the provider's own callback into a ``PaymentResult`` (``BadRequest`` saying what is
wrong with it; callbacks are read without building the provider); ``gateway.payments.registry`` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gateway.commerce.settlement import PaymentResult

__all__ = ["PaymentAsk", "PaymentProvider", "PaymentResult", "PushAnswer"]


@dataclass(frozen=True)
class PaymentAsk:
    """A payment as a provider needs to see it (a snapshot: no database session travels)."""

    payment_id: int
    amount_minor: int
    currency: str
    phone: str  # E.164
    reference: str  # the order reference the customer sees
    checkout_id: str | None = None
    idempotency_key: str = ""  # ours, the same on every retry (see ``settlement.start_payment``)
    expires_at: datetime | None = None  # when the order stops waiting for this money (UTC)


@dataclass(frozen=True)
class PushAnswer:
    """The provider's answer to a payment request."""

    accepted: bool
    checkout_id: str | None = None
    merchant_id: str | None = None
    code: str = ""
    detail: str = ""
    check_after: float | None = None  # the provider settles by itself: query it after this many seconds
    raw: str = ""  # the provider's answer as it came, kept for the console when worth it
    pay_code: str | None = None  # a code the customer pays in cash (PagoEfectivo's CIP): texted to them
    pay_by: str = ""  # until when that code can be paid, as the customer's clock reads it


class PaymentProvider(Protocol):
    name: str

    def request(self, ask: PaymentAsk) -> PushAnswer: ...

    def query(self, ask: PaymentAsk) -> PaymentResult: ...
