"""A shop's terms: delivery offered or not, its fee, the smallest order, and opening hours.

Hours are written as people write them on a shop's door: ``Mon-Sat 08:00-19:00`` or several
spans separated by ``,`` or ``;`` (``Mon-Fri 08:00-19:00; Sat 09:00-13:00``), read in the shop's
time zone (``zoneinfo``; the owner's country's when none is set). A shop with no hours is always
open; a span may run past midnight (``Fri 18:00-02:00``). ``basket`` is the one total that both
checkout flows and ``place_order`` use: the items, the delivery fee as its own line, and what is
missing to reach the minimum. Nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from phonenumbers import parse as parse_number
from phonenumbers.phonenumberutil import NumberParseException
from phonenumbers.timezone import time_zones_for_number

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
SPAN = re.compile(r"^(?P<days>[A-Za-z]{3}(?:-[A-Za-z]{3})?)\s+"
                  r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})$")
FALLBACK_ZONE = "UTC"
WEEK = 7


class Hours(Protocol):
    """What opening hours need of a shop: a ``Shop`` or a catalog row with these columns."""

    @property
    def hours(self) -> str | None: ...

    @property
    def timezone(self) -> str | None: ...

    @property
    def owner_phone(self) -> str: ...


class Terms(Hours, Protocol):
    """A shop's terms as checkout reads them: a ``Shop``, or the catalog snapshot's ``ShopView``
    (so a summary is priced without SQL, and ``place_order`` checks the same rules on the row)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def currency(self) -> str: ...

    @property
    def delivers(self) -> bool: ...

    @property
    def delivery_fee_minor(self) -> int: ...

    @property
    def min_order_minor(self) -> int: ...


class BadTerms(ValueError):
    """Hours, a time zone or an amount a shop cannot have; ``str(exc)`` says why and the form to use."""


@dataclass(frozen=True)
class Opening:
    """One span of the week: the days (0 = Monday) it starts on, opening and closing time."""

    days: frozenset[int]
    opens: time
    closes: time


def parse_hours(text: str) -> list[Opening]:
    """``"Mon-Sat 08:00-19:00"`` -> its openings; ``BadTerms`` naming the part that does not parse."""
    spans = [part.strip() for part in re.split(r"[;,]", text) if part.strip()]
    if not spans:
        raise BadTerms("no hours given; write e.g. Mon-Sat 08:00-19:00")
    return [_opening(span) for span in spans]


def _opening(span: str) -> Opening:
    found = SPAN.match(span)
    if found is None:
        raise BadTerms(f"cannot read {span!r}; write e.g. Mon-Sat 08:00-19:00")
    first, _, last = found["days"].upper().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise BadTerms(f"unknown day in {span!r}; use Mon Tue Wed Thu Fri Sat Sun")
    start, end = DAYS.index(first), DAYS.index(last or first)
    days = frozenset((start + i) % WEEK for i in range((end - start) % WEEK + 1))
    opens, closes = _clock(found["open"], span), _clock(found["close"], span)
    if opens == closes:
        raise BadTerms(f"{span!r} opens and closes at the same time")
    return Opening(days, opens, closes)


def _clock(text: str, span: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    if hour > 23 or minute > 59:
        raise BadTerms(f"{text} in {span!r} is not a time of day")
    return time(hour, minute)


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone (``Africa/Nairobi``), else ``BadTerms``."""
    if name not in available_timezones():
        raise BadTerms(f"unknown time zone {name!r}; use a name such as Africa/Nairobi or America/Lima")
    return name


def shop_zone(shop: Hours, fallback: str = FALLBACK_ZONE) -> ZoneInfo:
    """The shop's time zone: its own, else its owner's country's, else ``fallback`` (UTC)."""
    name = shop.timezone or _zone_of_phone(shop.owner_phone) or fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_ZONE)


def _zone_of_phone(phone: str | None) -> str | None:
    try:
        zones = time_zones_for_number(parse_number(phone or "", None))
    except NumberParseException:
        return None
    return zones[0] if zones and zones[0] in available_timezones() else None


def _spans(openings: list[Opening], day: datetime) -> list[tuple[datetime, datetime]]:
    """The open spans (local time) starting on ``day``'s date."""
    found = []
    for opening in openings:
        if day.weekday() in opening.days:
            start = datetime.combine(day.date(), opening.opens, day.tzinfo)
            end = datetime.combine(day.date(), opening.closes, day.tzinfo)
            found.append((start, end if end > start else end + timedelta(days=1)))
    return found


def _openings(shop: Hours) -> list[Opening]:
    """The shop's openings; none (always open) for no hours, or hours stored before they were
    checked: a shop is never shut by a typo, and a hop never fails on one."""
    try:
        return parse_hours(shop.hours) if shop.hours else []
    except BadTerms:
        return []


def is_open(shop: Hours, now: datetime) -> bool:
    """Whether ``shop`` takes orders at ``now`` (aware). No hours: always open."""
    openings = _openings(shop)
    if not openings:
        return True
    local = now.astimezone(shop_zone(shop))
    return any(start <= local < end for offset in (-1, 0)
               for start, end in _spans(openings, local + timedelta(days=offset)))


def opens_next(shop: Hours, now: datetime) -> str | None:
    """When a closed ``shop`` opens next, as its door says: ``08:00`` today or tomorrow, else
    ``Mon 08:00``; None when it has no hours."""
    openings = _openings(shop)
    if not openings:
        return None
    local = now.astimezone(shop_zone(shop))
    for offset in range(WEEK + 1):
        day = local + timedelta(days=offset)
        starts = sorted(start for start, _ in _spans(openings, day) if start > local)
        if starts:
            first = starts[0]
            clock = first.strftime("%H:%M")
            return clock if offset <= 1 else f"{DAYS[first.weekday()].title()} {clock}"
    return None


@dataclass(frozen=True)
class Basket:
    """What an order of ``items_minor`` costs at a shop: the fee as its own line, the total, and
    how much is missing to reach the shop's minimum (0 when it is reached)."""

    items_minor: int
    fee_minor: int
    total_minor: int
    missing_minor: int


def basket(shop: Terms, items_minor: int, fulfilment: str) -> Basket:
    """The total for ``items_minor`` of ``shop``'s goods, delivered or picked up."""
    fee = int(shop.delivery_fee_minor or 0) if fulfilment == "delivery" else 0
    missing = max(0, int(shop.min_order_minor or 0) - items_minor)
    return Basket(items_minor, fee, items_minor + fee, missing)


def check_amount(minor: int, what: str) -> int:
    """``minor`` if it can be a fee or a minimum (0 or more), else ``BadTerms``."""
    if minor < 0:
        raise BadTerms(f"the {what} cannot be negative")
    return minor
