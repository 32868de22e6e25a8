"""A shop's own catalog changes: stock, price, name and visibility, each one audited, whether a
shop owner texts them (``channel="sms"``) or an admin edits them in the console (``"admin"``).

Products are found by SKU among the sender's shops, forgiving case and punctuation
(``s1 001`` finds ``S1-001``). Every change writes an ``AuditEntry`` with the actor (the sender's
number, or ``admin:<name>``) and the channel. Functions here never commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.commerce.catalog_changes import catalog_changed
from gateway.commerce.models import AuditEntry, Product

CHANNEL = "sms"
MAX_STOCK = 1_000_000


def sku_key(sku: str) -> str:
    """``"s1-001"`` -> ``"S1001"``: what two spellings of one SKU have in common."""
    return "".join(ch for ch in sku.upper() if ch.isalnum())


def find_products(db: Session, shop_ids: Sequence[int], typed_sku: str) -> list[Product]:
    """Products of ``shop_ids`` whose SKU is ``typed_sku`` (case-insensitive; else ignoring
    punctuation). One per shop at most; several when the sender runs shops sharing a SKU."""
    if not shop_ids or not typed_sku.strip():
        return []
    exact = list(db.scalars(select(Product).where(
        Product.shop_id.in_(shop_ids), func.upper(Product.sku) == typed_sku.strip().upper())
        .order_by(Product.shop_id)))
    if exact:
        return exact
    wanted = sku_key(typed_sku)
    candidates = db.scalars(select(Product).where(Product.shop_id.in_(shop_ids)).order_by(Product.shop_id))
    return [p for p in candidates if sku_key(p.sku) == wanted] if wanted else []


def _audit(db: Session, product: Product, actor: str, action: str, detail: str,
           channel: str = CHANNEL) -> AuditEntry:
    entry = AuditEntry(shop_id=product.shop_id, actor=actor[:60], channel=channel, action=action,
                       subject=f"product {product.sku}"[:80], detail=detail[:300])
    db.add(entry)
    db.flush()
    return entry


def set_stock(db: Session, product: Product, qty: int, actor: str, channel: str = CHANNEL) -> int:
    """Set ``product``'s stock to ``qty`` (0..MAX_STOCK, else ``ValueError``); returns the old count."""
    if not 0 <= qty <= MAX_STOCK:
        raise ValueError(f"stock must be 0..{MAX_STOCK}")
    db.refresh(product, ["stock"])
    old = product.stock
    db.execute(update(Product).where(Product.id == product.id).values(stock=qty)
               .execution_options(catalog_noted=True))
    catalog_changed(db, product.shop_id)
    db.refresh(product, ["stock"])
    _audit(db, product, actor, "stock.set", f"{old} -> {qty}", channel)
    return old


def set_price(db: Session, product: Product, price_minor: int, actor: str, channel: str = CHANNEL) -> int:
    """Set ``product``'s unit price (minor units, > 0, else ``ValueError``); returns the old price.

    Orders already placed keep the price they were placed at (their lines hold it).
    """
    if price_minor <= 0:
        raise ValueError("price must be more than zero")
    old = product.price_minor
    product.price_minor = price_minor
    _audit(db, product, actor, "price.set", f"{old} -> {price_minor} {product.currency}", channel)
    return old


def set_on_sale(db: Session, product: Product, on_sale: bool, actor: str, channel: str = CHANNEL) -> bool:
    """Show (``True``) or hide ``product`` from customers; returns whether it was shown before."""
    before = product.active
    product.active = on_sale
    action = "product.show" if on_sale else "product.hide"
    _audit(db, product, actor, action, f"{before} -> {on_sale}", channel)
    return before


NAME_MAX = 120


def rename(db: Session, product: Product, name: str, actor: str, channel: str = CHANNEL) -> str:
    """Give ``product`` a new name (1 to ``NAME_MAX`` characters, else ``ValueError``); returns
    the old one. Order lines keep the name they were placed under."""
    name = name.strip()
    if not 0 < len(name) <= NAME_MAX:
        raise ValueError(f"name must be 1 to {NAME_MAX} characters")
    old = product.name
    product.name = name
    _audit(db, product, actor, "product.rename", f"{old} -> {name}", channel)
    return old
