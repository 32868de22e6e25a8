"""The SMS outbox: a message is a row written in the transaction of its cause, sent by a job."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from gateway.commerce.models import OutboundSms
from gateway.core.db import ConflictInsert
from gateway.core.pending import after_commit
from gateway.core.text import sms_segments, to_gsm7

SEND_JOB = "gateway.jobs.send_sms"
SEND_BATCH = 20  # messages one send job takes at most (each send has its own HTTP timeout)

_OUTBOX = cast(Table, OutboundSms.__table__)
_FIELDS = ("to_phone", "body", "purpose", "order_id", "dedupe_key", "segments")


def _queue_statement(insert: Any) -> Any:
    """The outbox INSERT, passing over a dedupe key already queued (a NULL key never conflicts).
    On the table, not the mapped class: a hop needs the new id, not an object to track."""
    values: dict[str, Any] = {name: bindparam(name) for name in _FIELDS}
    return (insert(_OUTBOX).values(status="queued", **values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_OUTBOX.c.id))


_QUEUE = ConflictInsert(_queue_statement)
_BY_KEY = select(_OUTBOX.c.id).where(_OUTBOX.c.dedupe_key == bindparam("dedupe_key"))


def queue_sms(db: Session, to_phone: str, body: str, purpose: str,
              order_id: int | None = None, dedupe_key: str | None = None) -> int:
    """Write an SMS into the outbox in the caller's transaction, ask for its send job and return
    its id.

    ``dedupe_key`` makes a message unique: queuing the same key again returns the first row's id
    and sends nothing more. The caller commits; the send job runs after the commit.
    """
    text = to_gsm7(body)
    fields = {"to_phone": to_phone, "body": text, "purpose": purpose, "order_id": order_id,
              "dedupe_key": dedupe_key, "segments": sms_segments(text)}
    message_id: int | None = db.scalar(_QUEUE.on(db), fields)
    if message_id is None:  # the key was queued before: that message, not a second one
        existing: int | None = db.scalar(_BY_KEY, {"dedupe_key": dedupe_key})
        assert existing is not None  # the row the conflict was with
        return existing
    after_commit(db, SEND_JOB, message_id, batch=SEND_BATCH)
    return message_id
