"""Sending outbox SMS, sweeping up stuck ones, and recording what became of each.

A message moves ``queued -> sending -> sent -> delivered | failed`` (or ``sending -> failed`` when
the provider refuses it for good, or back to ``queued`` for a retry):

- The send job claims a ``queued`` row with a conditional UPDATE (``sending``, attempts + 1,
  ``last_attempt_at``) and commits *before* the HTTP call. A second copy of the job, an RQ retry
  after a crash, or the sweep finds the row ``sending`` and sends nothing: no double texts.
- The sweep enqueues ``queued`` rows whose job was lost (a crash between commit and enqueue) or
  whose RQ retries ran out. A row left ``sending`` for ``IN_DOUBT`` (far beyond the HTTP timeout)
  means its worker died during the call: it is sent again (AT offers no idempotency key, and
  losing a receipt is worse than repeating it), or failed and flagged after ``SMS_MAX_ATTEMPTS``.
  A delivery report never settles a message by its phone number: only the provider's message id
  links the two, and a report under an id we never stored stays an orphan for the console.
- Delivery reports are kept as they arrive and applied once the message's id is known, so one
  that beats the send job to the database is applied when the job records the id. "Delivered"
  is final: a later Failed for a delivered message is stored but does not undo it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, bindparam, exists, select, update
from sqlalchemy.orm import Session

from gateway.commerce.models import DeliveryReport, OutboundSms, utcnow
from gateway.commerce.sms_queue import SEND_BATCH, SEND_JOB
from gateway.core.errors import ProviderError
from gateway.core.pending import after_commit
from gateway.core.runtime import Runtime
from gateway.core.transactions import unit_of_work
from gateway.transports.base import ACCEPTED, DELIVERED, PERMANENT, UNDELIVERED, DeliveryUpdate, SmsReceipt
from gateway.transports.sms_provider import sms_transport

log = logging.getLogger(__name__)

NEVER_TRIED = timedelta(minutes=1)  # queued and never claimed for this long: its job was lost
RETRIES_RAN_OUT = timedelta(minutes=30)  # longer than RQ's backoff between two attempts
IN_DOUBT = timedelta(minutes=10)  # sending for this long: its worker died mid-call
FINAL = frozenset({"delivered", "failed"})


class SmsNotSent(ProviderError):
    """The provider could not take the message this time; RQ retries the job with backoff."""


def send_messages(rt: Runtime, message_ids: Sequence[int]) -> str:
    """Send outbox messages (the ``send_sms`` job): claim them in one statement, then send each
    and record its receipt at once, so a batch stopped half-way (a timeout, a worker told to stop)
    leaves at most the message in flight in doubt and gives the untried ones back to the queue.
    Idempotent; raises only ``SmsNotSent``, after recording the rest, when a message is to be
    tried again (the retried job claims only what is still ``queued``).

    The whole batch uses one database connection in autocommit: the claim, the release and a
    text the provider took are one statement each, atomic on its own, so each costs one round
    trip instead of three (BEGIN, statement, COMMIT) and a pool check-out (with its ping on
    PostgreSQL) per batch, not per message. Anything rarer is recorded in a transaction of its own."""
    with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        claimed = claim_many(conn, message_ids, utcnow())
        if not claimed:
            return "nothing to do"
        transport = sms_transport(rt.extras, rt.settings)
        receipts: dict[int, SmsReceipt] = {}
        statuses: dict[int, str] = {}
        try:
            for message_id, to, body in claimed:
                receipt = receipts[message_id] = transport.send(to, body)
                statuses[message_id] = record_receipt(rt, conn, message_id, receipt)
        finally:
            untried = [message_id for message_id, _, _ in claimed if message_id not in receipts][1:]
            if untried:  # the first one not recorded may have reached the provider: it stays in doubt
                release(conn, untried)
    again = [message_id for message_id, status in statuses.items() if status == "queued"]
    if again:
        receipt = receipts[again[0]]
        raise SmsNotSent(f"SMS {', '.join(map(str, again))} not sent: {receipt.status} {receipt.detail}")
    return ", ".join(sorted(set(statuses.values())))


# Built once with bind parameters: building an UPDATE costs more CPU than running it, and the send
# job runs these for every text (Core, no ORM object per message).
_MESSAGES = cast(Table, OutboundSms.__table__)
_REPORTS = cast(Table, DeliveryReport.__table__)
_m = _MESSAGES.c
_CLAIM = (update(_MESSAGES)
          .where(_m.id.in_(bindparam("ids", expanding=True)), _m.status == "queued")
          .values(status="sending", attempts=_m.attempts + 1,
                  last_attempt_at=bindparam("now", type_=_m.last_attempt_at.type))
          .returning(_m.id, _m.to_phone, _m.body))
_RELEASE = (update(_MESSAGES)
            .where(_m.id.in_(bindparam("ids", expanding=True)), _m.status == "sending")
            .values(status="queued", attempts=_m.attempts - 1))
# A message the provider took: ``sent`` in one statement, unless delivery reports under its new id
# came first (then no row is updated, and the ORM path applies them with the receipt).
_RECORD_SENT = (update(_MESSAGES)
                .where(_m.id == bindparam("message_id"), _m.status == "sending",
                       ~exists().where(_REPORTS.c.provider_message_id == bindparam("pmid")))
                .values(status="sent", sent_at=bindparam("at", type_=_m.sent_at.type),
                        cost=bindparam("price", type_=_m.cost.type),
                        provider_message_id=bindparam("pmid", type_=_m.provider_message_id.type),
                        provider_status=bindparam("word", type_=_m.provider_status.type),
                        status_code=bindparam("code", type_=_m.status_code.type), failure_reason=None))


def claim_many(conn: Connection, message_ids: Sequence[int], now: datetime) -> list[tuple[int, str, str]]:
    """Mark the ``queued`` ones of ``message_ids`` ``sending`` (attempts + 1) in one statement;
    returns ``(id, to_phone, body)`` of each claimed, in id order."""
    claimed = conn.execute(_CLAIM, {"ids": list(message_ids), "now": now})
    return sorted((int(i), str(to), str(body)) for i, to, body in claimed)


def release(conn: Connection, message_ids: Sequence[int]) -> None:
    """Give claimed messages that were never tried back to the queue (their claim undone)."""
    conn.execute(_RELEASE, {"ids": list(message_ids)})


def record_receipt(rt: Runtime, conn: Connection, message_id: int, receipt: SmsReceipt) -> str:
    """Record the provider's answer on a ``sending`` message; returns its new status. A text the
    provider took is one UPDATE on ``conn``; a refusal, a retry, reports that came before the
    receipt, or a row the sweep already took go through the ORM in a transaction of their own."""
    if receipt.outcome == ACCEPTED:
        recorded = conn.execute(_RECORD_SENT, {
            "message_id": message_id, "at": utcnow(), "price": receipt.cost, "pmid": receipt.message_id,
            "word": receipt.status, "code": receipt.status_code})
        if recorded.rowcount == 1:
            return "sent"
    with unit_of_work(rt) as db:
        return record_receipts(db, {message_id: receipt}, rt.settings.SMS_MAX_ATTEMPTS)[message_id]


def record_receipts(db: Session, receipts: dict[int, SmsReceipt], max_attempts: int) -> dict[int, str]:
    """Record the provider's answers on ``sending`` messages; returns each message's new status."""
    found = {m.id: m for m in db.scalars(select(OutboundSms).where(OutboundSms.id.in_(list(receipts)))
                                         .order_by(OutboundSms.id).with_for_update())}
    reports: dict[str, list[DeliveryReport]] = {}
    sent = [r.message_id for r in receipts.values() if r.outcome == ACCEPTED and r.message_id]
    if sent:  # reports that came before the send job recorded the provider's id
        for report in db.scalars(select(DeliveryReport).where(DeliveryReport.provider_message_id.in_(sent))
                                 .order_by(DeliveryReport.id)):
            reports.setdefault(report.provider_message_id, []).append(report)
    return {message_id: _record(found.get(message_id), message_id, receipt, max_attempts, reports)
            for message_id, receipt in receipts.items()}


def _record(message: OutboundSms | None, message_id: int, receipt: SmsReceipt, max_attempts: int,
            reports: dict[str, list[DeliveryReport]]) -> str:
    if message is None or message.status != "sending":
        return message.status if message else "missing"  # the sweep already dealt with it
    message.provider_status, message.status_code = receipt.status, receipt.status_code
    if receipt.outcome == ACCEPTED:
        message.status, message.sent_at, message.cost = "sent", utcnow(), receipt.cost
        message.provider_message_id, message.failure_reason = receipt.message_id, None
        for report in reports.get(receipt.message_id or "", ()):
            _apply(message, report.meaning, report.status, report.failure_reason)
    elif receipt.outcome == PERMANENT or message.attempts >= max_attempts:
        message.status = "failed"
        message.failure_reason = (receipt.detail or receipt.status or "refused")[:200]
        log.warning("SMS %s failed for good after %s attempt(s): %s", message_id, message.attempts,
                    message.failure_reason)
    else:
        message.status, message.failure_reason = "queued", receipt.detail[:200] or None
    return message.status


def requeue_stuck(rt: Runtime, now: datetime | None = None, limit: int = 200) -> int:
    """The sweep: enqueue send jobs for messages nobody is sending. Returns how many."""
    now = now or utcnow()
    with unit_of_work(rt) as db:
        lost = list(db.scalars(select(OutboundSms).where(
            OutboundSms.status == "queued",
            ((OutboundSms.attempts == 0) & (OutboundSms.created_at <= now - NEVER_TRIED))
            | ((OutboundSms.attempts > 0) & (OutboundSms.last_attempt_at <= now - RETRIES_RAN_OUT)))
            .order_by(OutboundSms.id).limit(limit)))
        doubtful = list(db.scalars(select(OutboundSms).where(
            OutboundSms.status == "sending", OutboundSms.last_attempt_at <= now - IN_DOUBT)
            .order_by(OutboundSms.id).limit(limit)))
        max_attempts = rt.settings.SMS_MAX_ATTEMPTS
        for message in doubtful:
            if _retry_or_flag_in_doubt(message, max_attempts):
                lost.append(message)
        for message in lost:
            after_commit(db, SEND_JOB, message.id, batch=SEND_BATCH)
        return len(lost)


def _retry_or_flag_in_doubt(message: OutboundSms, max_attempts: int) -> bool:
    """A message whose worker died mid-call goes back to ``queued`` (True), or after
    ``max_attempts`` is failed and flagged for the console. Never assumed delivered: a delivery
    report counts only under the id the provider gave this message."""
    if message.attempts < max_attempts:
        message.status = "queued"
        return True
    message.status, message.failure_reason = "failed", "in doubt: its worker died while sending"
    log.warning("SMS %s failed after %s attempt(s) whose workers died mid-call", message.id, message.attempts)
    return False


def record_delivery_report(db: Session, report: DeliveryUpdate) -> str:
    """Keep a delivery report and apply it to its message if the message's id is known yet.

    Idempotent: the same report (id, status, reason) twice is stored once. The caller commits.
    """
    same_reason = (DeliveryReport.failure_reason.is_(None) if report.failure_reason is None
                   else DeliveryReport.failure_reason == report.failure_reason)
    seen = db.scalar(select(DeliveryReport.id).where(
        DeliveryReport.provider_message_id == report.message_id, DeliveryReport.status == report.status,
        same_reason).limit(1))
    if seen is not None:
        return "duplicate"
    db.add(DeliveryReport(provider_message_id=report.message_id, status=report.status, meaning=report.meaning,
                          failure_reason=report.failure_reason, phone=report.phone, raw=report.raw))
    db.flush()
    messages = list(db.scalars(select(OutboundSms)
                               .where(OutboundSms.provider_message_id == report.message_id)))
    for message in messages:
        _apply(message, report.meaning, report.status, report.failure_reason)
    return "applied" if messages else "kept until the message is known"


def _apply(message: OutboundSms, meaning: str | None, status: str, reason: str | None) -> None:
    """Delivered wins over everything; failed over under-way; under-way only updates the word."""
    if message.status == "delivered":
        return
    if meaning == DELIVERED:
        message.status, message.provider_status, message.delivered_at = "delivered", status, utcnow()
    elif meaning == UNDELIVERED:
        message.status, message.provider_status = "failed", status
        message.failure_reason = reason or status
    elif message.status not in FINAL:
        message.provider_status = status
