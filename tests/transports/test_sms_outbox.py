"""The outbox never loses a message and never texts twice: lost jobs, dead workers, repeated jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from gateway.commerce.models import DeliveryReport, OutboundSms, utcnow
from gateway.core.runtime import Runtime
from gateway.core.transactions import enqueue, unit_of_work
from gateway.sms import delivery as sms_delivery
from gateway.transports.base import DeliveryUpdate
from tests.conftest import run_jobs
from tests.fakes import FakeAT
from tests.transports.conftest import PHONE, message, queue_message


@pytest.fixture
def at_rt(make_app: Callable[..., Flask], fake_at: FakeAT) -> Runtime:
    runtime: Runtime = make_app(**fake_at.settings()).extensions["bodega"]
    return runtime


def test_crash_between_commit_and_enqueue_the_sweep_sends_it_once(at_rt: Runtime, fake_at: FakeAT) -> None:
    message_id = queue_message(at_rt, enqueue=False)
    run_jobs(at_rt)
    assert message(at_rt, message_id).status == "queued" and fake_at.sent == []
    assert sms_delivery.requeue_stuck(at_rt) == 0  # too fresh: its job may still be on its way
    later = utcnow() + timedelta(minutes=2)
    assert sms_delivery.requeue_stuck(at_rt, now=later) == 1
    run_jobs(at_rt)
    assert message(at_rt, message_id).status == "sent"
    assert sms_delivery.requeue_stuck(at_rt, now=later + timedelta(hours=1)) == 0
    run_jobs(at_rt)
    assert len(fake_at.sent) == 1


def test_the_same_job_twice_texts_once(at_rt: Runtime, fake_at: FakeAT) -> None:
    message_id = queue_message(at_rt)
    enqueue(at_rt.queue, "gateway.jobs.send_sms", message_id)
    enqueue(at_rt.queue, "gateway.jobs.send_sms", message_id)
    run_jobs(at_rt)
    assert len(fake_at.sent) == 1
    assert message(at_rt, message_id).attempts == 1


def _die_mid_send(rt: Runtime, message_id: int, minutes_ago: int) -> None:
    """A worker claimed the message (committed ``sending``) and died during the HTTP call."""
    with unit_of_work(rt) as db:
        db.execute(update(OutboundSms).where(OutboundSms.id == message_id).values(
            status="sending", attempts=1, last_attempt_at=utcnow() - timedelta(minutes=minutes_ago)))


def test_a_message_left_sending_is_not_sent_again_by_its_retried_job(at_rt: Runtime, fake_at: FakeAT) -> None:
    message_id = queue_message(at_rt)
    _die_mid_send(at_rt, message_id, minutes_ago=1)
    run_jobs(at_rt)  # the job RQ had queued finds it in flight
    assert sms_delivery.requeue_stuck(at_rt) == 0
    assert message(at_rt, message_id).status == "sending" and fake_at.sent == []


def test_a_report_for_an_id_never_issued_settles_nothing(at_rt: Runtime, fake_at: FakeAT) -> None:
    """A report to the owner's number under an id Bodega never stored once made a lost shop notice
    'delivered'. Only the provider's message id links a report to a message: it stays an orphan."""
    message_id = queue_message(at_rt, enqueue=False)
    _die_mid_send(at_rt, message_id, minutes_ago=11)
    with unit_of_work(at_rt) as db:
        report = DeliveryUpdate("ATXid_x", "Success", "delivered", phone=PHONE)  # AT never gave us this id
        sms_delivery.record_delivery_report(db, report)
        db.execute(update(DeliveryReport).values(received_at=utcnow() - timedelta(minutes=10)))
    assert sms_delivery.requeue_stuck(at_rt) == 1  # sent again, not assumed delivered
    run_jobs(at_rt)
    row = message(at_rt, message_id)
    assert row.status == "sent" and row.provider_message_id == fake_at.sent[-1].message_id != "ATXid_x"
    with at_rt.sessions() as db:
        (orphan,) = db.scalars(select(DeliveryReport))
    assert orphan.provider_message_id == "ATXid_x"  # kept for the console


def test_a_message_in_doubt_too_often_is_failed_and_flagged(at_rt: Runtime, fake_at: FakeAT) -> None:
    message_id = queue_message(at_rt, enqueue=False)
    _die_mid_send(at_rt, message_id, minutes_ago=11)
    with unit_of_work(at_rt) as db:
        db.execute(update(OutboundSms).where(OutboundSms.id == message_id).values(attempts=8))
    assert sms_delivery.requeue_stuck(at_rt) == 0
    row = message(at_rt, message_id)
    assert row.status == "failed" and "in doubt" in (row.failure_reason or "")
    run_jobs(at_rt)
    assert fake_at.sent == []


def test_a_message_in_doubt_without_evidence_is_sent_again(at_rt: Runtime, fake_at: FakeAT) -> None:
    message_id = queue_message(at_rt, enqueue=False)
    _die_mid_send(at_rt, message_id, minutes_ago=11)
    assert sms_delivery.requeue_stuck(at_rt) == 1
    run_jobs(at_rt)
    row = message(at_rt, message_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(fake_at.sent) == 1
