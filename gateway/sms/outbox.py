"""Enqueueing the jobs a committed transaction asked for (see ``gateway.commerce.pending``).

If the process dies between commit and enqueue, the rows are still ``queued`` in SQL and the
periodic sweep enqueues them again, so nothing is lost; jobs are idempotent, so nothing doubles.
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

from gateway.commerce.pending import PendingJob, forget_pending, take_pending
from gateway.core.runtime import Runtime

log = logging.getLogger(__name__)

RETRY_BACKOFF = [5, 30, 120, 600, 1800]

__all__ = ["dispatch", "enqueue", "take_pending", "transaction"]


def dispatch(queue: Queue, pending: list[PendingJob], pipeline: Pipeline | None = None) -> None:
    """Enqueue jobs recorded with ``after_commit``. Failure is logged, not raised: the sweep retries.

    With ``pipeline`` the jobs are only queued on it and reach Redis when the caller executes it
    (a USSD hop sends them with its state in one round trip).
    """
    for job, args, delay in pending:
        try:
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


@contextmanager
def transaction(rt: Runtime) -> Iterator[Session]:
    """One unit of work for a job or webhook: commits when the block ends, then enqueues the jobs
    it asked for with ``after_commit``; when the block raises, rolls back and forgets them."""
    db = rt.sessions()
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        forget_pending(db)
        raise
    finally:
        db.close()
    dispatch(rt.queue, take_pending(db))
