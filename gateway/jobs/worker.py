"""The background worker: an RQ worker (with its scheduler, for delayed jobs), a thread that runs
the job lanes (the SMS sends, many at a time: ``gateway.jobs.lanes``) and a small clock that
enqueues periodic jobs. Several workers may run: each periodic job is claimed with a Redis
lock per period, so it runs once per period whichever worker claims it.

Run it with ``python -m gateway.jobs.worker``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from rq import SimpleWorker

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


def _clock(rt: Runtime, stop: threading.Event) -> None:
    tried: dict[str, int] = {}
    while not stop.wait(FLUSH_EVERY_SECONDS):
        try:
            dial_log.sweep(rt.redis, rt.settings.USSD_DIAL_IDLE_SECONDS)
            session_log.drain(rt.redis, rt.sessions)
            tick(rt, tried=tried)
        except Exception:
            log.exception("periodic clock failed; trying again")


def main() -> None:
    settings = load_settings()
    configure_logging(settings.LOG_LEVEL)
    rt = build_runtime(settings)
    bind(rt)
    stop = threading.Event()
    threading.Thread(target=_clock, args=(rt, stop), daemon=True).start()
    lane = threading.Thread(target=lanes.serve, args=(rt, stop), name="job-lanes")
    lane.start()
    # No fork per job: the jobs are short calls with their own timeouts, forking this process cost
    # more CPU than most of them (see README "Performance"), and a forked job would inherit the
    # parent's pooled database connections. Job timeouts still apply (SIGALRM, main thread).
    worker = SimpleWorker([rt.queue], connection=rt.queue.connection)
    try:
        # RQ sets its own loggers' level here: one line per job is chatter at INFO (README).
        quiet = logging.getLevelName(library_level(settings.LOG_LEVEL))
        worker.work(with_scheduler=True, logging_level=quiet)
    finally:
        stop.set()
        lane.join(timeout=LANE_STOP_SECONDS)  # let a batch being sent finish and be recorded


if __name__ == "__main__":
    main()
