"""The background worker: an RQ worker, a thread that runs the job lanes (the SMS sends, many at
a time: ``gateway.jobs.lanes``) and a small clock that writes the session log, enqueues periodic
jobs and moves delayed jobs (retries with backoff, ``enqueue_in``) onto the queue when due.
Several workers may run: each periodic job is claimed with a Redis lock per period, so it runs
once per period whichever worker claims it.

Run it with ``python -m gateway.jobs.worker``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rq import SimpleWorker
from rq.scheduler import RQScheduler

from config.log_levels import configure_logging, library_level
from config.settings import load_settings
from gateway.core.runtime import Runtime, bind, build_runtime
from gateway.jobs import lanes
from gateway.ussd import dial_log, session_log

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    job: str
    every_seconds: int


# Jobs enqueued on a period. The session-log flush is not here: it runs every
# FLUSH_EVERY_SECONDS inside the clock thread itself, which is cheaper than a job per flush.
PERIODIC: list[Periodic] = [
    Periodic("gateway.jobs.purge_session_logs", 24 * 3600),
    Periodic("gateway.jobs.requeue_inbound_sms", 60),
    Periodic("gateway.jobs.send_daily_summaries", 600),
    Periodic("gateway.jobs.requeue_stuck_sms", 60),
    Periodic("gateway.jobs.settle_stale_payments", 60),
    Periodic("gateway.jobs.expire_unpaid_orders", 60),
]
# The clock's period. Each tick costs about the same whether it writes one dial's transcript or
# fifty (the lock, the stream reads, a transaction), so at light traffic a longer period is less
# CPU per hop; 5 s keeps transcripts in SQL within seconds of a dial's end, and the sweeps' and
# periodic jobs' periods (200 s, 60 s and more) far above it.
FLUSH_EVERY_SECONDS = 5.0
LANE_STOP_SECONDS = 30.0  # how long a stopping worker waits for the batch of texts it is sending


def tick(rt: Runtime, now: float | None = None, tried: dict[str, int] | None = None) -> list[str]:
    """Enqueue each periodic job whose period has come round; returns the ones enqueued.

    ``tried`` (job -> period) remembers the periods this worker already asked Redis about, so
    its clock asks once per period and job, not on every tick: whichever worker asked first
    holds the period's lock, and asking again could only be refused."""
    now = time.time() if now is None else now
    enqueued = []
    for item in PERIODIC:
        slot = int(now // item.every_seconds)
        if tried is not None and tried.get(item.job) == slot:
            continue
        if rt.redis.set(f"bodega:clock:{item.job}:{slot}", "1", nx=True, ex=item.every_seconds * 2 + 5):
            rt.queue.enqueue(item.job, job_timeout=max(60, item.every_seconds * 5), result_ttl=0)
            enqueued.append(item.job)
        if tried is not None:
            tried[item.job] = slot
    return enqueued


class DelayedJobs:
    """RQ's scheduler, run by the clock thread: RQ's own runs in a process of its own that wakes
    every second, which cost an idle worker more CPU than everything else it did. Each run takes
    or keeps the queue's scheduler lock (so with several workers only one moves jobs, and a dead
    one's lock runs out after a minute) and moves the delayed jobs that are due onto the queue; a
    job is so due up to one clock period late, which a retry's backoff of 5 s or more can afford."""

    def __init__(self, rt: Runtime, logging_level: int | str = logging.WARNING) -> None:
        self.scheduler = RQScheduler([rt.queue], connection=rt.queue.connection,
                                     interval=int(FLUSH_EVERY_SECONDS), logging_level=logging_level)

    def run(self) -> None:
        self.scheduler.acquire_locks()  # takes the lock, or renews the one this worker holds
        if self.scheduler.acquired_locks:
            self.scheduler.enqueue_scheduled_jobs()

    def release(self) -> None:
        self.scheduler.release_locks()


def _clock(rt: Runtime, stop: threading.Event, delayed: DelayedJobs) -> None:
    tried: dict[str, int] = {}
    steps: list[Callable[[], object]] = [
        lambda: dial_log.sweep(rt.redis, rt.settings.USSD_DIAL_IDLE_SECONDS),
        lambda: session_log.drain(rt.redis, rt.sessions),
        lambda: tick(rt, tried=tried),
        delayed.run,
    ]
    while not stop.wait(FLUSH_EVERY_SECONDS):
        for step in steps:  # one failing (the database away) does not hold up the others
            try:
                step()
            except Exception:
                log.exception("the worker's clock failed at one step; trying again")


def main() -> None:
    settings = load_settings()
    configure_logging(settings.LOG_LEVEL)
    rt = build_runtime(settings)
    bind(rt)
    stop = threading.Event()
    # RQ sets its own loggers' level here: one line per job is chatter at INFO (README).
    quiet = logging.getLevelName(library_level(settings.LOG_LEVEL))
    delayed = DelayedJobs(rt, quiet)
    clock = threading.Thread(target=_clock, args=(rt, stop, delayed), name="clock", daemon=True)
    clock.start()
    lane = threading.Thread(target=lanes.serve, args=(rt, stop), name="job-lanes")
    lane.start()
    # No fork per job: the jobs are short calls with their own timeouts, forking this process cost
    # more CPU than most of them (see README "Performance"), and a forked job would inherit the
    # parent's pooled database connections. Job timeouts still apply (SIGALRM, main thread).
    worker = SimpleWorker([rt.queue], connection=rt.queue.connection)
    try:
        worker.work(logging_level=quiet)
    finally:
        stop.set()
        lane.join(timeout=LANE_STOP_SECONDS)  # let a batch being sent finish and be recorded
        clock.join(timeout=LANE_STOP_SECONDS)
        delayed.release()  # another worker takes over the delayed jobs at once


if __name__ == "__main__":
    main()
