"""The one unit of work: what a commit asked for is enqueued, what a rollback asked for is not,
and the bare ``session_scope`` refuses to drop queued jobs silently."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.commerce.models import OutboundSms
from gateway.commerce.sms_queue import SEND_JOB, queue_sms
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from gateway.core.transactions import unit_of_work
from tests.conftest import waiting_jobs

PHONE = "+254711000111"


def test_a_committed_unit_of_work_enqueues_what_it_asked_for(rt: Runtime) -> None:
    with unit_of_work(rt) as db:
        message_id = queue_sms(db, PHONE, "hello", "test")
    assert waiting_jobs(rt) == [(SEND_JOB, (message_id,))]  # on its lane (gateway.core.job_lanes)


def test_a_failed_unit_of_work_writes_and_enqueues_nothing(rt: Runtime) -> None:
    with pytest.raises(ZeroDivisionError), unit_of_work(rt) as db:
        queue_sms(db, PHONE, "hello", "test")
        _ = 1 / 0
    assert waiting_jobs(rt) == []
    with session_scope(rt.sessions) as db:
        assert db.scalars(select(OutboundSms)).all() == []


def test_session_scope_refuses_to_drop_queued_jobs(rt: Runtime) -> None:
    with pytest.raises(RuntimeError, match="unit_of_work"), session_scope(rt.sessions) as db:
        queue_sms(db, PHONE, "hello", "test")
    with session_scope(rt.sessions) as db:
        assert db.scalars(select(OutboundSms)).all() == []  # rolled back, not committed without its job


def test_a_dedupe_key_queues_one_text_and_asks_for_one_send(rt: Runtime) -> None:
    with unit_of_work(rt) as db:
        first = queue_sms(db, PHONE, "hello", "test", dedupe_key="test:1")
        again = queue_sms(db, PHONE, "hello again", "test", dedupe_key="test:1")
        assert again == first
    with unit_of_work(rt) as db:
        later = queue_sms(db, PHONE, "hello later", "test", dedupe_key="test:1")  # another transaction
        assert later == first
    assert waiting_jobs(rt) == [(SEND_JOB, (first,))]
    with session_scope(rt.sessions) as db:
        assert [m.body for m in db.scalars(select(OutboundSms))] == ["hello"]
