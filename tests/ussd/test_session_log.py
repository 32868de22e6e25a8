"""Session logs: a dial's hops reach SQL through the worker, and AT's end-of-session
notification (verbatim fields from PROTOCOLS.md) closes the dial's record."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient
from rq.job import JobStatus
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gateway.commerce.models import UssdHop, UssdSession
from gateway.core.runtime import Runtime
from gateway.ussd import dial_log, session_log
from gateway.ussd.dial_log import DIALS, LIVE
from tests.conftest import Dialer, run_jobs

FLUSH = "gateway.jobs.flush_session_log"


def end_of_session(dialer: Dialer, **changes: str) -> dict[str, str]:
    return {
        "date": "2025-09-29 12:00:00", "sessionId": dialer.session_id, "serviceCode": "*384*123#",
        "networkCode": "63902", "phoneNumber": dialer.phone, "status": "Incomplete", "cost": "KES 0.10",
        "durationInMillis": "23456", "hopsCount": "6", "input": dialer.text,
        "lastAppResponse": "CON " + dialer.screen, "errorMessage": "", **changes,
    }


def flush(rt: Runtime) -> int:
    """Run the flush job through a real RQ worker; returns how many hops it wrote."""
    job = rt.queue.enqueue(FLUSH)
    run_jobs(rt)
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    return int(job.return_value())  # type: ignore[arg-type]


def test_a_dial_reaches_sql_once_when_aggregator_says_it_ended(dialer: Dialer, client: FlaskClient,
                                                               rt: Runtime, demo_catalog: None) -> None:
    dialer.walk("1", "1", "1", "2", "1")
    assert rt.redis.xlen(DIALS) == 0  # the hops travel with the live dial, not one by one
    assert flush(rt) == 0
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(UssdHop)) == 0
    assert client.post("/hooks/africastalking/ussd/events", data=end_of_session(dialer)).status_code == 200
    assert rt.redis.xlen(DIALS) == 1  # one entry for the whole dial
    assert flush(rt) == 6
    assert rt.redis.xlen(DIALS) == 0
    assert flush(rt) == 0  # nothing is written twice
    with rt.sessions() as db:
        hops = db.scalars(select(UssdHop).where(UssdHop.session_id == dialer.session_id)
                          .order_by(UssdHop.seq)).all()
        assert [(h.seq, h.screen, h.input) for h in hops] == [
            (1, "home", None), (2, "shop.categories", "1"), (3, "shop.products", "1"),
            (4, "shop.quantity", "1"), (5, "shop.added", "2"), (6, "checkout.confirm", "1")]
        assert hops[-1].reply == dialer.screen
        assert all(h.phone == "+254711000111" and h.ms >= 0 for h in hops)
        record = db.scalar(select(UssdSession).where(UssdSession.session_id == dialer.session_id))
        assert record is not None
        assert (record.hops, record.last_screen, record.furthest_step, record.status) == (
            6, "checkout.confirm", "checkout", "Incomplete")
        assert record.shop_id is not None


def test_a_dial_that_ends_on_an_end_screen_is_handed_over_by_its_last_hop(
        dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk("1", "1", "1", "2", "1", "1")
    assert dialer.ended
    assert rt.redis.xlen(DIALS) == 1 and rt.redis.zcard(LIVE) == 0
    assert flush(rt) == 7


def test_a_dial_that_vanishes_is_swept_to_sql(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk("1", "1")
    assert dial_log.sweep(rt.redis, idle_seconds=60) == 0  # still live
    assert dial_log.sweep(rt.redis, idle_seconds=60, now=time.time() + 61) == 1
    assert flush(rt) == 3
    dialer.dial("1")  # it was not over after all: the rest is written when it ends, nothing twice
    dial_log.sweep(rt.redis, idle_seconds=0, now=time.time() + 1)
    assert flush(rt) == 4
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(UssdHop)) == 4


def test_a_transcript_handed_over_twice_in_one_batch_writes_each_hop_once(
        dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk("1", "1")
    assert dial_log.sweep(rt.redis, idle_seconds=0, now=time.time() + 1) == 1
    dialer.dial("1")  # the dial goes on; swept again before the worker wrote the first hand-over
    assert dial_log.sweep(rt.redis, idle_seconds=0, now=time.time() + 1) == 1
    assert rt.redis.xlen(DIALS) == 2  # both in one batch: hops 1-3 twice, in the same statement
    session_log.drain(rt.redis, rt.sessions)
    with rt.sessions() as db:
        assert db.scalars(select(UssdHop.seq).where(UssdHop.session_id == dialer.session_id)
                          .order_by(UssdHop.seq)).all() == [1, 2, 3, 4]
        record = db.scalar(select(UssdSession).where(UssdSession.session_id == dialer.session_id))
        assert record is not None and record.hops == 4


def test_a_transcript_survives_a_worker_killed_before_it_wrote_it(
        dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk("1", "1", "1", "2", "1", "1")

    def killed_at_commit() -> Session:
        db = rt.sessions()
        event.listen(db, "before_commit", lambda _db: _die())
        return db

    with pytest.raises(SystemExit):
        session_log.drain(rt.redis, killed_at_commit)
    rt.redis.delete(session_log.FLUSH_LOCK)  # a killed worker's lock expires on its own
    assert rt.redis.xlen(DIALS) == 1
    assert flush(rt) == 7
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(UssdHop)) == 7


def test_a_transcript_no_one_can_read_is_set_aside_and_blocks_nothing(
        dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    rt.redis.xadd(DIALS, {"dial": '{"sid": "ATUid_broken", "hops": [[1, "home"'})  # cut short
    dialer.walk("1", "1", "1", "2", "1", "1")
    assert session_log.drain(rt.redis, rt.sessions) == 7  # the good dial behind it is written
    assert rt.redis.xlen(DIALS) == 0
    ((_, kept),) = rt.redis.xrange(session_log.DEAD_DIALS)
    assert kept[b"from"] == DIALS.encode() and kept[b"reason"].startswith(b"JSONDecodeError")
    assert b"ATUid_broken" in kept[b"dial"]


def test_a_database_outage_sets_nothing_aside(dialer: Dialer, rt: Runtime, demo_catalog: None) -> None:
    dialer.walk("1", "1", "1", "2", "1", "1")

    def database_away() -> Session:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with pytest.raises(OperationalError):
        session_log.drain(rt.redis, database_away)
    assert rt.redis.xlen(DIALS) == 1 and rt.redis.xlen(session_log.DEAD_DIALS) == 0
    assert session_log.drain(rt.redis, rt.sessions) == 7  # the lock was let go; nothing was lost


def _die() -> None:
    raise SystemExit("worker killed")


def test_a_live_dial_keeps_under_two_kilobytes_in_redis(dialer: Dialer, rt: Runtime,
                                                        demo_catalog: None) -> None:
    dialer.walk("1", "1", "1", "2", "1", "0", "1", "0", "1")
    assert not dialer.ended and "1. Confirm" in dialer.screen  # ten hops, the summary showing
    used = rt.redis.memory_usage(f"ussd:v1:at:{dialer.session_id}")
    assert used is not None and used <= 2048, used


def test_end_of_session_closes_the_record(dialer: Dialer, client: FlaskClient, rt: Runtime,
                                          demo_catalog: None) -> None:
    dialer.walk("1", "1", "1", "1", "2")
    flush(rt)
    form = end_of_session(dialer)
    response = client.post("/hooks/africastalking/ussd/events", data=form)
    assert response.status_code == 200
    assert client.post("/hooks/africastalking/ussd/events", data=form).status_code == 200  # AT repeats
    with rt.sessions() as db:
        (record,) = db.scalars(select(UssdSession)).all()
        assert (record.status, record.cost, record.duration_ms, record.hops) == (
            "Incomplete", "KES 0.10", 23456, 6)
        assert record.input_masked == "1*1*1*1*2"
        assert record.ended_at is not None and record.error_message is None


def test_end_of_session_masks_secrets_and_keeps_errors(dialer: Dialer, client: FlaskClient,
                                                       rt: Runtime) -> None:
    dialer.dial()
    form = end_of_session(dialer, status="Failed", input="4*1*4821", cost="0.10", hopsCount="3",
                          errorMessage="Application timed out")
    assert client.post("/hooks/africastalking/ussd/events", data=form).status_code == 200
    flush(rt)  # a late flush of the same dial joins the record the notification opened
    with rt.sessions() as db:
        (record,) = db.scalars(select(UssdSession)).all()
        assert record.input_masked == "4*1*****"
        assert (record.status, record.cost) == ("Failed", "0.10")
        assert record.error_message == "Application timed out"
        assert db.scalar(select(func.count()).select_from(UssdHop)) == 1


def test_end_of_session_without_its_id_is_refused(client: FlaskClient) -> None:
    response = client.post("/hooks/africastalking/ussd/events", data={"status": "Success"})
    assert response.status_code == 400
    assert b"sessionId" in response.data


def test_end_of_session_with_a_status_at_never_sends_is_refused(dialer: Dialer, client: FlaskClient,
                                                                rt: Runtime) -> None:
    dialer.dial()
    response = client.post("/hooks/africastalking/ussd/events",
                           data=end_of_session(dialer, status="Weird", cost="abc"))
    assert response.status_code == 400
    assert "status 'Weird' is not one of Success, Incomplete, Failed" in response.get_data(as_text=True)
    with rt.sessions() as db:
        assert db.scalar(select(UssdSession.status)) is None


def test_an_unreadable_cost_is_stored_as_absent(dialer: Dialer, client: FlaskClient, rt: Runtime) -> None:
    dialer.dial()
    form = end_of_session(dialer, status="Success", cost="abc")
    assert client.post("/hooks/africastalking/ussd/events", data=form).status_code == 200
    with rt.sessions() as db:
        (record,) = db.scalars(select(UssdSession)).all()
        assert (record.status, record.cost) == ("Success", None)
