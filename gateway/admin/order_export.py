"""The orders list as a CSV file: the same filters and shop scope as the page, every row.

Phones stay masked as on screen. Cells that a spreadsheet would run as a formula (starting with
``= + - @``, a tab or a carriage return) are prefixed with ``'`` (OWASP's CSV-injection advice):
landmarks and product names come from customers and shop owners.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import tzinfo
from decimal import Decimal

from sqlalchemy.orm import Session, selectinload

from gateway.admin.formatting import when
from gateway.admin.listings import Filters, orders_query
from gateway.commerce.models import Order
from gateway.commerce.money import precision
from gateway.core.phone import mask

HEADER = ["reference", "placed", "shop", "customer", "status", "total", "currency", "payment",
          "fulfilment", "landmark", "items"]
MAX_ROWS = 100_000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """``value``, made inert for a spreadsheet when it would start a formula."""
    return "'" + value if value.startswith(_FORMULA) else value


def amount(minor: int, currency: str) -> str:
    """``36000, "KES"`` -> ``360.00``: a plain decimal a spreadsheet sums."""
    return str(Decimal(minor).scaleb(-precision(currency)))


def order_row(order: Order, zone: tzinfo) -> list[str]:
    items = "; ".join(f"{line.qty}x {line.name}" for line in order.lines)
    cells = [order.reference, when(order.created_at, True, zone), order.shop.name, mask(order.customer.phone),
             order.status, amount(order.total_minor, order.currency), order.currency,
             order.payment_method, order.fulfilment, order.landmark or "", items]
    return [safe_cell(cell) for cell in cells]


def export_orders(sessions: Callable[[], Session], f: Filters, shop_scope: int | None) -> Iterator[str]:
    """The CSV text in chunks: a header, then each matching order, newest first.

    Reads on its own session, closed when the download ends or is abandoned, so a slow client
    never holds the request's transaction open.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    query = (orders_query(f, shop_scope).limit(MAX_ROWS)
             .options(selectinload(Order.customer), selectinload(Order.shop), selectinload(Order.lines)))
    db = sessions()
    try:
        for count, order in enumerate(db.scalars(query.execution_options(yield_per=500)), start=1):
            writer.writerow(order_row(order, f.zone))
            if count % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
    finally:
        db.close()
