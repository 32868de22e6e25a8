"""A payment settles an order. This module starts payments and decides what providers' answers mean.

``start_payment`` writes a ``Payment`` row in the caller's transaction and asks for the job that
sends the request to the provider a moment after commit (the handset must have left USSD first,
or M-Pesa refuses the prompt with 1001). It never calls a provider itself: adapters in
``gateway/payments`` turn what a provider says into a neutral ``PaymentResult``, and ``settle``
decides what that result does to the payment and its order.

A payment moves ``queued -> requesting -> requested -> paid | failed | mismatch``. Every move is a
conditional UPDATE on the current status, so two workers handling the same callback cannot both
win. Functions here never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from gateway.commerce import order_states
from gateway.commerce.models import Order, Payment
from gateway.commerce.money import format_money
from gateway.core.pending import after_commit

REQUEST_JOB = "gateway.jobs.request_payment"

QUEUED = "queued"  # written; its request job has not claimed it yet
REQUESTING = "requesting"  # a job is asking the provider right now (or died doing so)
REQUESTED = "requested"  # the provider accepted: the customer has a prompt on the handset
PAID = "paid"
FAILED = "failed"
MISMATCH = "mismatch"  # money came, but not the amount asked for: the admin decides
IN_FLIGHT = (QUEUED, REQUESTING, REQUESTED)
UNPAID_ORDER = (order_states.AWAITING_PAYMENT, order_states.PAYMENT_FAILED)

# Results, as providers' adapters report them.
RESULT_PAID = "paid"
RESULT_FAILED = "failed"
RESULT_PENDING = "pending"


@dataclass(frozen=True)
class PaymentResult:
    """What a provider says about one payment (from its callback or a status query)."""

    checkout_id: str
    status: str  # RESULT_PAID | RESULT_FAILED | RESULT_PENDING
    code: str
    detail: str
    amount_minor: int | None = None  # what the customer paid, when the provider says
    receipt: str | None = None
    phone: str | None = None
    raw: str = ""  # the provider's answer as it came, when it was a status query worth keeping


@dataclass(frozen=True)
class Settled:
    """What settling did. ``notice`` is the customer SMS the caller should queue, if any."""

    outcome: str  # paid | failed | mismatch | duplicate | ignored | pending | receipt_reused | refund_due
    notice: str | None = None  # "paid" | "failed" | "refund"


def start_payment(db: Session, order: Order, provider: str, phone: str, delay: float) -> Payment:
    """Record a payment for ``order`` and schedule its request. The caller commits.

    The payment gets its idempotency key (a UUID4) now, before any provider sees it: every retry
    of its request carries the same key, so a provider never takes it for a second payment."""
    payment = Payment(order_id=order.id, provider=provider, status=QUEUED,
                      amount_minor=order.total_minor, currency=order.currency, phone=phone,
                      idempotency_key=str(uuid.uuid4()))
    db.add(payment)
    db.flush()
    after_commit(db, REQUEST_JOB, payment.id, delay=delay)
    return payment


def move_payment(db: Session, payment: Payment, sources: tuple[str, ...], target: str,
                 **values: Any) -> bool:
    """``payment`` to ``target`` only if it is still in one of ``sources``; False if another won."""
    result = db.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status.in_(sources))
        .values(status=target, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.refresh(payment)
    return True


def claim_request(db: Session, payment_id: int, provider: str) -> Payment | None:
    """Take a queued payment for requesting (``provider`` is the one that will ask), or None."""
    payment = db.get(Payment, payment_id)
    if payment is None or not move_payment(db, payment, (QUEUED,), REQUESTING, provider=provider,
                                           attempts=Payment.attempts + 1):
        return None
    return payment


def record_accepted(db: Session, payment: Payment, checkout_id: str, merchant_id: str | None) -> bool:
    """The provider sent the prompt: remember its ids so its callback can find this payment."""
    return move_payment(db, payment, (REQUESTING,), REQUESTED, checkout_request_id=checkout_id,
                        merchant_request_id=merchant_id, result_code=None, result_desc=None)


def release_request(db: Session, payment: Payment, detail: str) -> bool:
    """A request that may work later goes back to ``queued`` for the retry."""
    return move_payment(db, payment, (REQUESTING,), QUEUED, result_desc=detail[:300])


def settle(db: Session, payment: Payment, result: PaymentResult) -> Settled:
    """Apply ``result`` to ``payment`` and its order. Idempotent; a failure never undoes a success.

    Paid only when the result says paid, the amount (when given) is the one asked for and the
    receipt is not already another payment's. The caller commits and queues ``notice``.
    """
    if result.status == RESULT_PENDING:
        return Settled("pending")
    if payment.status in (PAID, MISMATCH):
        return Settled("duplicate" if result.status == RESULT_PAID else "ignored")
    if result.status == RESULT_FAILED:
        if payment.status == FAILED:
            return Settled("duplicate")
        return _fail(db, payment, result.code, result.detail)
    return _pay(db, payment, result)


def _fail(db: Session, payment: Payment, code: str, detail: str) -> Settled:
    if not move_payment(db, payment, IN_FLIGHT, FAILED, result_code=code[:20], result_desc=detail[:300]):
        return Settled("duplicate")
    order = payment.order
    if order.status == order_states.AWAITING_PAYMENT and _is_latest(db, payment):
        order_states.transition(db, order, order_states.PAYMENT_FAILED, actor="system", channel="payment",
                                note=f"{payment.provider} {code}: {detail}")
        return Settled("failed", notice="failed")
    return Settled("failed")


def fail_request(db: Session, payment: Payment, code: str, detail: str) -> Settled:
    """The provider refused to send the prompt (or we gave up asking): the payment failed."""
    return _fail(db, payment, code, detail)


def _pay(db: Session, payment: Payment, result: PaymentResult) -> Settled:
    sources = (*IN_FLIGHT, FAILED)  # a late success after a failure still means money arrived
    if result.amount_minor is not None and result.amount_minor != payment.amount_minor:
        paid, asked = (format_money(m, payment.currency) for m in (result.amount_minor, payment.amount_minor))
        detail = f"paid {paid} but {asked} was asked ({result.detail})"
        move_payment(db, payment, sources, MISMATCH, result_code=result.code[:20], result_desc=detail[:300],
                     receipt=_free_receipt(db, payment, result.receipt))
        return Settled("mismatch")
    if result.receipt and _free_receipt(db, payment, result.receipt) is None:
        return Settled("receipt_reused")
    if not move_payment(db, payment, sources, PAID, result_code=result.code[:20],
                        result_desc=result.detail[:300], receipt=result.receipt):
        return Settled("duplicate")
    order = payment.order
    if order_states.can_move(order.status, order_states.PAID):
        order_states.transition(db, order, order_states.PAID, actor="system", channel="payment",
                                note=f"{payment.provider} receipt {result.receipt or '-'}")
        return Settled("paid", notice="paid")
    order.refund_due = True  # paid for an order that expired, was cancelled or was already paid
    return Settled("refund_due", notice="refund")


def _free_receipt(db: Session, payment: Payment, receipt: str | None) -> str | None:
    """``receipt`` unless another payment already holds it (then None)."""
    if not receipt:
        return None
    holder = db.scalar(select(Payment.id).where(Payment.receipt == receipt, Payment.id != payment.id))
    return None if holder is not None else receipt[:40]


def _is_latest(db: Session, payment: Payment) -> bool:
    """Whether ``payment`` is its order's newest (an old attempt failing says nothing of a new one)."""
    newest = db.scalar(select(Payment.id).where(Payment.order_id == payment.order_id)
                       .order_by(Payment.id.desc()).limit(1))
    return newest == payment.id


