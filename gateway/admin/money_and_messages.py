"""Payments (with their raw callbacks and flagged mismatches) and SMS in and out, for the console.

Reads only, except ``requeue_sms`` which resets a failed message for its send job (the caller
commits and then enqueues ``SEND_JOB``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from gateway.admin.listings import Filters, Page, paginate
from gateway.commerce.models import InboundSms, OutboundSms, Payment, PaymentCallback
from gateway.commerce.payment_review import flag_reason
from gateway.core.errors import BadRequest
from gateway.core.phone import mask

SMS_STATUSES = ("queued", "sending", "sent", "delivered", "failed")
PIN_WORD = re.compile(r"\b\d{4,6}\b")
# A full number inside a message (the order slip names the customer's): the console masks it.
NUMBER_IN_TEXT = re.compile(r"\+\d{7,15}\b")


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    flag: str | None  # why a person should look at it, or None


def payments(db: Session, f: Filters) -> Page[PaymentRow]:
    """Payments newest first; ``status == "mismatch"`` lists the flagged ones still to resolve,
    paid-but-wrong ones included."""
    query = select(Payment).options(selectinload(Payment.order)).order_by(Payment.id.desc())
    if f.status and f.status != "mismatch":
        query = query.where(Payment.status == f.status)
    if f.phone:
        query = query.where(Payment.phone.like(f"%{f.phone}"))
    if f.status == "mismatch":
        query = query.where(or_(Payment.status == "mismatch", Payment.status == "paid"),
                            Payment.resolution.is_(None))
    page = paginate(db, query, f.page)
    rows = [PaymentRow(p, flag_reason(p)) for p in page.items]
    if f.status == "mismatch":
        rows = [row for row in rows if row.flag]
    return Page(rows, page.number, page.has_next)


def callbacks_of(db: Session, payment: Payment) -> list[PaymentCallback]:
    """Every callback that named this payment (by id or by its checkout request id)."""
    clauses = [PaymentCallback.payment_id == payment.id]
    if payment.checkout_request_id:
        clauses.append(PaymentCallback.checkout_request_id == payment.checkout_request_id)
    return list(db.scalars(select(PaymentCallback).where(or_(*clauses)).order_by(PaymentCallback.id)))


def unmatched_callbacks(db: Session, limit: int = 20) -> list[PaymentCallback]:
    """Callbacks that matched no payment: worth a look (forgery, or a lost payment row)."""
    return list(db.scalars(select(PaymentCallback).where(PaymentCallback.payment_id.is_(None))
                           .order_by(PaymentCallback.id.desc()).limit(limit)))


def outbound(db: Session, f: Filters) -> Page[OutboundSms]:
    query = select(OutboundSms).order_by(OutboundSms.id.desc())
    if f.status:
        query = query.where(OutboundSms.status == f.status)
    if f.phone:
        query = query.where(OutboundSms.to_phone.like(f"%{f.phone}"))
    return paginate(db, query, f.page)


def inbound(db: Session, f: Filters, limit: int = 25) -> list[InboundSms]:
    query = select(InboundSms).order_by(InboundSms.id.desc()).limit(limit)
    if f.phone:
        query = query.where(InboundSms.from_phone.like(f"%{f.phone}"))
    return list(db.scalars(query))


def hide_pins(text: str) -> str:
    """Shop owners text PINs in commands. A processed message has its PIN masked already (the
    SMS desk knows exactly which word it was); until then, every 4-6 digit word is hidden."""
    return PIN_WORD.sub("****", text)


def hide_numbers(text: str) -> str:
    """Every ``+<digits>`` number in a message body masked as the console masks phones
    (``+2547****501``): full numbers are shown only behind the order page's audited "Show number"."""
    return NUMBER_IN_TEXT.sub(lambda found: mask(found.group(0)), text)


def requeue_sms(db: Session, message_id: int) -> OutboundSms:
    """Put a failed message back in the outbox with a fresh count of attempts; ``BadRequest``
    unless it failed. The caller commits, then enqueues ``gateway.jobs.send_sms``."""
    message = db.get(OutboundSms, message_id)
    if message is None:
        raise BadRequest(f"no message {message_id}")
    if message.status != "failed":
        raise BadRequest(f"message {message_id} is {message.status}, not failed")
    message.status = "queued"
    message.attempts = 0  # a person asked for a fresh round of tries
    message.failure_reason = None
    message.provider_status = None
    db.flush()
    return message
