"""The provider's own word on a callback, before the callback moves anything.

MTN MoMo and Airtel Money sign nothing (``CONFIRMS_CALLBACKS``): each of their callbacks is only a
hint, and a status query decides. M-Pesa's "paid" callbacks are checked the same way when
``MPESA_VERIFY`` is on. ``gateway.payments.collection`` calls these under its one-query-per-
payment guard.
"""

from __future__ import annotations

import logging

from config.settings import Settings
from gateway.commerce import settlement
from gateway.commerce.settlement import PaymentResult
from gateway.core.errors import ProviderError
from gateway.core.runtime import Runtime
from gateway.payments import registry
from gateway.payments.base import PaymentAsk

log = logging.getLogger(__name__)


def must_confirm(settings: Settings, name: str, claimed: PaymentResult) -> bool:
    """Whether a callback's word must be checked with the provider before it moves anything:
    always for a provider that signs nothing, and for a "paid" its ``<NAME>_VERIFY`` says to check."""
    if claimed.status == settlement.RESULT_PENDING:
        return False
    return registry.confirms_callbacks(name) or (
        claimed.status == settlement.RESULT_PAID and settings.verifies(name))


def provider_word(rt: Runtime, name: str, ask: PaymentAsk,
                  claimed: PaymentResult) -> tuple[PaymentResult, str, PaymentResult]:
    """The provider's own word on a callback: ``(result to settle, outcome note, the answer)``.

    A "paid" the provider confirms keeps the callback's receipt unless the answer carries its own;
    anything the provider says otherwise wins, noted ``unconfirmed``. Raises a retryable
    ``ProviderError`` while the provider still says pending (the job, or the sweep, asks again)."""
    answer = registry.provider(rt.extras, rt.settings, rt.redis, name).query(ask)
    if answer.status == settlement.RESULT_PENDING:
        raise ProviderError(f"payment {ask.payment_id}: not confirmed yet ({answer.detail})", retryable=True)
    if answer.status == claimed.status:
        return (answer if answer.receipt or answer.status != settlement.RESULT_PAID else claimed), "", answer
    log.warning("payment %s: callback says %s, the provider says %s (%s)", ask.payment_id, claimed.status,
                answer.status, answer.code)
    return answer, "unconfirmed", answer
