"""RQ jobs. Each takes ids, loads its rows, returns early when the work is already done, and
raises only errors worth retrying. They reach the database through the bound ``Runtime``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from gateway.core import transactions
from gateway.core.runtime import current
from gateway.core.transactions import unit_of_work
from gateway.jobs import retention
from gateway.payments import collection
from gateway.sms import delivery as sms_delivery
from gateway.sms import inbox as sms_inbox
from gateway.sms.daily_summary import send_due_summaries
from gateway.ussd import dial_log, session_log

log = logging.getLogger(__name__)


def flush_session_log() -> int:
    """Hand over the transcripts of dials gone idle, then write ended dials' transcripts to SQL."""
    rt = current()
    dial_log.sweep(rt.redis, rt.settings.USSD_DIAL_IDLE_SECONDS)
    return session_log.drain(rt.redis, rt.sessions)


def purge_session_logs() -> int:
    """Delete session logs older than ``SESSION_LOG_RETENTION_DAYS`` (daily, from the worker's clock)."""
    rt = current()
    removed = retention.purge_session_logs(rt.sessions, rt.settings.SESSION_LOG_RETENTION_DAYS)
    if removed:
        log.info("retention: deleted %d session-log rows", removed)
    return removed


def handle_inbound_sms(inbound_id: int) -> str:
    """Answer one stored inbound SMS (a shop command, or the help text for a stranger)."""
    return sms_inbox.handle(current(), inbound_id)


def requeue_inbound_sms() -> int:
    """Enqueue again inbound SMS whose handling job was lost (a crash between commit and enqueue)."""
    rt = current()
    with unit_of_work(rt) as db:
        ids = sms_inbox.stuck_messages(db, datetime.now(UTC))
    transactions.dispatch(rt.queue, [(sms_inbox.HANDLE_JOB, (inbound_id,), 0.0) for inbound_id in ids])
    return len(ids)


def send_daily_summaries() -> int:
    """Queue the evening summary SMS for each shop (once per shop and day)."""
    return send_due_summaries(current())


# -- SMS out -------------------------------------------------------------------------------------
def send_sms(*message_ids: int) -> str:
    """Send outbox SMS (those one transaction queued). A row already sending, sent or failed is
    left alone (no double texts)."""
    return sms_delivery.send_messages(current(), message_ids)


def requeue_stuck_sms() -> int:
    """Periodic: enqueue outbox SMS whose job was lost or whose retries ran out."""
    return sms_delivery.requeue_stuck(current())


# -- Payments ------------------------------------------------------------------------------------
def request_payment(payment_id: int) -> str:
    """Send a queued payment's prompt (M-Pesa STK push, or the sandbox's)."""
    return collection.request_payment(current(), payment_id)


def check_payment(payment_id: int) -> str:
    """Ask the provider how a requested payment ended and settle it (how sandbox prompts complete)."""
    return collection.check_payment(current(), payment_id)


def settle_payment_callback(callback_id: int) -> str:
    """Settle the payment a stored provider callback speaks of."""
    return collection.settle_callback(current(), callback_id)


def settle_stale_payments() -> int:
    """Periodic: query payments whose callback never came; recover lost payment jobs."""
    rt = current()
    return collection.settle_stale_payments(rt, stale_seconds=rt.settings.PAYMENT_STALE_SECONDS)


def expire_unpaid_orders() -> int:
    """Periodic: expire orders unpaid after ``ORDER_EXPIRY_MINUTES``; their stock goes back."""
    return collection.expire_unpaid_orders(current())
