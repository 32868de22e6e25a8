"""Session logs older than SESSION_LOG_RETENTION_DAYS are deleted by a daily job; nothing else is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from gateway.commerce.models import UssdHop, UssdSession, utcnow
from gateway.core.runtime import Runtime
from gateway.jobs import retention, worker
from tests.conftest import Dialer, run_jobs
from tests.reliability.conftest import drain_session_log


def _log_dial(rt: Runtime, session_id: str, age_days: float, hops: int = 2) -> None:
    at = utcnow() - timedelta(days=age_days)
    with rt.sessions.begin() as db:
        db.add(UssdSession(session_id=session_id, phone="+254711000555", started_at=at, hops=hops))
        db.add_all(UssdHop(session_id=session_id, seq=i, phone="+254711000555", screen="home",
                           reply="Welcome", ms=1.0, at=at) for i in range(1, hops + 1))


def _left(rt: Runtime) -> tuple[list[str], int]:
    with rt.sessions() as db:
        return (sorted(db.scalars(select(UssdSession.session_id))),
                int(db.scalar(select(func.count()).select_from(UssdHop)) or 0))


def test_the_daily_job_deletes_only_old_session_logs(make_app) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(SESSION_LOG_RETENTION_DAYS=30)
    rt: Runtime = app.extensions["bodega"]
    _log_dial(rt, "old", age_days=45)
    _log_dial(rt, "edge", age_days=29.9)
    Dialer(app.test_client()).walk("1")  # a live dial, logged through the real stream
    drain_session_log(rt)
    live = [s for s in _left(rt)[0] if s.startswith("ATUid_")]

    rt.queue.enqueue("gateway.jobs.purge_session_logs")
    assert run_jobs(rt) == 1

    assert _left(rt) == (sorted(["edge", *live]), 4)


def test_purging_goes_in_batches(rt: Runtime) -> None:
    for n in range(5):
        _log_dial(rt, f"old-{n}", age_days=200, hops=1)
    cutoff = retention.cutoff_for(90)
    with rt.sessions.begin() as db:
        assert retention.purge_batch(db, cutoff, batch=3) == 6  # 3 hops + 3 dials
    assert len(_left(rt)[0]) == 2
    assert retention.purge_session_logs(rt.sessions, 90) == 4
    assert _left(rt) == ([], 0)


def test_retention_of_zero_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        retention.cutoff_for(0)


def test_the_worker_clock_runs_retention_once_a_day(rt: Runtime) -> None:
    daily = [p for p in worker.PERIODIC if p.job == "gateway.jobs.purge_session_logs"]
    assert [p.every_seconds for p in daily] == [24 * 3600]
    day = 1_700_000_000 - 1_700_000_000 % 86400
    assert "gateway.jobs.purge_session_logs" in worker.tick(rt, now=day + 10)
    assert "gateway.jobs.purge_session_logs" not in worker.tick(rt, now=day + 5000)  # other worker
    assert "gateway.jobs.purge_session_logs" in worker.tick(rt, now=day + 86400 + 10)


def test_a_worker_clock_asks_redis_about_each_period_once(rt: Runtime) -> None:
    day = 1_700_000_000 - 1_700_000_000 % 86400
    tried: dict[str, int] = {}
    assert "gateway.jobs.purge_session_logs" in worker.tick(rt, now=day + 10, tried=tried)
    assert set(tried) == {p.job for p in worker.PERIODIC}
    rt.redis.delete(*rt.redis.keys("bodega:clock:*"))  # the locks gone: only its memory stops it asking
    assert worker.tick(rt, now=day + 12, tried=tried) == []
    assert rt.redis.keys("bodega:clock:*") == []  # it did not ask
    assert "gateway.jobs.purge_session_logs" in worker.tick(rt, now=day + 86400 + 10, tried=tried)
