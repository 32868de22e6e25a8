"""Work asked for inside a transaction and started only after it commits.

Domain code calls ``after_commit(db, "gateway.jobs.send_sms", message_id)``; the boundary that
commits (a hop, a webhook, a job, a CLI command) does so through ``gateway.core.transactions``,
which enqueues them. Kept free of RQ so the domain can use it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

PENDING = "bodega_pending_jobs"

PendingJob = tuple[str, tuple[Any, ...], float]


def after_commit(db: Session, job: str, *args: Any, delay: float = 0, batch: int = 0) -> None:
    """Ask for ``job(*args)`` to be enqueued (after ``delay`` seconds) once ``db`` has committed.

    With ``batch`` the job takes any number of ids (``job(*ids)``): the ids asked for in one
    transaction ride together in one job, up to ``batch`` per job (an order's receipt and the
    shop's alert are one job, not two).
    """
    pending: list[PendingJob] = db.info.setdefault(PENDING, [])
    if batch:
        for i, (name, earlier, when) in enumerate(pending):
            if name == job and when == delay and len(earlier) + len(args) <= batch:
                pending[i] = (job, earlier + args, delay)
                return
    pending.append((job, args, delay))


def take_pending(db: Session) -> list[PendingJob]:
    """The jobs asked for on ``db`` so far, forgetting them (call after commit)."""
    return list(db.info.pop(PENDING, []))


def forget_pending(db: Session) -> None:
    """Drop the jobs of a transaction that rolled back."""
    db.info.pop(PENDING, None)
