"""Helpers for SMS outbox tests: write a message the way the product does, and read it back."""

from __future__ import annotations

from sqlalchemy import select

from gateway.commerce.models import DeliveryReport, OutboundSms
from gateway.commerce.sms_queue import queue_sms
from gateway.core.runtime import Runtime
from gateway.core.transactions import unit_of_work

PHONE = "+254711000111"


def queue_message(rt: Runtime, body: str = "Bodega: order K7P2Q is ready.", to: str = PHONE,
                  enqueue: bool = True) -> int:
    """Commit one outbox row. ``enqueue=False`` plays a process that died right after the commit."""
    if enqueue:
        with unit_of_work(rt) as db:
            return queue_sms(db, to, body, "test")
    db = rt.sessions()
    try:
        message_id = queue_sms(db, to, body, "test")
        db.commit()
        return message_id
    finally:
        db.close()  # the after-commit job is never enqueued


def message(rt: Runtime, message_id: int) -> OutboundSms:
    db = rt.sessions()
    try:
        row = db.get(OutboundSms, message_id)
        assert row is not None
        return row
    finally:
        db.close()


def reports(rt: Runtime) -> list[DeliveryReport]:
    db = rt.sessions()
    try:
        return list(db.scalars(select(DeliveryReport).order_by(DeliveryReport.id)))
    finally:
        db.close()
