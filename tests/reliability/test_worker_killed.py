"""An RQ worker killed with SIGKILL in the middle of sending an SMS: nothing is lost, and the
outbox row's state decides whether the customer gets it again.

A real worker process (``python -m gateway.jobs.worker``, as ``make run`` starts it) sends through
the fake Africa's Talking, which holds its answer for a moment; the test kills the worker's
whole process group while AT holds the call. AT has taken the message, so it goes out. The row
stays ``sending``; the sweep later sends it again (at least once: AT offers no idempotency key,
and a delivery report is matched by the message id Bodega stored, never by the phone number).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from gateway.commerce.models import utcnow
from gateway.core.runtime import Runtime
from gateway.sms.delivery import requeue_stuck
from tests.conftest import run_jobs
from tests.fakes import Answer, FakeAT
from tests.fakes.fake_at import delivery_report
from tests.transports.conftest import message, queue_message

PHONE = "+254711000999"
HOLD = 2.0  # seconds the fake AT holds its answer: the worker dies inside this window


def _wait_for(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def at_app(make_app: Callable[..., Flask], fake_at: FakeAT) -> Flask:
    return make_app(**fake_at.settings(AT_TIMEOUT_SECONDS=30))


@pytest.fixture
def worker(at_app: Flask, root: Path, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """``start()`` runs a real worker process on the app's database and Redis, in its own group."""
    settings = at_app.extensions["bodega"].settings
    env = {**os.environ, "BODEGA_ENV": "development", "DATABASE_URL": settings.DATABASE_URL,
           "REDIS_URL": settings.REDIS_URL, "AT_USERNAME": settings.AT_USERNAME,
           "AT_API_KEY": settings.AT_API_KEY, "AT_API_URL": settings.AT_API_URL,
           "AT_TIMEOUT_SECONDS": "30"}
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / "worker.log").open("ab")
        process = subprocess.Popen([sys.executable, "-m", "gateway.jobs.worker"], cwd=root, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _kill_mid_send(start: Callable[[], subprocess.Popen[bytes]], fake_at: FakeAT, rt: Runtime) -> int:
    """Queue one SMS, let a real worker take it, kill the worker while AT holds the call."""
    fake_at.script(Answer.slow(HOLD))
    message_id = queue_message(rt, to=PHONE)
    process = start()
    _wait_for(lambda: len(fake_at.messaging_requests) == 1, "the worker to call AT")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert message(rt, message_id).status == "sending"  # claimed before the call, never recorded
    _wait_for(lambda: len(fake_at.sent) == 1, "AT to send the message it took", HOLD + 10)
    return message_id


def test_killed_worker_then_a_delivery_report_it_stays_an_orphan_and_the_message_is_sent_again(
        at_app: Flask, fake_at: FakeAT, worker: Callable[[], subprocess.Popen[bytes]]) -> None:
    rt: Runtime = at_app.extensions["bodega"]
    message_id = _kill_mid_send(worker, fake_at, rt)
    sent_id = fake_at.sent[0].message_id
    report = at_app.test_client().post("/hooks/africastalking/sms/delivery",
                                       data=delivery_report(sent_id, phone=PHONE))
    assert report.status_code == 200

    run_jobs(rt)  # whatever RQ still holds: the row is 'sending', so nothing is sent again
    requeue_stuck(rt, now=utcnow() + timedelta(minutes=11))  # the sweep, once the row is in doubt
    run_jobs(rt)

    row = message(rt, message_id)  # the report names an id Bodega never stored: proof of nothing
    assert row.status == "sent" and row.provider_message_id == fake_at.sent[-1].message_id != sent_id
    assert [s.to for s in fake_at.sent] == [PHONE, PHONE]


def test_killed_worker_without_evidence_the_message_is_sent_again_not_lost(
        at_app: Flask, fake_at: FakeAT, worker: Callable[[], subprocess.Popen[bytes]]) -> None:
    rt: Runtime = at_app.extensions["bodega"]
    message_id = _kill_mid_send(worker, fake_at, rt)

    run_jobs(rt)
    assert message(rt, message_id).status == "sending" and len(fake_at.sent) == 1
    requeue_stuck(rt, now=utcnow() + timedelta(minutes=11))
    run_jobs(rt)

    row = message(rt, message_id)
    assert row.status == "sent" and row.provider_message_id == fake_at.sent[-1].message_id
    assert len(fake_at.sent) == 2, "without a report AT's first copy cannot be known: sent again"


def test_a_fresh_worker_process_finishes_what_a_killed_one_left(
        at_app: Flask, fake_at: FakeAT, worker: Callable[[], subprocess.Popen[bytes]]) -> None:
    """The same story with no test shortcuts after the kill: a new worker process is started and
    the queued work (a second SMS queued meanwhile) goes out through it, once."""
    rt: Runtime = at_app.extensions["bodega"]
    first = _kill_mid_send(worker, fake_at, rt)
    second = queue_message(rt, to=PHONE, body="Bodega: order K7P2Q is on its way.")
    process = worker()
    _wait_for(lambda: message(rt, second).status == "sent", "the new worker to send the next SMS")
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)
    assert message(rt, first).status == "sending"  # left for the sweep, not sent blindly
    assert [s.message for s in fake_at.sent].count("Bodega: order K7P2Q is on its way.") == 1
