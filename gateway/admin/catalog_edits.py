"""Editing shops and products from the console, with an audit entry for every change.

Functions take a Session and never commit. Prices are typed as decimals in the shop's currency
and stored in minor units, as the CSV import does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.admin.listings import Page, paginate
from gateway.commerce import shop_stock
from gateway.commerce.models import AuditEntry, Category, Product, Shop
from gateway.commerce.money import precision, to_minor
from gateway.core.text import as_number

CHANNEL = "admin"
Change = Callable[[Session, Product, Any, str, str], object]  # a shop_stock move


@dataclass(frozen=True)
class ShopRow:
    shop: Shop
    products: int
    hidden: int


def shops(db: Session) -> list[ShopRow]:
    counts = dict(db.execute(select(Product.shop_id, func.count()).group_by(Product.shop_id)).all())
    hidden = dict(db.execute(select(Product.shop_id, func.count()).where(Product.active.is_(False))
                             .group_by(Product.shop_id)).all())
    return [ShopRow(s, counts.get(s.id, 0), hidden.get(s.id, 0))
            for s in db.scalars(select(Shop).order_by(Shop.number))]


def products(db: Session, shop_id: int | None, search: str, page: int) -> Page[Product]:
    query = select(Product).order_by(Product.shop_id, Product.name, Product.id)
    if shop_id is not None:
        query = query.where(Product.shop_id == shop_id)
    if search:
        like = f"%{search.lower()}%"
        query = query.where(func.lower(Product.name).like(like) | func.lower(Product.sku).like(like))
    return paginate(db, query, page)


def low_stock(db: Session, shop_id: int | None, threshold: int,
              per_shop: int = 8) -> dict[int, list[Product]]:
    """Shown products with ``threshold`` or fewer left, per shop (fewest first, ``per_shop`` each)."""
    query = (select(Product).where(Product.active.is_(True), Product.stock <= threshold)
             .order_by(Product.shop_id, Product.stock, Product.name).limit(500))
    if shop_id is not None:
        query = query.where(Product.shop_id == shop_id)
    panels: dict[int, list[Product]] = {}
    for product in db.scalars(query):
        rows = panels.setdefault(product.shop_id, [])
        if len(rows) < per_shop:
            rows.append(product)
    return panels


def category_names(db: Session) -> dict[int, str]:
    return dict(db.execute(select(Category.id, Category.name)).all())


def price_text(minor: int, currency: str) -> str:
    """Minor units as the decimal a person types (``1250, KES`` -> ``12.50``)."""
    digits = precision(currency)
    if not digits:
        return str(minor)
    whole, cents = divmod(minor, 10 ** digits)
    return f"{whole}.{cents:0{digits}d}"


def _audit(db: Session, shop_id: int | None, actor: str, action: str, subject: str, detail: str) -> None:
    db.add(AuditEntry(shop_id=shop_id, actor=actor[:60], channel=CHANNEL, action=action,
                      subject=subject[:80], detail=detail[:300]))


def edit_product(db: Session, product: Product, name: str, price: str, stock: str,
                 actor: str) -> list[str]:
    """Apply a name / price / stock edit through the shop's own catalog moves
    (``gateway.commerce.shop_stock``, which holds the rules and audits each change); returns the
    problems, and nothing changes when there is any."""
    problems: list[str] = []
    new_price: int | None = None
    try:
        new_price = to_minor(price, product.currency)
    except ValueError as exc:
        problems.append(str(exc))
    units = as_number(stock.strip())
    if units is None:
        problems.append(f"stock {stock.strip()!r} is not a whole number from 0 to {shop_stock.MAX_STOCK}")
    changes: list[tuple[Change, object, object]] = [
        (shop_stock.rename, name.strip(), product.name),
        (shop_stock.set_price, new_price, product.price_minor),
        (shop_stock.set_stock, units, product.stock)]
    with db.begin_nested() as savepoint:
        for change, new, old in changes:
            if new is not None and new != old:
                try:
                    change(db, product, new, actor, CHANNEL)
                except ValueError as exc:
                    problems.append(str(exc))
        if problems:
            savepoint.rollback()
    return problems


def set_product_visible(db: Session, product: Product, visible: bool, actor: str) -> None:
    """Show or hide ``product`` (audited, as a shop's ON/OFF by SMS); nothing when it already is."""
    if product.active != visible:
        shop_stock.set_on_sale(db, product, visible, actor, CHANNEL)


def set_shop_active(db: Session, shop: Shop, active: bool, actor: str) -> None:
    if shop.active != active:
        shop.active = active
        _audit(db, shop.id, actor, "shop.open" if active else "shop.close", shop.name, "")
        db.flush()
