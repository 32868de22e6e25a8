"""The SMS lane: texts queued by many transactions are sent many at a time, without one RQ job
each, and none is lost or sent twice when a batch fails or a worker dies holding one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from gateway.commerce.models import utcnow
from gateway.commerce.sms_queue import SEND_JOB
from gateway.core import job_lanes
from gateway.core.runtime import Runtime
from gateway.jobs import lanes
from gateway.sms import delivery as sms_delivery
from gateway.transports.sms_provider import sms_transport
from tests.conftest import run_scheduled_jobs, scheduled_jobs
from tests.fakes import Answer, FakeAT
from tests.transports.conftest import message, queue_message


@pytest.fixture
def at_rt(make_app: Callable[..., Flask], fake_at: FakeAT) -> Runtime:
    runtime: Runtime = make_app(**fake_at.settings()).extensions["bodega"]
    return runtime


def test_texts_of_separate_orders_go_out_in_batches_without_an_rq_job_each(
        at_rt: Runtime, fake_at: FakeAT) -> None:
    ids = [queue_message(at_rt, f"Bodega: order {n} is ready.") for n in range(job_lanes.BATCH + 5)]
    assert at_rt.queue.count == 0 and job_lanes.waiting(at_rt.queue.connection) == len(ids)
    assert lanes.run_lane(at_rt, SEND_JOB) == job_lanes.BATCH  # one run of the job for twenty texts
    assert len(fake_at.sent) == job_lanes.BATCH
    assert lanes.run_lane(at_rt, SEND_JOB) == 5 and lanes.run_lane(at_rt, SEND_JOB) == 0
    assert sorted(sent.message for sent in fake_at.sent) == sorted(
        f"Bodega: order {n} is ready." for n in range(len(ids)))
    assert {message(at_rt, i).status for i in ids} == {"sent"}


def test_a_batch_the_provider_refuses_goes_to_rq_with_backoff_and_is_sent_once(
        at_rt: Runtime, fake_at: FakeAT) -> None:
    fake_at.script(Answer.text(500, "Internal Server Error"))  # the first request of the batch only
    first, second = queue_message(at_rt), queue_message(at_rt, "Bodega: order K7P2R is ready.")
    assert lanes.run_lane(at_rt, SEND_JOB) == 2
    assert (message(at_rt, first).status, message(at_rt, first).attempts) == ("queued", 1)
    assert message(at_rt, second).status == "sent"
    (retry,) = scheduled_jobs(at_rt)
    assert (retry.func_name, tuple(retry.args)) == (SEND_JOB, (first, second))
    run_scheduled_jobs(at_rt)
    assert (message(at_rt, first).status, message(at_rt, first).attempts) == ("sent", 2)
    assert sorted(sent.message for sent in fake_at.sent) == [  # each once: the retry skips the sent one
        "Bodega: order K7P2Q is ready.", "Bodega: order K7P2R is ready."]
    assert job_lanes.waiting(at_rt.queue.connection) == 0


def test_ids_taken_by_a_worker_that_died_are_sent_by_the_sweep_once(at_rt: Runtime, fake_at: FakeAT) -> None:
    message_id = queue_message(at_rt)
    assert job_lanes.take(at_rt.queue.connection, SEND_JOB) == [message_id]  # ...and the worker dies
    assert lanes.drain(at_rt) == 0 and fake_at.sent == []
    assert sms_delivery.requeue_stuck(at_rt, now=utcnow() + timedelta(minutes=2)) == 1
    assert lanes.drain(at_rt) == 1
    assert message(at_rt, message_id).status == "sent" and len(fake_at.sent) == 1


def test_the_workers_lane_thread_sends_as_texts_arrive(at_rt: Runtime, fake_at: FakeAT) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=lanes.serve, args=(at_rt, stop), daemon=True)
    thread.start()
    try:
        message_id = queue_message(at_rt)
        deadline = time.monotonic() + 10
        while message(at_rt, message_id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert message(at_rt, message_id).status == "sent" and len(fake_at.sent) == 1
    finally:
        stop.set()
        thread.join(timeout=lanes.WAIT_SECONDS + 5)
    assert not thread.is_alive()


def test_texts_that_arrive_while_the_lane_gathers_go_out_in_the_same_batch(
        at_rt: Runtime, fake_at: FakeAT, monkeypatch: pytest.MonkeyPatch) -> None:
    first = queue_message(at_rt, "Bodega: text 0.")
    later: list[int] = []

    def others_arrive(seconds: float) -> None:  # the gathering pause: two more orders commit meanwhile
        later.extend(queue_message(at_rt, f"Bodega: text {n}.") for n in (1, 2))

    monkeypatch.setattr(job_lanes.time, "sleep", others_arrive)
    # one run of the send job for all three
    assert lanes.run_lane(at_rt, SEND_JOB, wait=1.0, gather=lanes.GATHER_SECONDS) == 3
    assert {message(at_rt, i).status for i in (first, *later)} == {"sent"}
    assert job_lanes.waiting(at_rt.queue.connection) == 0 and len(fake_at.sent) == 3


def test_a_lane_holding_a_full_batch_is_taken_without_pausing(
        at_rt: Runtime, fake_at: FakeAT, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [queue_message(at_rt, f"Bodega: text {n}.") for n in range(job_lanes.BATCH + 1)]

    def no_pause(seconds: float) -> None:
        raise AssertionError("a busy lane paused to gather texts")

    monkeypatch.setattr(job_lanes.time, "sleep", no_pause)
    assert job_lanes.take(at_rt.queue.connection, SEND_JOB, wait=1.0, gather=lanes.GATHER_SECONDS) == ids[:-1]
    assert job_lanes.waiting(at_rt.queue.connection) == 1


class _Stopped(BaseException):
    """The worker told to stop (or a job timeout) in the middle of a batch."""


def test_a_batch_stopped_half_way_sends_nothing_twice(
        at_rt: Runtime, fake_at: FakeAT, monkeypatch: pytest.MonkeyPatch) -> None:
    sent, in_flight, untried = (queue_message(at_rt, f"Bodega: text {n}.") for n in range(3))
    transport = sms_transport(at_rt.extras, at_rt.settings)
    real_send, calls = transport.send, []

    def send_then_stop(to: str, body: str) -> object:
        calls.append(body)
        if len(calls) == 2:
            raise _Stopped()
        return real_send(to, body)

    monkeypatch.setattr(transport, "send", send_then_stop)
    with pytest.raises(_Stopped):
        lanes.run_lane(at_rt, SEND_JOB)
    assert message(at_rt, sent).status == "sent"  # recorded as soon as the provider took it
    assert (message(at_rt, in_flight).status, message(at_rt, in_flight).attempts) == ("sending", 1)
    assert (message(at_rt, untried).status, message(at_rt, untried).attempts) == ("queued", 0)
    monkeypatch.setattr(transport, "send", real_send)
    assert sms_delivery.requeue_stuck(at_rt, now=utcnow() + timedelta(minutes=2)) == 1  # the untried one
    lanes.drain(at_rt)
    assert sorted(sms.message for sms in fake_at.sent) == ["Bodega: text 0.", "Bodega: text 2."]
