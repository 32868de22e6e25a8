"""The dashboard's numbers: dials, orders and revenue, the funnel, drop-off screens, hop latency.

Reads only. Every query is bounded by a time window (counts use the ``started_at`` / ``created_at``
indexes); latency percentiles are computed in Python over the most recent ``LATENCY_WINDOW`` hops,
which keeps the page's cost flat however long the gateway has run and works on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gateway.commerce.models import Order, Payment, UssdHop, UssdSession
from gateway.ussd.hop import FUNNEL

LATENCY_WINDOW = 5000
# Orders that count as revenue: paid, or accepted by the shop (cash is collected on delivery).
REVENUE_STATUSES = ("paid", "confirmed", "ready", "delivered")
DYING = ("Incomplete", "Failed")


@dataclass(frozen=True)
class Totals:
    dials: int
    orders: int
    revenue: dict[str, int]  # currency -> minor units


@dataclass(frozen=True)
class Latency:
    hops: int
    p50: float
    p95: float
    p99: float
    worst: float


def start_of(day: date, zone: tzinfo = UTC) -> datetime:
    """The UTC instant ``day`` begins on ``zone``'s clock."""
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def totals(db: Session, since: datetime, until: datetime) -> Totals:
    dials = db.scalar(select(func.count()).select_from(UssdSession)
                      .where(UssdSession.started_at >= since, UssdSession.started_at < until)) or 0
    in_window = (Order.created_at >= since, Order.created_at < until)
    orders = db.scalar(select(func.count()).select_from(Order).where(*in_window)) or 0
    rows = db.execute(select(Order.currency, func.sum(Order.total_minor))
                      .where(*in_window, Order.status.in_(REVENUE_STATUSES))
                      .group_by(Order.currency).order_by(Order.currency)).all()
    return Totals(dials, orders, {currency: int(total or 0) for currency, total in rows})


def daily(db: Session, today: date, days: int = 7, zone: tzinfo = UTC) -> list[tuple[date, int, int]]:
    """(day, dials, orders) for each of the last ``days`` days of ``zone``'s calendar, oldest first."""
    result = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        day_totals = totals(db, start_of(day, zone), start_of(day + timedelta(days=1), zone))
        result.append((day, day_totals.dials, day_totals.orders))
    return result


def funnel(db: Session, since: datetime) -> list[tuple[str, int]]:
    """How many dials reached each step (dial -> shop -> cart -> checkout -> order), then paid."""
    reached = dict(db.execute(select(UssdSession.furthest_step, func.count())
                              .where(UssdSession.started_at >= since)
                              .group_by(UssdSession.furthest_step)).all())
    steps = []
    for index, step in enumerate(FUNNEL):
        later = FUNNEL[index:]
        count = sum(n for name, n in reached.items() if name in later)
        if step == "dial":
            count = sum(reached.values())  # every dial, including any with no step recorded
        steps.append((step, count))
    paid_ids = select(Payment.order_id).where(Payment.status == "paid")
    paid = db.scalar(select(func.count()).select_from(Order).where(
        Order.created_at >= since, Order.ussd_session_id.is_not(None),
        or_(Order.id.in_(paid_ids), Order.status == "delivered"))) or 0
    steps.append(("paid", paid))
    return steps


def drop_offs(db: Session, since: datetime, limit: int = 8) -> list[tuple[str, int]]:
    """The screens Incomplete or Failed dials ended on, most common first."""
    count = func.count().label("n")
    rows = db.execute(select(UssdSession.last_screen, count)
                      .where(UssdSession.started_at >= since, UssdSession.status.in_(DYING))
                      .group_by(UssdSession.last_screen).order_by(count.desc()).limit(limit)).all()
    return [(screen or "(before the first screen)", n) for screen, n in rows]


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0.0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def latency(db: Session, window: int = LATENCY_WINDOW) -> Latency:
    """Server time per hop over the most recent ``window`` hops."""
    values = sorted(db.scalars(select(UssdHop.ms).order_by(UssdHop.at.desc()).limit(window)))
    return Latency(len(values), percentile(values, 50), percentile(values, 95), percentile(values, 99),
                   values[-1] if values else 0.0)
