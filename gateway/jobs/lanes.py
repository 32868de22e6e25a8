"""The worker's side of the job lanes (``gateway.core.job_lanes``): take a batch of ids off a lane
and run its job once for all of them.

A batch whose job fails is handed to RQ (``send_sms(*ids)`` with its retries and backoff): the job
claims only rows still to do, so what the failed run did finish is not done twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from gateway import jobs
from gateway.core import job_lanes, transactions
from gateway.core.runtime import Runtime

log = logging.getLogger(__name__)

RUNNERS: dict[str, Callable[..., str]] = {"gateway.jobs.send_sms": jobs.send_sms}
# How long the lane thread blocks on an empty lane before it looks at its stop flag again: each
# wake-up of an idle worker costs CPU, and a stopping worker waits at most this long for it.
WAIT_SECONDS = 5.0
# Once a text arrives and the lane holds less than a batch, how long the lane thread lets others
# join it. When traffic is light each text would otherwise be a batch of its own, paying alone for
# what a batch costs once (taking it off the lane, a database connection, the claim); a text
# reaches the provider up to this much later, which no one waiting for an SMS notices. A lane
# holding a full batch is taken at once.
GATHER_SECONDS = 1.0


def run_lane(rt: Runtime, job: str, wait: float = 0.0, gather: float = 0.0) -> int:
    """Run ``job`` once for the next batch of its lane's ids (waiting up to ``wait`` seconds for
    one, then ``gather`` seconds for more); returns how many ids it took."""
    ids = job_lanes.take(rt.queue.connection, job, wait, gather)
    if not ids:
        return 0
    try:
        RUNNERS[job](*ids)
    except Exception:
        log.exception("%s%r failed on its lane; RQ retries it", job, tuple(ids))
        transactions.enqueue(rt.queue, job, *ids, delay=transactions.RETRY_BACKOFF[0])
    return len(ids)


def drain(rt: Runtime) -> int:
    """Run every lane until none has ids waiting; returns how many batches ran."""
    batches = 0
    for job in job_lanes.LANES:
        while run_lane(rt, job):
            batches += 1
    return batches


def serve(rt: Runtime, stop: threading.Event) -> None:
    """The worker's lane thread: run lanes as ids arrive until ``stop`` is set."""
    while not stop.is_set():
        try:
            for job in job_lanes.LANES:
                run_lane(rt, job, wait=WAIT_SECONDS, gather=GATHER_SECONDS)
        except Exception:
            log.exception("job lane failed; trying again")
            stop.wait(WAIT_SECONDS)
