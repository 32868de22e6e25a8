"""The SMS outbox: a message is a row written in the transaction of its cause, sent by a job."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce.models import OutboundSms
from gateway.core.pending import after_commit
from gateway.core.text import sms_segments, to_gsm7

SEND_JOB = "gateway.jobs.send_sms"
SEND_BATCH = 20  # messages one send job takes at most (each send has its own HTTP timeout)


def queue_sms(db: Session, to_phone: str, body: str, purpose: str,
              order_id: int | None = None, dedupe_key: str | None = None) -> OutboundSms:
    """Write an SMS into the outbox in the caller's transaction and ask for its send job.

    ``dedupe_key`` makes a message unique: queuing the same key again returns the first row and
    sends nothing more. The caller commits; the send job runs after the commit.
    """
    if dedupe_key is not None:
        existing = db.scalar(select(OutboundSms).where(OutboundSms.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    text = to_gsm7(body)
    message = OutboundSms(to_phone=to_phone, body=text, purpose=purpose, status="queued",
                          order_id=order_id, dedupe_key=dedupe_key, segments=sms_segments(text))
    db.add(message)
    db.flush()
    after_commit(db, SEND_JOB, message.id, batch=SEND_BATCH)
    return message
