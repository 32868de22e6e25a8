"""Job lanes: jobs that many transactions ask for at once, run many ids at a time.

Every order texts its shop (and often its customer). As one RQ job per transaction, each text
costs the worker RQ's own bookkeeping (a job hash, registries, status and result writes: about
twenty Redis round trips), more than the work itself. A lane is a plain Redis list instead: a
commit pushes the ids it asked for (one ``RPUSH``, in the hop's own pipeline), and the worker takes
them off ``BATCH`` at a time and runs the job once per batch (``gateway.jobs.lanes``).

Nothing is lost on the way: the rows stay ``queued`` in SQL until the job claims them, so ids popped
by a worker that dies before sending are found again by the job's periodic sweep, and a batch that
fails is handed to RQ with its retries and backoff. Jobs on a lane must take any number of ids and
be idempotent (they claim their rows with a conditional UPDATE).
"""

from __future__ import annotations

import time
from typing import Any

import redis
from redis.client import Pipeline

# job -> the Redis list its ids wait on
LANES = {"gateway.jobs.send_sms": "bodega:lane:send_sms"}
BATCH = 20  # ids one run of a lane's job takes at most


def lane_of(job: str) -> str | None:
    """The list ``job``'s ids wait on, or None for a job that goes through RQ one by one."""
    return LANES.get(job)


def push(target: redis.Redis | Pipeline, job: str, ids: tuple[Any, ...]) -> None:
    """Put ``ids`` on ``job``'s lane (on ``target``'s pipeline when it is one)."""
    target.rpush(LANES[job], *ids)


def take(client: redis.Redis, job: str, wait: float = 0.0, gather: float = 0.0) -> list[int]:
    """Up to ``BATCH`` ids off ``job``'s lane, oldest first; waits up to ``wait`` seconds for the
    first one (0: does not wait). When fewer than ``BATCH`` are there, waits ``gather`` seconds
    more for others to join them (never when the lane holds a full batch: a busy lane does not
    slow down). An empty list when there is nothing to do."""
    key = LANES[job]
    if wait <= 0:
        return [int(raw) for raw in client.lpop(key, BATCH) or []]
    first = client.blpop([key], timeout=wait)
    if first is None:
        return []
    found = [first[1], *(client.lpop(key, BATCH - 1) or [])]
    if gather > 0 and len(found) < BATCH:
        time.sleep(gather)
        found += client.lpop(key, BATCH - len(found)) or []
    return [int(raw) for raw in found]


def waiting(client: redis.Redis) -> int:
    """How many ids wait on all lanes (for the console's health page and tests)."""
    return sum(int(client.llen(key)) for key in LANES.values())
