"""What the console lists: dials, orders, payments and SMS, filtered, scoped and paginated.

Functions take a Session and plain filter values (parsed from the query string by ``parse_*``)
and only read. A staff viewer's ``shop_scope`` is applied here, in the SQL, so a page can never
show another shop's rows by accident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from gateway.commerce.models import Customer, Order, OrderEvent, Payment, Shop, UssdHop, UssdSession
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
    ref: str = ""
    day: date | None = None
    since: date | None = None  # first day, inclusive
    until: date | None = None  # last day, inclusive
    outcome: str = ""
    status: str = ""
    shop_id: int | None = None
    page: int = 1
    problems: list[str] = field(default_factory=list)
    zone: tzinfo = UTC  # whose calendar ``day`` is

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string for this filter (for pagination links), with ``changes`` on top."""
        values = {"phone": self.phone, "ref": self.ref, "day": self.day.isoformat() if self.day else "",
                  "from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else "",
                  "outcome": self.outcome, "status": self.status, "shop": self.shop_id or "",
                  "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def parse_filters(args: Mapping[str, str], zone: tzinfo = UTC) -> Filters:
    """Read ``phone`` (last digits), ``day`` (YYYY-MM-DD in ``zone``), ``outcome``, ``status``,
    ``shop``, ``page``."""
    f = Filters(zone=zone)
    f.phone = "".join(ch for ch in args.get("phone", "") if ch.isdigit())[:15].lstrip("0")
    f.ref = "".join(ch for ch in args.get("ref", "").upper() if ch.isalnum())[:12]
    f.day = _date(args, "day", f.problems)
    f.since = _date(args, "from", f.problems)
    f.until = _date(args, "to", f.problems)
    if f.since and f.until and f.since > f.until:
        f.problems.append("the first day is after the last day")
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


def _date(args: Mapping[str, str], name: str, problems: list[str]) -> date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"date {raw[:20]!r} is not YYYY-MM-DD")
        return None


def paginate(db: Session, query: Select[Any], page: int) -> Page[Any]:
    rows = list(db.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return Page(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def day_bounds(day: date, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` starts and ends on ``zone``'s clock."""
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def shop_names(db: Session) -> dict[int, str]:
    return dict(db.execute(select(Shop.id, Shop.name).order_by(Shop.name)).all())


def dials(db: Session, f: Filters, shop_scope: int | None = None) -> Page[UssdSession]:
    """Dials newest first, filtered by the phone's last digits, day, outcome and shop."""
    query = select(UssdSession).order_by(UssdSession.started_at.desc(), UssdSession.id.desc())
    if f.phone:
        query = query.where(UssdSession.phone.like(f"%{f.phone}"))
    if f.day:
        start, end = day_bounds(f.day, f.zone)
        query = query.where(UssdSession.started_at >= start, UssdSession.started_at < end)
    if f.outcome == "open":
        query = query.where(UssdSession.status.is_(None))
    elif f.outcome:
        query = query.where(UssdSession.status == f.outcome)
    shop = shop_scope if shop_scope is not None else f.shop_id
    if shop is not None:
        query = query.where(UssdSession.shop_id == shop)
    return paginate(db, query, f.page)


def dial_order(db: Session, dial: UssdSession) -> Order | None:
    """The order a dial placed, if any."""
    return db.scalar(select(Order).where(Order.ussd_session_id == dial.session_id))


def order_dial(db: Session, order: Order) -> UssdSession | None:
    """The dial that placed ``order`` (None for orders placed elsewhere, or logs purged)."""
    if order.ussd_session_id is None:
        return None
    return db.scalar(select(UssdSession).where(UssdSession.session_id == order.ussd_session_id))


def transcript(db: Session, dial_id: int) -> tuple[UssdSession, list[UssdHop]] | None:
    """A dial and its hops in order, or None."""
    dial = db.get(UssdSession, dial_id)
    if dial is None:
        return None
    hops = db.scalars(select(UssdHop).where(UssdHop.session_id == dial.session_id).order_by(UssdHop.seq))
    return dial, list(hops)


def orders(db: Session, f: Filters, shop_scope: int | None) -> Page[Order]:
    """Orders newest first, by reference, phone, days, status and shop; staff see only ``shop_scope``."""
    query = orders_query(f, shop_scope).options(selectinload(Order.customer), selectinload(Order.shop))
    return paginate(db, query, f.page)


def orders_query(f: Filters, shop_scope: int | None) -> Select[Any]:
    """The orders ``f`` asks for, newest first (the list and the CSV export share it)."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if f.ref:
        query = query.where(Order.reference.like(f"{f.ref}%"))
    if f.phone:
        query = query.where(Order.customer_id.in_(
            select(Customer.id).where(Customer.phone.like(f"%{f.phone}"))))
    first, last = (f.day, f.day) if f.day else (f.since, f.until)
    if first:
        query = query.where(Order.created_at >= day_bounds(first, f.zone)[0])
    if last:
        query = query.where(Order.created_at < day_bounds(last, f.zone)[1])
    if f.status:
        query = query.where(Order.status == f.status)
    shop = shop_scope if shop_scope is not None else f.shop_id
    if shop is not None:
        query = query.where(Order.shop_id == shop)
    return query


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
