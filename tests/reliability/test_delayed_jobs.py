"""Delayed jobs (a retry's backoff, ``enqueue_in``) reach the queue through the worker's clock,
once, whichever of several workers runs it; a stopped worker hands them over at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.job import Job
from rq.registry import ScheduledJobRegistry

from gateway.core.runtime import Runtime
from gateway.jobs import worker

DUE_JOB = "gateway.jobs.requeue_stuck_sms"


def _due(rt: Runtime) -> Job:
    return rt.queue.enqueue_at(datetime.now(UTC) - timedelta(seconds=1), DUE_JOB)


def _waiting(rt: Runtime) -> list[str]:
    return ScheduledJobRegistry(queue=rt.queue).get_job_ids()


def test_the_clock_moves_a_due_delayed_job_onto_the_queue_once(rt: Runtime) -> None:
    job = _due(rt)
    assert _waiting(rt) == [job.id] and rt.queue.job_ids == []
    first, second = worker.DelayedJobs(rt), worker.DelayedJobs(rt)
    first.run()
    second.run()
    assert rt.queue.job_ids == [job.id] and _waiting(rt) == []


def test_only_the_worker_holding_the_lock_moves_delayed_jobs_until_it_stops(rt: Runtime) -> None:
    holder, other = worker.DelayedJobs(rt), worker.DelayedJobs(rt)
    holder.run()  # takes the queue's scheduler lock
    job = _due(rt)
    other.run()
    assert _waiting(rt) == [job.id]  # the other worker left it to the holder
    holder.release()  # the holder stops
    other.run()
    assert rt.queue.job_ids == [job.id] and _waiting(rt) == []


def test_a_job_not_yet_due_stays_delayed(rt: Runtime) -> None:
    job = rt.queue.enqueue_in(timedelta(minutes=5), DUE_JOB)
    worker.DelayedJobs(rt).run()
    assert _waiting(rt) == [job.id] and rt.queue.job_ids == []
