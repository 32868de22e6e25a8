"""Reading the catalog for screens: shops, categories and products, a window at a time.

Every listing is an indexed query with OFFSET/LIMIT over one shop or category, so its cost does
not grow with the size of the whole catalog.

The listings and names a screen shows on every hop are prebuilt Core statements run on the
session's connection and return plain rows (``row.id``, ``row.name`` ...): no ORM instances, no
statement building per call. On this hot path that is about a fifth of the ORM's CPU cost.
Rows are read-only; load the model (``get_product``) to change anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Row, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from gateway.commerce.models import Category, Product, Shop

_OFFSET, _LIMIT = bindparam("offset", type_=Integer), bindparam("limit", type_=Integer)
_SHOPS = (select(Shop.id, Shop.name, Shop.hours, Shop.timezone, Shop.owner_phone)
          .where(Shop.active.is_(True)).order_by(Shop.number).offset(_OFFSET).limit(_LIMIT))
# A town's list also holds the shops that name no town (they serve everywhere).
_TOWN_SHOPS = _SHOPS.where(or_(Shop.town == bindparam("town"), Shop.town.is_(None)))
_TOWNS = (select(Shop.town).where(Shop.active.is_(True), Shop.town.is_not(None)).distinct()
          .order_by(Shop.town))
_CATEGORIES = (select(Category.id, Category.name)
               .where(Category.shop_id == bindparam("shop_id"),
                      exists().where(Product.category_id == Category.id, Product.active.is_(True)))
               .order_by(Category.position, Category.name)
               .offset(_OFFSET).limit(_LIMIT))
_PRODUCTS = (select(Product.id, Product.name, Product.price_minor, Product.currency, Product.stock)
             .where(Product.category_id == bindparam("category_id"), Product.active.is_(True))
             .order_by(Product.name).offset(_OFFSET).limit(_LIMIT))
_SHOP_NAME = select(Shop.name).where(Shop.id == bindparam("id"))
_SHOP = select(Shop).where(Shop.id == bindparam("id"))
_SHOP_BY_NUMBER = select(Shop).where(Shop.number == bindparam("number"), Shop.active.is_(True))
_PRODUCT = select(Product).where(Product.id == bindparam("id"))
_CATEGORY_NAME = select(Category.name).where(Category.id == bindparam("id"))


def _rows(db: Session, statement: Any, **params: Any) -> Sequence[Row[Any]]:
    return db.connection().execute(statement, params).all()


def list_shops(db: Session, offset: int, limit: int, town: str | None = None) -> Sequence[Row[Any]]:
    """Active shops in dialling order: rows of ``(id, name, hours, timezone, owner_phone)`` (what
    ``shop_terms.is_open`` needs to mark a shop closed in the list); only ``town``'s (and those with
    no town) when it is given."""
    if town:
        return _rows(db, _TOWN_SHOPS, offset=offset, limit=limit, town=town)
    return _rows(db, _SHOPS, offset=offset, limit=limit)


def list_towns(db: Session) -> list[str]:
    """The towns active shops are in, by name (a short list: one row per town, not per shop)."""
    return [str(town) for town in db.connection().execute(_TOWNS).scalars()]


def list_categories(db: Session, shop_id: int, offset: int, limit: int) -> Sequence[Row[Any]]:
    """Categories of a shop that have at least one visible product: rows of ``(id, name)``."""
    return _rows(db, _CATEGORIES, shop_id=shop_id, offset=offset, limit=limit)


def list_products(db: Session, category_id: int, offset: int, limit: int) -> Sequence[Row[Any]]:
    """Visible products of a category by name: rows of ``(id, name, price_minor, currency, stock)``."""
    return _rows(db, _PRODUCTS, category_id=category_id, offset=offset, limit=limit)


def shop_name(db: Session, shop_id: int) -> str | None:
    name: str | None = db.connection().execute(_SHOP_NAME, {"id": shop_id}).scalar()
    return name


def category_name(db: Session, category_id: int) -> str | None:
    name: str | None = db.connection().execute(_CATEGORY_NAME, {"id": category_id}).scalar()
    return name


def shop_by_number(db: Session, number: int) -> Shop | None:
    shop: Shop | None = db.scalar(_SHOP_BY_NUMBER, {"number": number})
    return shop


def get_shop(db: Session, shop_id: int) -> Shop | None:
    shop: Shop | None = db.scalar(_SHOP, {"id": shop_id})
    return shop


def get_product(db: Session, product_id: int) -> Product | None:
    """The product, read afresh (a prebuilt select: cheaper than ``db.get`` once the identity map
    has let go of it, which in a hop it usually has)."""
    product: Product | None = db.scalar(_PRODUCT, {"id": product_id})
    return product