def payment_by_checkout(db: Session, provider: str, checkout_id: str) -> Payment | None:
    """The payment a provider's id names: its checkout id, or our idempotency key (which MoMo and
    Airtel echo, and which is known before the provider's acceptance is recorded)."""
    return db.scalar(select(Payment).where(
        or_(Payment.checkout_request_id == checkout_id, Payment.idempotency_key == checkout_id),
        Payment.provider == provider).limit(1))


def issued_code(db: Session, order_id: int) -> str | None:
    """The code the customer pays ``order_id`` with at an agent (a PagoEfectivo CIP): the provider's
    id of the order's newest payment once it was issued, else None (still being asked for)."""
    return db.scalar(select(Payment.checkout_request_id)
                     .where(Payment.order_id == order_id, Payment.status.in_((REQUESTED, PAID)))
                     .order_by(Payment.id.desc()).limit(1))


def stale_payments(db: Session, status: str, older_than: datetime, limit: int = 200) -> list[Payment]:
    """Payments sitting in ``status`` since before ``older_than`` (for the periodic sweep)."""
    return list(db.scalars(select(Payment).where(Payment.status == status, Payment.updated_at <= older_than)
                           .order_by(Payment.id).limit(limit)))


def expire_unpaid_orders(db: Session, now: datetime, minutes: int, limit: int = 200) -> list[Order]:
    """Expire orders still unpaid past their deadline (``expires_at``, else ``minutes`` after
    creation); their stock goes back. An order whose payment moved in the last five minutes (a
    prompt may be on the handset right now) waits for the next sweep. Returns the expired orders;
    the caller commits."""
    busy = (select(Payment.order_id).where(Payment.status.in_(IN_FLIGHT),
                                           Payment.updated_at > now - timedelta(minutes=5)))
    due = ((Order.expires_at <= now) |
           (Order.expires_at.is_(None) & (Order.created_at <= now - timedelta(minutes=minutes))))
    orders = list(db.scalars(select(Order).where(Order.status.in_(UNPAID_ORDER), due, Order.id.not_in(busy))
                             .order_by(Order.id).limit(limit)))
    for order in orders:
        order_states.transition(db, order, order_states.EXPIRED, actor="system", channel="system",
                                note=f"not paid within {minutes} minutes")
        if db.scalar(select(Payment.id).where(Payment.order_id == order.id,
                                              Payment.status == MISMATCH).limit(1)) is not None:
            order.refund_due = True  # money came in, just not the right amount
    return orders
