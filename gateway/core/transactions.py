"""The unit of work: one shape for every entry point (hop, webhooks, jobs, CLI, console, simulator).

A transaction commits, then the jobs it asked for with ``after_commit`` (``gateway.core.pending``:
send this SMS, request this payment) are enqueued; when it fails it rolls back and forgets them.
Nothing queued by a committed transaction is silently dropped.

- ``unit_of_work(rt)``: a block that opens a session, commits at its end, then enqueues.
- ``commit(rt, db)``: the same for a session someone else opened (the console's per-request one).
- ``commit_and_take(db)``: commit and hand back the jobs, for a caller that enqueues them in its own
  Redis pipeline (the USSD hop sends them with the dial's state in one round trip).

If the process dies between commit and enqueue, the rows are still ``queued`` in SQL and the
periodic sweeps enqueue them again, so nothing is lost; jobs are idempotent, so nothing doubles.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from redis.client import Pipeline
from rq import Queue, Retry
from sqlalchemy.orm import Session

from gateway.core import job_lanes
from gateway.core.pending import PendingJob, forget_pending, take_pending
from gateway.core.runtime import Runtime

log = logging.getLogger(__name__)

RETRY_BACKOFF = [5, 30, 120, 600, 1800]


@contextmanager
def unit_of_work(rt: Runtime) -> Iterator[Session]:
    """A session that commits when the block ends, then enqueues the jobs it asked for; when the
    block raises, rolls back and forgets them (and re-raises)."""
    db = rt.sessions()
    try:
        yield db
        pending = commit_and_take(db)
    except BaseException:
        db.rollback()
        forget_pending(db)
        raise
    finally:
        db.close()
    dispatch(rt.queue, pending)


def commit(rt: Runtime, db: Session) -> None:
    """Commit ``db`` (opened by the caller, who closes it), then enqueue the jobs it asked for."""
    dispatch(rt.queue, commit_and_take(db))


def commit_and_take(db: Session) -> list[PendingJob]:
    """Commit ``db`` and return the jobs it asked for, for the caller to ``dispatch``; on failure,
    roll back, forget them and re-raise."""
    try:
        db.commit()
    except BaseException:
        db.rollback()
        forget_pending(db)
        raise
    return take_pending(db)


def dispatch(queue: Queue, pending: list[PendingJob], pipeline: Pipeline | None = None) -> None:
    """Enqueue committed jobs. Failure is logged, not raised: the sweeps retry.

    With ``pipeline`` the jobs are only queued on it and reach Redis when the caller executes it.
    A job with a lane (``gateway.core.job_lanes``: the SMS sends) goes on its lane, not to RQ.
    """
    for job, args, delay in pending:
        try:
            if delay <= 0 and job_lanes.lane_of(job) is not None:
                job_lanes.push(pipeline if pipeline is not None else queue.connection, job, args)
                continue
            enqueue(queue, job, *args, delay=delay, pipeline=pipeline)
        except Exception:
            log.exception("could not enqueue %s%r; the sweep will pick it up", job, args)


def enqueue(queue: Queue, job: str, *args: Any, delay: float = 0, pipeline: Pipeline | None = None) -> None:
    """Enqueue ``job(*args)`` with retries and backoff, after ``delay`` seconds when given."""
    retry = Retry(max=len(RETRY_BACKOFF), interval=RETRY_BACKOFF)
    if delay > 0:
        queue.enqueue_in(timedelta(seconds=delay), job, *args, retry=retry, pipeline=pipeline)
    else:
        queue.enqueue(job, *args, retry=retry, pipeline=pipeline)
