"""Collecting a payment: what the payment jobs and the callback webhook do, around providers.

Each function owns its transactions (``unit_of_work``) and never holds one open across a
provider call: it reads what it needs, commits, calls the provider with its timeout, then records
the answer in a new transaction that re-checks the row. ``gateway.commerce.settlement`` decides
what an answer means and ``gateway.commerce.payment_moves.settle_payment`` whom it tells.

Callbacks are stored raw by the webhook and settled here in a job (``settle_callback``): with
``MPESA_VERIFY`` settling asks Daraja first, an outbound call the webhook must not wait on, and a
stored row plus a retried job loses nothing when Daraja or the database hiccups.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

import redis
from sqlalchemy import select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from gateway.commerce import settlement
from gateway.commerce.models import Payment, PaymentCallback, utcnow
from gateway.commerce.payment_moves import fail_payment_request, record_prompt_sent, settle_payment
from gateway.commerce.settlement import PaymentResult
from gateway.core.errors import BadRequest, ProviderError
from gateway.core.pending import after_commit
from gateway.core.runtime import Runtime
from gateway.core.transactions import unit_of_work
from gateway.payments import confirmation, registry
from gateway.payments.base import PaymentAsk, PaymentProvider
from gateway.transports.clean import storable_raw

log = logging.getLogger(__name__)

CHECK_JOB = "gateway.jobs.check_payment"
REQUEST_JOB = settlement.REQUEST_JOB
SETTLE_CALLBACK_JOB = "gateway.jobs.settle_payment_callback"
MAX_REQUEST_ATTEMPTS = 3
NO_ANSWER = "no answer from the payment provider"
VERIFY_GUARD_SECONDS = 60  # longer than one provider query with its timeout
# Errors no retry cures: the stored body or a value in it is bad (a NUL PostgreSQL refuses ...).
NEVER_SETTLES = (BadRequest, ValueError, ArithmeticError, LookupError, TypeError, DataError, IntegrityError)
CALLBACK_GIVE_UP = timedelta(hours=6)  # a callback still unsettled by then is the admin's to look at


def _ask(payment: Payment) -> PaymentAsk:
    return PaymentAsk(payment.id, payment.amount_minor, payment.currency, payment.phone,
                      payment.order.reference, payment.checkout_request_id,
                      idempotency_key=payment.idempotency_key or "", expires_at=payment.order.expires_at)


def keep_answer(db: Session, payment: Payment, kind: str, raw: str, outcome: str) -> None:
    """Keep what a provider answered us (``kind`` ``request`` or ``status``) beside its callbacks,
    for the console; nothing is kept when the adapter passed no raw text. The caller commits."""
    if raw:
        db.add(PaymentCallback(provider=payment.provider, kind=kind, payment_id=payment.id,
                               checkout_request_id=payment.checkout_request_id, raw=raw[:20_000],
                               outcome=outcome[:40]))


def request_payment(rt: Runtime, payment_id: int) -> str:
    """Send a queued payment's prompt. Idempotent: only a ``queued`` payment is sent, once per claim."""
    claimed = _claim_request(rt, payment_id)
    if isinstance(claimed, str):
        return claimed
    provider, ask = claimed
    try:
        answer = provider.request(ask)
    except ProviderError as exc:
        return _retry_or_give_up(rt, payment_id, exc)
    with unit_of_work(rt) as db:
        payment = db.get(Payment, payment_id)
        if payment is None:
            return "nothing to do"
        keep_answer(db, payment, "request", answer.raw, "accepted" if answer.accepted else "refused")
        if not answer.accepted:
            fail_payment_request(db, payment, answer.code, answer.detail)
            return "refused"
        record_prompt_sent(db, payment, answer.checkout_id or "", answer.merchant_id, answer.pay_code,
                           answer.pay_by)
        if answer.check_after is not None:
            after_commit(db, CHECK_JOB, payment_id, delay=answer.check_after)
    return "requested"


def _claim_request(rt: Runtime, payment_id: int) -> tuple[PaymentProvider, PaymentAsk] | str:
    """Claim a queued payment for its provider (committed before any call), or say why not."""
    with unit_of_work(rt) as db:
        payment = db.get(Payment, payment_id)
        if payment is None or payment.status != settlement.QUEUED:
            return "nothing to do"
        if payment.order.status not in settlement.UNPAID_ORDER:  # cancelled or expired meanwhile
            settlement.move_payment(db, payment, (settlement.QUEUED,), settlement.FAILED,
                                    result_code="order_closed",
                                    result_desc=f"order {payment.order.status}: no prompt sent")
            return "order closed"
        name = registry.provider_name_for(rt.settings, payment.provider)
        try:
            provider = registry.provider(rt.extras, rt.settings, rt.redis, name)
        except (KeyError, RuntimeError) as exc:
            log.error("payment %s: provider %s unavailable: %s", payment_id, name, exc)
            fail_payment_request(db, payment, "unavailable", str(exc))
            return "failed"
        if settlement.claim_request(db, payment_id, name) is None:
            return "nothing to do"
        if payment.idempotency_key is None:  # a payment written before payments carried one
            payment.idempotency_key = str(uuid.uuid4())
        return provider, _ask(payment)


