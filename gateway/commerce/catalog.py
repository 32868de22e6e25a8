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

from sqlalchemy import Integer, Row, and_, bindparam, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from gateway.commerce.catalog_snapshot import CatalogCache, CategoryView, ProductView, ShopView
from gateway.commerce.models import Category, Product, Shop
from gateway.commerce.search_keys import search_key

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


class CatalogReader:
    """What screens read of the catalog during one hop: answered from the process's snapshots
    (``catalog_snapshot.CatalogCache``), touching ``db`` only to load a shop not held yet.

    Without a cache (a script, a test building a screen context by hand) every hop loads afresh.
    Rows are read-only views (``ShopView``, ``ProductView``); load the model to change anything.
    """

    def __init__(self, db: Session, cache: CatalogCache | None = None) -> None:
        self.db = db
        self.cache = cache if cache is not None else CatalogCache(max_age=0.0)

    def list_shops(self, offset: int, limit: int, town: str | None = None) -> tuple[ShopView, ...]:
        """Active shops in dialling order; only ``town``'s (and those with no town) when given."""
        shops = self.cache.directory(self.db).open_shops
        if town:
            shops = tuple(s for s in shops if s.town in (town, None))
        return shops[offset: offset + limit]

    def list_towns(self) -> tuple[str, ...]:
        """The towns active shops are in, by name."""
        return self.cache.directory(self.db).towns

    def shop_by_number(self, number: int) -> ShopView | None:
        """The open shop a customer dials as ``number``."""
        return self.cache.directory(self.db).by_number.get(number)

    def get_shop(self, shop_id: int) -> ShopView | None:
        return self.cache.directory(self.db).by_id.get(shop_id)

    def shop_name(self, shop_id: int) -> str | None:
        shop = self.get_shop(shop_id)
        return shop.name if shop else None

    def list_categories(self, shop_id: int, offset: int, limit: int) -> tuple[CategoryView, ...]:
        """A shop's categories that have something for sale: ``(id, name)`` pairs."""
        return self.cache.shop(self.db, shop_id).categories[offset: offset + limit]

    def only_category(self, shop_id: int) -> int | None:
        """The shop's one category with something for sale, when it has exactly one."""
        rows = self.list_categories(shop_id, 0, 2)
        return int(rows[0][0]) if len(rows) == 1 else None

    def category_name(self, category_id: int) -> str | None:
        shop_id = self.cache.shop_of_category(self.db, category_id)
        return None if shop_id is None else self.cache.shop(self.db, shop_id).category_names.get(category_id)

    def list_products(self, category_id: int, offset: int, limit: int) -> tuple[ProductView, ...]:
        """On-sale products of a category, by name."""
        shop_id = self.cache.shop_of_category(self.db, category_id)
        if shop_id is None:
            return ()
        return self.cache.shop(self.db, shop_id).listed.get(category_id, ())[offset: offset + limit]

    def search_shop(self, shop_id: int, typed: str, offset: int, limit: int) -> list[ProductView]:
        """``search_products`` for one shop, from its snapshot: on-sale products whose name (or a
        later word of it) starts with what the customer typed; none when the shop is closed down."""
        shop, key = self.get_shop(shop_id), search_key(typed)
        if shop is None or not shop.active or not key:
            return []
        return self.cache.shop(self.db, shop_id).search(key)[offset: offset + limit]

    def read_again(self, shop_id: int | None) -> None:
        """Forget ``shop_id``'s snapshot: the next read loads it from SQL (Confirm found a price
        that SQL no longer has; a version bump may have been lost)."""
        if shop_id is not None:
            self.cache.forget(shop_id)

    def get_product(self, product_id: int, shop_id: int | None = None) -> ProductView | None:
        """The product (on sale or not), or None. ``shop_id`` is where to look first (the shop the
        dial is in); a product of another shop is found all the same."""
        if shop_id is not None:
            found = self.cache.shop(self.db, shop_id).products.get(product_id)
            if found is not None:
                return found
        owner = self.cache.shop_of_product(self.db, product_id)
        return None if owner is None else self.cache.shop(self.db, owner).products.get(product_id)
def _folded(db: Session) -> Any:
    """``search_name`` compared byte by byte, as its btree is built (SQLite's default; PostgreSQL's
    ``COLLATE "C"``), so a prefix is one index range, already in the order the list shows."""
    if db.get_bind().dialect.name == "postgresql":
        return Product.search_name.collate("C")
    return Product.search_name


def _starts(db: Session, key: str) -> Any:
    """``search_name`` starts with ``key``: the range [key, key with its last letter bumped)."""
    folded = _folded(db)
    return and_(folded >= key, folded < key[:-1] + chr(ord(key[-1]) + 1))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_products(db: Session, typed: str, shop_id: int | None, offset: int,
                    limit: int, town: str | None = None) -> list[Row[Any]]:
    """Visible products whose name matches what the customer typed, in any case and without accents:
    names that start with it first, then names with a later word that starts with it, each by name.
    Rows of ``(id, name, price_minor, currency, stock)``, one shop's or every open shop's (only
    ``town``'s and those with no town when ``town`` is given, as the first screen lists them).

    Both go through ``products.search_name`` (``search_key`` of the name): its btree answers the
    first (one range, in order); pg_trgm's GIN index the second on PostgreSQL, while SQLite reads
    the shop's products, or the table when searching every shop.
    """
    key = search_key(typed)
    if not key:
        return []
    starts = _starts(db, key)
    later_word = and_(Product.search_name.like("% " + _like_escape(key) + "%", escape="\\"), not_(starts))
    first = _matching(db, starts, shop_id, town).offset(offset).limit(limit)
    rows = list(db.connection().execute(first).all())
    if len(rows) == limit:
        return rows
    skip = max(0, offset - _count(db, starts, shop_id, town)) if not rows else 0
    then = _matching(db, later_word, shop_id, town).offset(skip).limit(limit - len(rows))
    return rows + list(db.connection().execute(then).all())


def _matching(db: Session, condition: Any, shop_id: int | None, town: str | None = None) -> Any:
    query = (select(Product.id, Product.name, Product.price_minor, Product.currency, Product.stock)
             .join(Shop, Shop.id == Product.shop_id)
             .where(Product.active.is_(True), Shop.active.is_(True), condition)
             .order_by(_folded(db), Product.id))  # the btree's own order: no sort of every match
    if town and shop_id is None:
        query = query.where(or_(Shop.town == town, Shop.town.is_(None)))
    return query.where(Product.shop_id == shop_id) if shop_id is not None else query


def _count(db: Session, condition: Any, shop_id: int | None, town: str | None = None) -> int:
    found = _matching(db, condition, shop_id, town).order_by(None).subquery()
    return int(db.connection().execute(select(func.count()).select_from(found)).scalar() or 0)


def only_category(db: Session, shop_id: int) -> int | None:
    """The shop's one category with something for sale, when it has exactly one (its screen is skipped)."""
    rows = list_categories(db, shop_id, 0, 2)
    return int(rows[0].id) if len(rows) == 1 else None
