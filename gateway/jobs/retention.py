"""Retention: session logs (every hop a handset saw, every dial's record) are kept for
``SESSION_LOG_RETENTION_DAYS`` and then deleted. They hold phone numbers and what people typed,
so keeping them forever would be a liability, not a record: orders, payments and SMS live in
their own tables and are never touched here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.commerce.models import UssdHop, UssdSession, utcnow

BATCH = 5000


def cutoff_for(days: int, now: datetime | None = None) -> datetime:
    """The moment before which session logs are deleted; ``days`` must be at least 1."""
    if days < 1:
        raise ValueError("SESSION_LOG_RETENTION_DAYS must be at least 1")
    return (now or utcnow()) - timedelta(days=days)


def purge_batch(db: Session, cutoff: datetime, batch: int = BATCH) -> int:
    """Delete up to ``batch`` hops and ``batch`` dial records older than ``cutoff``.

    Hops go by when they were shown, dials by when they started. Returns how many rows went.
    The caller commits (small batches keep each transaction, and its locks, short).
    """
    hop_ids = select(UssdHop.id).where(UssdHop.at < cutoff).limit(batch).scalar_subquery()
    hops = db.execute(delete(UssdHop).where(UssdHop.id.in_(hop_ids)))
    dial_ids = select(UssdSession.id).where(UssdSession.started_at < cutoff).limit(batch).scalar_subquery()
    dials = db.execute(delete(UssdSession).where(UssdSession.id.in_(dial_ids)))
    return int(hops.rowcount or 0) + int(dials.rowcount or 0)  # type: ignore[attr-defined]


def purge_session_logs(sessions: sessionmaker[Session], days: int, now: datetime | None = None) -> int:
    """Delete every session log older than ``days``, committing batch by batch; returns the count."""
    cutoff = cutoff_for(days, now)
    total = 0
    while True:
        with sessions.begin() as db:
            removed = purge_batch(db, cutoff)
        total += removed
        if removed == 0:
            return total
