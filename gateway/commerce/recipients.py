"""Who hears about an order, as plain values: the customer's number and language, the shop's name
and the numbers that run it.

Read from an order's relationships (``Recipients.of``), or by Confirm from the one query that
reads the cart, so placing an order builds no customer, shop or contact objects just to text them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from gateway.commerce.models import Order


class Contact(NamedTuple):
    """A number to text and the language it reads (None: not known yet)."""

    phone: str
    language: str | None


@dataclass(frozen=True, slots=True)
class Recipients:
    customer: Contact
    shop_name: str
    shop_contacts: tuple[Contact, ...]

    @classmethod
    def of(cls, order: Order) -> Recipients:
        return cls(Contact(order.customer.phone, order.customer.language), order.shop.name,
                   tuple(Contact(c.phone, c.language) for c in order.shop.contacts))