def _retry_or_give_up(rt: Runtime, payment_id: int, exc: ProviderError) -> str:
    """Put the payment back for RQ's retry (re-raising ``exc``), or fail it after the last attempt."""
    with unit_of_work(rt) as db:
        payment = db.get(Payment, payment_id)
        if payment is None:
            return "nothing to do"
        if exc.retryable and payment.attempts < MAX_REQUEST_ATTEMPTS:
            settlement.release_request(db, payment, str(exc))
        else:
            log.warning("payment %s: giving up after %s attempts: %s", payment_id, payment.attempts, exc)
            fail_payment_request(db, payment, exc.code or "unreachable", str(exc))
            return "failed"
    raise exc


def check_payment(rt: Runtime, payment_id: int) -> str:
    """Ask the provider how a requested payment ended, and settle it. Raises only retryable errors;
    a payment the provider can never answer about is failed (a late callback still pays it)."""
    with unit_of_work(rt) as db:
        payment = db.get(Payment, payment_id)
        if payment is None or payment.status != settlement.REQUESTED:
            return "nothing to do"
        ask, name = _ask(payment), payment.provider
    try:
        result = registry.provider(rt.extras, rt.settings, rt.redis, name).query(ask)
    except ProviderError as exc:
        if exc.retryable:
            raise
        log.warning("payment %s: cannot be checked, failed and flagged: %s", payment_id, exc)
        with unit_of_work(rt) as db:  # else the sweep would ask again every period, forever
            payment = db.get(Payment, payment_id)
            if payment is not None:
                fail_payment_request(db, payment, "unchecked", str(exc))
        return "failed"
    with unit_of_work(rt) as db:
        payment = db.get(Payment, payment_id)
        if payment is None:
            return "nothing to do"
        if result.status == settlement.RESULT_PENDING:
            payment.updated_at = utcnow()  # ask again one stale period from now, not every sweep
        outcome = settle_payment(db, payment, result).outcome
        keep_answer(db, payment, "status", result.raw, outcome)
        return outcome


def receive_callback(rt: Runtime, provider_name: str, body: bytes,
                     parse: Callable[[bytes], PaymentResult]) -> str:
    """Store a provider's callback exactly as it came, then queue its settlement.

    Returns the outcome so far (``queued``, ``unknown``). Raises ``BadRequest`` for a malformed
    body, after storing it: nothing that arrives is ever lost.
    """
    problem: BadRequest | None = None
    with unit_of_work(rt) as db:
        record = PaymentCallback(provider=provider_name, raw=storable_raw(body))  # NUL and all
        db.add(record)
        try:
            result = parse(body)
        except BadRequest as exc:
            record.outcome, problem = "malformed", exc
        else:
            record.checkout_request_id = result.checkout_id
            payment = settlement.payment_by_checkout(db, provider_name, result.checkout_id)
            record.payment_id = payment.id if payment else None
            record.outcome = None if payment else "unknown"
        db.flush()
        if record.payment_id is not None:
            after_commit(db, SETTLE_CALLBACK_JOB, record.id)
        outcome = record.outcome or "queued"
    if problem is not None:
        raise problem
    return outcome


def settle_callback(rt: Runtime, callback_id: int) -> str:
    """Settle the payment a stored callback speaks of (verifying a success first when the
    provider's ``<NAME>_VERIFY`` setting is on). Idempotent on the callback row.

    Raises only what a retry may cure (``ProviderError``, a lost database connection). A body,
    value or row that no retry changes (bad data) flags the callback ``error`` for the admin and
    ends the job, so neither RQ nor the sweep runs it again."""
    try:
        return _settle_callback(rt, callback_id)
    except NEVER_SETTLES as exc:
        log.error("payment callback %s cannot be settled (%s); flagged for the admin",
                  callback_id, type(exc).__name__)
        with unit_of_work(rt) as db:
            db.execute(update(PaymentCallback).where(PaymentCallback.id == callback_id,
                                                     PaymentCallback.outcome.is_(None))
                       .values(outcome="error"))
        return "error"


