"""Inbound SMS: stored at once by the webhook, answered by a job.

``receive`` writes the message (idempotent on the provider's id: AT retries for ten minutes) and
asks for ``gateway.jobs.handle_inbound_sms`` after commit. ``handle`` claims the message with one
conditional UPDATE (so a job run twice answers once), identifies the sender against the shops'
numbers, runs the shop command and queues the reply, all in one transaction.

Never a loop: nothing is sent to short codes, alphanumeric senders or our own numbers; a stranger
gets one short help text a day; and a number gets at most ``SMS_REPLIES_PER_HOUR`` replies (a
shop's commands are all applied: the cap limits replies only). A number that runs no shop is
answered as a customer (``gateway.customer_texts``: STATUS, a reference).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.log_levels import one_line
from config.settings import Settings
from gateway.commerce import shop_desk
from gateway.commerce.models import InboundSms, OutboundSms
from gateway.commerce.sms_queue import queue_sms
from gateway.core import transactions
from gateway.core.i18n import load_translator
from gateway.core.pending import after_commit
from gateway.core.phone import mask
from gateway.core.runtime import Runtime
from gateway.sms.customer_texts import answer_customer
from gateway.transports.clean import clean_typed
from menus import sms_commands  # noqa: F401 - registers the commands
from menus.sms_desk import ShopDesk, answer

log = logging.getLogger(__name__)

HANDLE_JOB = "gateway.jobs.handle_inbound_sms"
REPLY = "shop_reply"
STRANGER = "stranger_help"
CUSTOMER_REPLY = "customer_reply"


@dataclass(frozen=True)
class InboundMessage:
    """An SMS to one of our numbers, in neutral form whatever provider carried it."""

    provider_id: str
    sender: str  # E.164 when it is a phone number, else as the provider sent it
    to: str
    text: str
    link_id: str | None = None


def receive(rt: Runtime, msg: InboundMessage) -> bool:
    """Store ``msg`` and ask for its handling job; False (and nothing done) if already stored."""
    try:
        with transactions.unit_of_work(rt) as db:
            if db.scalar(select(InboundSms.id).where(InboundSms.provider_id == msg.provider_id)):
                return False
            row = InboundSms(provider_id=msg.provider_id, from_phone=msg.sender, to=msg.to,
                             text=msg.text, link_id=msg.link_id, status="received")
            db.add(row)
            db.flush()
            after_commit(db, HANDLE_JOB, row.id)
    except IntegrityError:  # the same id arriving twice at once: the other request stored it
        return False
    return True


def handle(rt: Runtime, inbound_id: int, now: datetime | None = None) -> str:
    """Answer one stored SMS (the job's body); returns its final status, or ``skipped`` if done."""
    now = now or datetime.now(UTC)
    with transactions.unit_of_work(rt) as db:
        claimed = db.execute(update(InboundSms).where(InboundSms.id == inbound_id,
                                                      InboundSms.status == "received")
                             .values(status="processing"))
        row = db.get(InboundSms, inbound_id)
        if not getattr(claimed, "rowcount", 0) or row is None:
            return "skipped"  # another run claimed it, or it is done: nothing was changed
        row.status = _process(db, rt.settings, rt.translator, row, now)
        row.processed_at = now
        log.info("SMS from %s: %s (%s)", mask(row.from_phone), one_line(row.text, 160), row.status)
    return row.status


def _process(db: Session, settings: Settings, translator: Callable[[str, str], str],
             row: InboundSms, now: datetime) -> str:
    sender = row.from_phone
    if not can_answer(sender, {row.to, settings.AT_SHORTCODE, settings.AT_SENDER_ID}):
        log.info("inbound SMS %s from %s: not a phone we answer", row.id, mask(sender))
        return "ignored"
    contacts = shop_desk.contacts_of(db, sender)
    if not contacts:  # a customer's texts only read: over the cap there is nothing to apply
        if _over_reply_cap(db, settings, row, now):
            return "ignored"
        return _answer_customer(db, settings, row, now)
    desk = ShopDesk(db=db, phone=sender, contacts=contacts, translate=translator, now=now,
                    settings=settings)
    text = clean_typed(row.text)  # the adapter did this already; a row stored before it had not
    reply, learnt = answer(desk, text)
    if learnt:
        shop_desk.learn_language(contacts, learnt)
    if desk.secrets:  # a PIN never stays readable in the record, whatever digits it was typed in
        for secret in desk.secrets:
            text = text.replace(secret, "*" * len(secret))
        row.text = text
    if _over_reply_cap(db, settings, row, now):  # the command above is applied all the same
        return "processed"
    queue_sms(db, sender, reply, REPLY, dedupe_key=f"{REPLY}:{row.id}")
    return "processed"


def _answer_customer(db: Session, settings: Settings, row: InboundSms, now: datetime) -> str:
    """A number that runs no shop: its orders when it asks (STATUS, a reference), else one short
    help text a day naming the USSD code (often a customer replying to one of our texts)."""
    reply = answer_customer(db, row.from_phone, row.text, load_translator().languages,
                            settings.USSD_SERVICE_CODE)
    if reply.is_help:
        queue_sms(db, row.from_phone, reply.body, STRANGER,
                  dedupe_key=f"{STRANGER}:{row.from_phone}:{now.date().isoformat()}")
        return "ignored"
    queue_sms(db, row.from_phone, reply.body, CUSTOMER_REPLY, dedupe_key=f"{CUSTOMER_REPLY}:{row.id}")
    return "processed"


def can_answer(sender: str, own: set[Any]) -> bool:
    """Whether ``sender`` is a phone number (E.164, 8+ digits) that is not one of ``own``."""
    digits = sender[1:]
    return sender.startswith("+") and digits.isdigit() and len(digits) >= 8 and sender not in own


def _over_reply_cap(db: Session, settings: Settings, row: InboundSms, now: datetime) -> bool:
    """Whether ``row``'s sender had its ``SMS_REPLIES_PER_HOUR`` already (then the flood is logged).
    The cap limits replies, never commands: a spoofed flood must not silence a shop's OK."""
    if _replies_last_hour(db, row.from_phone, now) < settings.SMS_REPLIES_PER_HOUR:
        return False
    log.warning("inbound SMS %s: flood from %s; reply limit reached, no reply", row.id, mask(row.from_phone))
    return True


def _replies_last_hour(db: Session, phone: str, now: datetime) -> int:
    query = select(func.count(OutboundSms.id)).where(
        OutboundSms.to_phone == phone, OutboundSms.purpose.in_((REPLY, CUSTOMER_REPLY)),
        OutboundSms.created_at >= now - timedelta(hours=1))
    return int(db.scalar(query) or 0)


def stuck_messages(db: Session, now: datetime) -> list[int]:
    """Ids of messages stored but not handled a minute on (their job was lost), up to a day old."""
    query = select(InboundSms.id).where(InboundSms.status == "received",
                                        InboundSms.received_at < now - timedelta(minutes=1),
                                        InboundSms.received_at > now - timedelta(days=1))
    return list(db.scalars(query.order_by(InboundSms.id).limit(500)))
