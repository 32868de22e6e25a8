"""The SMS outbox: a message is a row written in the transaction of its cause, sent by a job."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
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
    text = to_gsm7(body)
    fields = dict(to_phone=to_phone, body=text, purpose=purpose, status="queued", order_id=order_id,
                  dedupe_key=dedupe_key, segments=sms_segments(text))
    if dedupe_key is None:
        message = OutboundSms(**fields)
        db.add(message)
        db.flush()
    else:  # one statement: the insert passes over a key already queued, then that row is read
        insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = (insert(OutboundSms).values(**fields)
                     .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboundSms))
        found: OutboundSms | None = db.scalars(statement).first()
        if found is None:
            existing = db.scalar(select(OutboundSms).where(OutboundSms.dedupe_key == dedupe_key))
            assert existing is not None  # the row the conflict was with
            return existing
        message = found
    after_commit(db, SEND_JOB, message.id, batch=SEND_BATCH)
    return message