def _settle_callback(rt: Runtime, callback_id: int) -> str:
    with unit_of_work(rt) as db:
        record = db.get(PaymentCallback, callback_id)
        if record is None or record.outcome is not None or record.payment_id is None:
            return "nothing to do"
        payment = db.get(Payment, record.payment_id)
        if payment is None:
            return "nothing to do"
        result = registry.callback_parser(record.provider)(record.raw.encode())
        ask, name = _ask(payment), payment.provider
        unsettled = payment.status in (*settlement.IN_FLIGHT, settlement.FAILED)
    outcome_note, answer = "", None
    if unsettled and confirmation.must_confirm(rt.settings, name, result):
        with verification_guard(rt, ask.payment_id):
            if _unsettled(rt, ask.payment_id):  # read again: the guard's last holder may have settled it
                result, outcome_note, answer = confirmation.provider_word(rt, name, ask, result)
            return _record_settlement(rt, callback_id, ask.payment_id, result, outcome_note, answer)
    return _record_settlement(rt, callback_id, ask.payment_id, result, outcome_note)


def _unsettled(rt: Runtime, payment_id: int) -> bool:
    with unit_of_work(rt) as db:
        payment = db.get(Payment, payment_id)
        return payment is not None and payment.status in (*settlement.IN_FLIGHT, settlement.FAILED)


def _record_settlement(rt: Runtime, callback_id: int, payment_id: int, result: PaymentResult,
                       outcome_note: str, answer: PaymentResult | None = None) -> str:
    with unit_of_work(rt) as db:
        record = db.get(PaymentCallback, callback_id)
        payment = db.get(Payment, payment_id)
        if record is None or payment is None or record.outcome is not None:
            return "nothing to do"
        settled = settle_payment(db, payment, result)
        record.outcome = outcome_note or settled.outcome
        if answer is not None:
            keep_answer(db, payment, "status", answer.raw, record.outcome)
        return record.outcome


@contextmanager
def verification_guard(rt: Runtime, payment_id: int) -> Iterator[None]:
    """One provider query per payment at a time: duplicate callbacks (Daraja sends several) wait
    for the first one's answer instead of asking again. A duplicate that finds the guard taken
    raises a retryable ``ProviderError``; its retry finds the payment settled and asks nothing.
    Without Redis every callback asks for itself (the old, slower behaviour)."""
    key = f"bodega:payment-verify:{payment_id}"
    try:
        taken = rt.redis.set(key, "1", nx=True, ex=VERIFY_GUARD_SECONDS)
    except redis.RedisError:
        taken = True
    if not taken:
        raise ProviderError(f"payment {payment_id}: another callback is being verified", retryable=True)
    try:
        yield
    finally:
        with suppress(redis.RedisError):
            rt.redis.delete(key)


def settle_stale_payments(rt: Runtime, now: datetime | None = None, stale_seconds: int = 180) -> int:
    """The sweep: query payments whose callback never came, resend requests whose job was lost,
    fail requests whose job died mid-call, settle callbacks whose job was lost. Returns the count."""
    now = now or utcnow()
    with unit_of_work(rt) as db:
        to_check = [p.id for p in settlement.stale_payments(db, settlement.REQUESTED,
                                                             now - timedelta(seconds=stale_seconds))]
        to_request = [p.id for p in settlement.stale_payments(db, settlement.QUEUED,
                                                               now - timedelta(minutes=2))]
        for payment in settlement.stale_payments(db, settlement.REQUESTING, now - timedelta(minutes=5)):
            # We cannot tell whether the prompt went out and have no id to ask about: let the
            # customer retry; a payment made anyway arrives as an "unknown" callback for the admin.
            fail_payment_request(db, payment, "no_answer", NO_ANSWER)
        unsettled = (PaymentCallback.outcome.is_(None), PaymentCallback.payment_id.is_not(None))
        given_up = db.execute(update(PaymentCallback).where(
            *unsettled, PaymentCallback.received_at <= now - CALLBACK_GIVE_UP).values(outcome="unsettled"))
        if given_up.rowcount:  # type: ignore[attr-defined]
            log.warning("%d payment callback(s) unsettled after %s: flagged for the admin",
                        given_up.rowcount, CALLBACK_GIVE_UP)  # type: ignore[attr-defined]
        to_settle = list(db.scalars(select(PaymentCallback.id).where(
            *unsettled, PaymentCallback.received_at <= now - timedelta(minutes=1)).limit(200)))
        for job, ids in ((CHECK_JOB, to_check), (REQUEST_JOB, to_request), (SETTLE_CALLBACK_JOB, to_settle)):
            for item in ids:
                after_commit(db, job, item)
    return len(to_check) + len(to_request) + len(to_settle)


def expire_unpaid_orders(rt: Runtime, now: datetime | None = None) -> int:
    """Expire orders left unpaid past their deadline; their stock goes back. Returns how many."""
    minutes = rt.settings.ORDER_EXPIRY_MINUTES
    with unit_of_work(rt) as db:
        return len(settlement.expire_unpaid_orders(db, now or utcnow(), minutes))
