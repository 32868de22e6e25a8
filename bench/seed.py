"""Generated data for the benchmark: a catalog of any size, customers, and an old session log.

Rows go in with Core ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), so a million logged hops
take seconds, not minutes. Every product has effectively unlimited stock, so a long run never
turns into a run of "sold out" screens. Phones are ``+2547100000000 + n`` (valid Kenyan numbers).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, insert

from gateway.commerce.models import Category, Customer, Product, Shop, UssdHop, UssdSession
from gateway.commerce.search_keys import search_key

PHONE_BASE = 254_710_000_000
STOCK = 1_000_000_000
CATEGORY_NAMES = ("Vegetables", "Grains", "Dairy", "Drinks", "Household", "Snacks", "Bakery", "Fruit")
WORDS = ("Fresh", "Local", "Big", "Small", "Red", "Green", "Sweet", "Dry", "Family", "Daily")


@dataclass(frozen=True)
class CatalogShape:
    """``shops`` x ``categories`` (per shop) x ``per_category`` products."""

    shops: int
    categories: int
    per_category: int

    @property
    def products(self) -> int:
        return self.shops * self.categories * self.per_category


SMALL = CatalogShape(shops=5, categories=4, per_category=5)  # 100 products
LARGE = CatalogShape(shops=500, categories=5, per_category=40)  # 100,000 products


def phone(n: int) -> str:
    """The benchmark's n-th customer phone number (E.164)."""
    return f"+{PHONE_BASE + n}"


def seed_catalog(engine: Engine, shape: CatalogShape) -> None:
    """Insert ``shape``'s shops, categories and products (ids start at 1, in order)."""
    now = datetime.now(UTC)
    shops = [{"id": s, "number": s, "name": f"Shop {s:04d}", "currency": "KES",
              "owner_phone": phone(9_000_000 + s), "pin_hash": None, "active": True,
              "summary_enabled": False, "created_at": now} for s in range(1, shape.shops + 1)]
    categories = []
    products = []
    for shop in range(1, shape.shops + 1):
        for c in range(shape.categories):
            cat_id = (shop - 1) * shape.categories + c + 1
            categories.append({"id": cat_id, "shop_id": shop, "position": c,
                               "name": CATEGORY_NAMES[c % len(CATEGORY_NAMES)]})
            for p in range(shape.per_category):
                pid = (cat_id - 1) * shape.per_category + p + 1
                word = WORDS[(pid * 7) % len(WORDS)]
                name = f"{word} item {pid}"
                products.append({"id": pid, "shop_id": shop, "category_id": cat_id, "sku": f"P{pid}",
                                 "name": name, "search_name": search_key(name),  # COPY sets no defaults
                                 "price_minor": 500 + (pid % 97) * 100,
                                 "currency": "KES", "stock": STOCK, "active": True, "updated_at": now})
    _bulk(engine, Shop.__table__, shops)
    _bulk(engine, Category.__table__, categories)
    _bulk(engine, Product.__table__, products)


def seed_customers(engine: Engine, count: int) -> None:
    """``count`` customers with phones ``phone(0)`` .. ``phone(count - 1)``."""
    now = datetime.now(UTC)
    rows = ({"id": n + 1, "phone": phone(n), "language": "en", "created_at": now} for n in range(count))
    _bulk(engine, Customer.__table__, rows)


def seed_session_log(engine: Engine, hops: int, customers: int, hops_per_dial: int = 7) -> None:
    """``hops`` logged hops (and their dials) from the past 30 days, as the worker would write them."""
    rng = random.Random(6)
    start = datetime.now(UTC) - timedelta(days=30)
    dials = -(-hops // hops_per_dial)
    sessions = []

    def hop_rows() -> Iterator[dict[str, Any]]:
        for d in range(dials):
            at = start + timedelta(seconds=d * 2.5)
            who = phone(rng.randrange(max(customers, 1)))
            sid = f"ATUid_old_{d:09d}"
            for seq in range(1, min(hops_per_dial, hops - d * hops_per_dial) + 1):
                yield {"session_id": sid, "seq": seq, "phone": who, "screen": "shop.products",
                       "input": "1", "reply": "Vegetables\n1. Fresh item 1 - KES 5\n0 Back", "ms": 2.5,
                       "at": at + timedelta(seconds=seq * 3)}

    for d in range(dials):
        sessions.append({"session_id": f"ATUid_old_{d:09d}", "phone": phone(d % max(customers, 1)),
                         "hops": hops_per_dial, "last_screen": "shop.added", "furthest_step": "cart",
                         "status": "Success", "started_at": start + timedelta(seconds=d * 2.5)})
    _bulk(engine, UssdSession.__table__, sessions)
    _bulk(engine, UssdHop.__table__, hop_rows())


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics after a bulk load, as a DBA would."""
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def _bulk(engine: Engine, table: Any, rows: Iterable[dict[str, Any]], chunk: int = 20_000) -> None:
    if engine.dialect.name == "postgresql":
        _copy(engine, table, rows)
        return
    with engine.begin() as conn:
        for batch in _chunks(rows, chunk):
            conn.execute(insert(table), batch)
    _bump_sequence(engine, table)


def _copy(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN``; then move the id sequence past the copied ids."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    columns = list(first)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
            copy.write_row([first[c] for c in columns])
            for row in iterator:
                copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()
    _bump_sequence(engine, table)


def _bump_sequence(engine: Engine, table: Table) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)")


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
