"""What the console lists: dials, orders, payments and SMS, filtered, scoped and paginated.

Functions take a Session and plain filter values (parsed from the query string by ``parse_*``)
and only read. A staff viewer's ``shop_scope`` is applied here, in the SQL, so a page can never
show another shop's rows by accident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from gateway.commerce.models import Order, OrderEvent, Payment, Shop, UssdHop, UssdSession
from gateway.commerce.order_states import AWAITING_SHOP
from gateway.core.text import as_number

PAGE_SIZE = 25
OUTCOMES = ("Success", "Incomplete", "Failed", "open")
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    has_next: bool


@dataclass
class Filters:
    """Filter values from a query string, plus what could not be understood."""

    phone: str = ""
    day: date | None = None
    outcome: str = ""
    status: str = ""
    shop_id: int | None = None
    page: int = 1
    problems: list[str] = field(default_factory=list)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string for this filter (for pagination links), with ``changes`` on top."""
        values = {"phone": self.phone, "day": self.day.isoformat() if self.day else "",
                  "outcome": self.outcome, "status": self.status, "shop": self.shop_id or "",
                  "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Read ``phone`` (last digits), ``day`` (YYYY-MM-DD), ``outcome``, ``status``, ``shop``, ``page``."""
    f = Filters()
    f.phone = "".join(ch for ch in args.get("phone", "") if ch.isdigit())[:15]
    raw_day = args.get("day", "").strip()
    if raw_day:
        try:
            f.day = date.fromisoformat(raw_day)
        except ValueError:
            f.problems.append(f"date {raw_day!r} is not YYYY-MM-DD")
    outcome = args.get("outcome", "")
    if outcome in OUTCOMES:
        f.outcome = outcome
    elif outcome:
        f.problems.append(f"unknown outcome {outcome!r}")
    status = args.get("status", "").strip()
    if re.fullmatch(r"[a-z_]{1,20}", status):
        f.status = status
    elif status:
        f.problems.append(f"unknown status {status[:20]!r}")
    shop = args.get("shop", "")
    f.shop_id = as_number(shop)
    f.page = max(1, min(as_number(args.get("page", "1")) or 1, 10_000))
    return f


def paginate(db: Session, query: Select[Any], page: int) -> Page[Any]:
    rows = list(db.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return Page(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, UTC)
    return start, start + timedelta(days=1)


def shop_names(db: Session) -> dict[int, str]:
    return dict(db.execute(select(Shop.id, Shop.name).order_by(Shop.name)).all())


def dials(db: Session, f: Filters, shop_scope: int | None = None) -> Page[UssdSession]:
    """Dials newest first, filtered by the phone's last digits, day, outcome and shop."""
    query = select(UssdSession).order_by(UssdSession.started_at.desc(), UssdSession.id.desc())
    if f.phone:
        query = query.where(UssdSession.phone.like(f"%{f.phone}"))
    if f.day:
        start, end = day_bounds(f.day)
        query = query.where(UssdSession.started_at >= start, UssdSession.started_at < end)
    if f.outcome == "open":
        query = query.where(UssdSession.status.is_(None))
    elif f.outcome:
        query = query.where(UssdSession.status == f.outcome)
    shop = shop_scope if shop_scope is not None else f.shop_id
    if shop is not None:
        query = query.where(UssdSession.shop_id == shop)
    return paginate(db, query, f.page)


def transcript(db: Session, dial_id: int) -> tuple[UssdSession, list[UssdHop]] | None:
    """A dial and its hops in order, or None."""
    dial = db.get(UssdSession, dial_id)
    if dial is None:
        return None
    hops = db.scalars(select(UssdHop).where(UssdHop.session_id == dial.session_id).order_by(UssdHop.seq))
    return dial, list(hops)


def orders(db: Session, f: Filters, shop_scope: int | None) -> Page[Order]:
    """Orders newest first, by status and shop; staff see only ``shop_scope``."""
    query = (select(Order).options(selectinload(Order.customer), selectinload(Order.shop))
             .order_by(Order.created_at.desc(), Order.id.desc()))
    if f.status:
        query = query.where(Order.status == f.status)
    shop = shop_scope if shop_scope is not None else f.shop_id
    if shop is not None:
        query = query.where(Order.shop_id == shop)
    return paginate(db, query, f.page)


def awaiting_shop(db: Session, shop_scope: int | None) -> int:
    """How many orders wait for a shop's answer (placed, or paid and not yet confirmed)."""
    query = select(func.count()).select_from(Order).where(Order.status.in_(AWAITING_SHOP))
    if shop_scope is not None:
        query = query.where(Order.shop_id == shop_scope)
    return db.scalar(query) or 0


def order_detail(db: Session, order_id: int, shop_scope: int | None) -> Order | None:
    """One order, or None when it does not exist or belongs to a shop outside ``shop_scope``."""
    query = select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
    if shop_scope is not None:
        query = query.where(Order.shop_id == shop_scope)
    return db.scalar(query)


def order_timeline(db: Session, order_id: int) -> list[OrderEvent]:
    return list(db.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)
                           .order_by(OrderEvent.at, OrderEvent.id)))


def order_payments(db: Session, order_id: int) -> list[Payment]:
    return list(db.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)))
