"""Helpers for journeys on the demo catalog: where things are on the keypad, and the records."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce.models import Order, Product
from gateway.core.runtime import Runtime
from menus.screens import REGISTRY, Ctx, Goto, Outcome, Screen

# The first screen lists the shops: Mama Njeri Groceries -> Vegetables -> Avocado (KSh 25, 60 in stock)
TO_AVOCADO = ("1", "1", "1")
# ... and for a customer with an order, whose first screen opens with "1. Order again"
AGAIN_TO_AVOCADO = ("2", "1", "1")
CHECKOUT = "1"  # on "Added": opens the summary (pick up and M-Pesa for a first order on +2547...)
CASH = ("3", "2")  # on the summary: Change payment -> cash (PAYMENT_METHODS = ("mpesa", "cash"))
MPESA = ("3", "1")
DELIVERY = ("2", "2")  # on the summary: Change delivery -> Delivery; a landmark comes next
# the first screen's extras
SEARCH, CART, ORDERS, LANGUAGE, HELP = "90", "91", "92", "93", "94"
REFERENCE = r"[A-HJ-NP-Z2-9]{5}"


@contextmanager
def records(rt: Runtime) -> Iterator[Session]:
    """A database session for looking at what the journey wrote."""
    db = rt.sessions()
    try:
        yield db
    finally:
        db.close()


def product_named(db: Session, name: str) -> Product:
    product = db.scalar(select(Product).where(Product.name == name))
    assert product is not None, name
    return product


def all_orders(db: Session) -> list[Order]:
    return list(db.scalars(select(Order).order_by(Order.id)))


@pytest.fixture(autouse=True)
def gotos_are_declared(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every journey in tests/menus also checks, hop by hop, that each Goto a screen returns is
    declared in its ``goes_to`` (the graph test reads the code; this watches it run)."""
    seen: list[tuple[str, str]] = []

    def watch(screen: Screen) -> None:
        original = screen.handle

        def handle(ctx: Ctx, answer: str) -> Outcome:
            outcome = original(ctx, answer)
            if isinstance(outcome, Goto):
                assert outcome.screen in screen.goes_to, f"{screen.name} -> {outcome.screen} is undeclared"
                seen.append((screen.name, outcome.screen))
            return outcome

        monkeypatch.setattr(screen, "handle", handle)

    for screen in REGISTRY.values():
        watch(screen)
    yield seen
