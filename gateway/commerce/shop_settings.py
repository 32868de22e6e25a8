"""Changing a shop's town, delivery terms and hours, from the CLI or the console.

``TermsChange`` holds what was typed (prices as the shop writes them, ``50`` or ``1,950.00``);
``update_terms`` checks all of it before changing anything (hours that do not parse, an unknown
time zone, a negative fee: ``BadTerms``, nothing changed), then applies it and writes one audit
entry. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gateway.commerce.models import AuditEntry, Shop
from gateway.commerce.money import BadPrice, format_money, to_minor
from gateway.commerce.shop_terms import BadTerms, check_amount, check_timezone, parse_hours

TOWN_MAX = 60


@dataclass(frozen=True)
class TermsChange:
    """What to change; None leaves a field as it is. ``hours=""`` means always open."""

    town: str | None = None
    delivers: bool | None = None
    delivery_fee: str | None = None
    min_order: str | None = None
    hours: str | None = None
    timezone: str | None = None


def _amount(typed: str, currency: str, what: str) -> int:
    try:
        return check_amount(to_minor(typed, currency), what)
    except BadPrice as exc:
        raise BadTerms(f"{what}: {exc}") from exc


def checked_values(shop: Shop, change: TermsChange) -> dict[str, Any]:
    """The column values ``change`` sets on ``shop``, all checked; ``BadTerms`` says what is wrong."""
    values: dict[str, Any] = {}
    if change.town is not None:
        town = " ".join(change.town.split())
        if len(town) > TOWN_MAX:
            raise BadTerms(f"a town name is at most {TOWN_MAX} characters")
        values["town"] = town or None
    if change.delivers is not None:
        values["delivers"] = change.delivers
    if change.delivery_fee is not None:
        values["delivery_fee_minor"] = _amount(change.delivery_fee, shop.currency, "delivery fee")
    if change.min_order is not None:
        values["min_order_minor"] = _amount(change.min_order, shop.currency, "minimum order")
    if change.hours is not None:
        hours = " ".join(change.hours.split())
        if hours:
            parse_hours(hours)
        values["hours"] = hours or None
    if change.timezone is not None:
        values["timezone"] = check_timezone(change.timezone.strip()) if change.timezone.strip() else None
    return values


def update_terms(db: Session, shop: Shop, change: TermsChange, actor: str, channel: str) -> dict[str, Any]:
    """Apply ``change`` to ``shop`` once every part of it is valid; returns what changed (audited
    as ``shop.terms``). Raises ``BadTerms`` with nothing changed."""
    values = checked_values(shop, change)
    changed = {name: value for name, value in values.items() if getattr(shop, name) != value}
    for name, value in changed.items():
        setattr(shop, name, value)
    if changed:
        detail = ", ".join(f"{name}={value}" for name, value in changed.items())
        db.add(AuditEntry(shop_id=shop.id, actor=actor[:60], channel=channel, action="shop.terms",
                          subject=f"shop {shop.number}", detail=detail[:300]))
        db.flush()
    return changed


def describe_terms(shop: Shop) -> str:
    """One line for people: ``town Kasarani, delivery KSh 50, minimum KSh 200, hours ...``."""
    delivery = (f"delivery {format_money(shop.delivery_fee_minor, shop.currency)}" if shop.delivers
                else "no delivery")
    parts = [f"town {shop.town or '-'}", delivery,
             f"minimum {format_money(shop.min_order_minor, shop.currency)}",
             f"hours {shop.hours or 'always open'}", f"time zone {shop.timezone or 'from the phone'}"]
    return ", ".join(parts)

