"""Catalog writes, noted inside a transaction and published once it commits.

Every screen reads the catalog from a per-process snapshot (``catalog_snapshot``); a snapshot is
good while its shop's catalog version has not moved. This module is the one place that says a
shop's catalog changed: ``catalog_changed(db, shop_id)`` records it on the session, and the
unit-of-work edge (the session's ``after_commit``) hands what was recorded to the publisher the
process installed (``install_publisher``: the runtime bumps versions in Redis). A transaction that
rolls back publishes nothing. The domain stays free of Redis: a publisher is a plain callable.

Writes are found in two ways, so a new write path cannot forget the bump:

- ORM changes to a ``Shop``, ``Category`` or ``Product`` are noticed at flush (console edits, the
  CSV import, PRICE/OFF/ON by SMS).
- A Core ``UPDATE``/``INSERT``/``DELETE`` on those tables counts as a change to every shop, unless
  it carries ``execution_options(catalog_noted=True)`` because its caller called
  ``catalog_changed`` for the shops it touches (selling and restocking do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from gateway.commerce.models import Category, Product, Shop

CHANGES = "bodega_catalog_changes"
PUBLISHER = "bodega_catalog_publisher"
CATALOG_TABLES = frozenset({"shops", "categories", "products"})
NOTED = "catalog_noted"


@dataclass
class CatalogChanges:
    """What one transaction changed: some shops' catalogs, the shop list, or everything."""

    shops: set[int] = field(default_factory=set)
    directory: bool = False  # the list of open shops (names, numbers, open or closed)
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.shops or self.directory or self.everything)


Publisher = Callable[[CatalogChanges], None]


def catalog_changed(db: Session, shop_id: int | None, *, directory: bool = False) -> None:
    """Note that ``shop_id``'s catalog (or, with ``None``, every shop's) changes in this transaction.

    Nothing is published until ``db`` commits; call it before or after the write, inside it.
    """
    changes: CatalogChanges = db.info.setdefault(CHANGES, CatalogChanges())
    if shop_id is None:
        changes.everything = True
    else:
        changes.shops.add(shop_id)
    changes.directory = changes.directory or directory


def install_publisher(info: dict[str, Any], publish: Publisher) -> None:
    """Make sessions built with ``info`` (``sessionmaker(info=...)``) publish their changes."""
    info[PUBLISHER] = publish


@event.listens_for(Session, "after_flush")
def _note_orm_writes(db: Session, _flush: UOWTransaction) -> None:
    for obj in (*db.new, *db.dirty, *db.deleted):
        if isinstance(obj, Product | Category):
            catalog_changed(db, obj.shop_id)
        elif isinstance(obj, Shop):
            catalog_changed(db, obj.id, directory=True)


@event.listens_for(Session, "do_orm_execute")
def _note_core_writes(state: ORMExecuteState) -> None:
    if state.is_select or state.execution_options.get(NOTED):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in CATALOG_TABLES:
        catalog_changed(state.session, None, directory=True)


@event.listens_for(Session, "after_commit")
def _publish(db: Session) -> None:
    if db.in_nested_transaction():  # a savepoint released: the transaction is still open
        return
    changes: CatalogChanges | None = db.info.pop(CHANGES, None)
    publish: Publisher | None = db.info.get(PUBLISHER)
    if changes and publish is not None:
        publish(changes)


@event.listens_for(Session, "after_soft_rollback")
def _forget(db: Session, previous: Any) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint inside it
        db.info.pop(CHANGES, None)
