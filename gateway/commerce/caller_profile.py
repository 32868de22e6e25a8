"""What a dial remembers of its caller: the town they browse, and their last order as the home
screen's "Order again" line and checkout's remembered answers (pick-up or delivery, landmark, how
they paid).

It travels in the caller's card (read in the hop's first Redis pipeline) and in the dial's state,
so the home screen and checkout's questions cost a known caller no SQL. SQL is read only when the
card does not hold it (a new caller, a card written before it carried this, Redis lost it);
choosing a town and placing an order keep it up to date. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from gateway.commerce.models import Customer, Order
from gateway.commerce.reorder import last_order


@dataclass(frozen=True)
class LastOrder:
    """The customer's newest order as a dial needs it: its checkout answers, its first line's
    quantity and name and how many lines it has (``Order again: 2x Avocado +1``)."""

    fulfilment: str
    landmark: str | None
    payment_method: str
    first_qty: int
    first_name: str
    line_count: int

    @classmethod
    def of(cls, order: Order) -> LastOrder | None:
        """``order`` (its lines loaded or loadable) as remembered; None for an order without lines."""
        if not order.lines:
            return None
        first = order.lines[0]
        return cls(order.fulfilment, order.landmark, order.payment_method, first.qty, first.name,
                   len(order.lines))

    def to_list(self) -> list[Any]:
        return [self.fulfilment, self.landmark, self.payment_method, self.first_qty, self.first_name,
                self.line_count]

    @classmethod
    def from_list(cls, raw: list[Any]) -> LastOrder:
        how, landmark, method, qty, name, count = raw
        return cls(str(how), None if landmark is None else str(landmark), str(method), int(qty),
                   str(name), int(count))


@dataclass(frozen=True)
class CallerProfile:
    """The town the caller browses (None: not chosen) and their last order (None: they have none)."""

    town: str | None
    last_order: LastOrder | None

    def to_dict(self) -> dict[str, Any]:
        return {"town": self.town, "last": self.last_order.to_list() if self.last_order else None}

    @classmethod
    def from_dict(cls, raw: Any) -> CallerProfile | None:
        """The profile ``to_dict`` wrote; None for none (not known yet) or anything unreadable."""
        if not isinstance(raw, dict):
            return None
        try:
            last = raw["last"]
            town = raw["town"]
            return cls(None if town is None else str(town), LastOrder.from_list(last) if last else None)
        except (KeyError, TypeError, ValueError):
            return None


def read_profile(db: Session, customer: Customer) -> CallerProfile:
    """``customer``'s profile from SQL: their town, and their newest order (one indexed query, and
    one for its lines when there is one)."""
    order = last_order(db, customer.id)
    return CallerProfile(customer.town, LastOrder.of(order) if order is not None else None)


class DialCaller:
    """The caller's profile as a dial knows it: handed over from the dial's state (or the card),
    else read from SQL on first use, and kept in step with SQL by the writes made through it.

    ``known`` is what the hop hands on to the next one (None when nothing was read).
    """

    def __init__(self, db: Session, customer_id: int, profile: CallerProfile | None = None) -> None:
        self.db, self.customer_id, self._profile = db, customer_id, profile

    @property
    def profile(self) -> CallerProfile:
        if self._profile is None:
            customer = self.db.get(Customer, self.customer_id)
            assert customer is not None  # the dial's own customer: created on the first dial
            self._profile = read_profile(self.db, customer)
        return self._profile

    @property
    def known(self) -> CallerProfile | None:
        return self._profile

    @property
    def town(self) -> str | None:
        return self.profile.town

    @property
    def last_order(self) -> LastOrder | None:
        return self.profile.last_order

    def choose_town(self, town: str | None) -> None:
        """Remember the town whose shops the customer browses (None: ask again). The caller commits."""
        customer = self.db.get(Customer, self.customer_id)
        if customer is not None:
            customer.town = town
        self._profile = replace(self.profile, town=town)

    def remember_last_order(self, order: Order | None) -> None:
        """``order`` is the customer's newest (just placed, or just read from SQL; None: they have
        none any more): "Order again" offers it and checkout starts from its answers."""
        last = LastOrder.of(order) if order is not None else None
        self._profile = replace(self.profile, last_order=last)
