"""The catalog as screens read it: a per-process snapshot per shop, checked against versions.

A hop that only navigates must not touch the database, so the shops, categories and products a
screen lists come from memory. Each shop's catalog is loaded on first use (two indexed queries)
and kept while its version has not moved; the least recently used shops are let go beyond
``max_shops`` shops or ``max_products`` products held, so memory stays bounded whatever the size
of the whole catalog and of its largest shops. The versions come
from the caller (the hop reads them from Redis in the pipeline it sends anyway) and move whenever
``catalog_changes.catalog_changed`` is published; a snapshot also expires after ``max_age``
seconds, should a bump ever be lost.

Stock in a snapshot is for display ("sold out", how many one may pick): it is refreshed when an
item sells out, is restocked or runs low, and Confirm's conditional UPDATE stays the one
authority on whether the units are there.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gateway.commerce.models import Category, Product, Shop

EVERYTHING = "*"
DIRECTORY = "shops"
GENERATION = "gen"
Version = tuple[str, str, str]  # (its own counter, everything's, the generation of the versions)


class ShopView(NamedTuple):
    id: int
    number: int
    name: str
    currency: str
    active: bool
    town: str | None
    hours: str | None  # what ``shop_terms.is_open`` reads
    timezone: str | None
    owner_phone: str
    delivers: bool  # the rest of its terms: what checkout's summary prices with
    delivery_fee_minor: int
    min_order_minor: int


class CategoryView(NamedTuple):
    id: int
    name: str


class ProductView(NamedTuple):
    id: int
    shop_id: int
    category_id: int
    sku: str
    name: str
    price_minor: int
    currency: str
    stock: int
    active: bool
    search_name: str = ""  # ``search_keys.search_key`` of the name: what search compares


@dataclass(frozen=True)
class Directory:
    """Every shop by id, and the active ones in dialling order (with the towns they are in)."""

    open_shops: tuple[ShopView, ...]
    towns: tuple[str, ...]
    by_id: dict[int, ShopView]
    by_number: dict[int, ShopView]
    version: Version
    loaded_at: float


@dataclass(frozen=True)
class ShopCatalog:
    """One shop's categories (those with something for sale) and products."""

    shop_id: int
    categories: tuple[CategoryView, ...]
    category_names: dict[int, str]
    listed: dict[int, tuple[ProductView, ...]]  # on-sale products per category, by name
    products: dict[int, ProductView]  # every product of the shop, on sale or not
    version: Version
    loaded_at: float
    searchable: tuple[ProductView, ...] = ()  # on-sale products by search name, then id

    def search(self, key: str) -> list[ProductView]:
        """On-sale products whose search name starts with ``key`` (a ``search_key``), then those
        with a later word that does, each in search-name order: ``catalog.search_products``'s
        order for one shop, from memory."""
        later = " " + key
        starts = [p for p in self.searchable if p.search_name.startswith(key)]
        return starts + [p for p in self.searchable
                         if later in p.search_name and not p.search_name.startswith(key)]


_SHOPS = (select(Shop.id, Shop.number, Shop.name, Shop.currency, Shop.active, Shop.town, Shop.hours,
                 Shop.timezone, Shop.owner_phone, Shop.delivers, Shop.delivery_fee_minor,
                 Shop.min_order_minor).order_by(Shop.number))
_CATEGORIES = (select(Category.id, Category.name).where(Category.shop_id == bindparam("shop_id"))
               .order_by(Category.position, Category.name))
_PRODUCTS = (select(Product.id, Product.shop_id, Product.category_id, Product.sku, Product.name,
                    Product.price_minor, Product.currency, Product.stock, Product.active,
                    Product.search_name)
             .where(Product.shop_id == bindparam("shop_id")).order_by(Product.category_id, Product.name))
_CATEGORY_SHOP = select(Category.shop_id).where(Category.id == bindparam("id"))
_PRODUCT_SHOP = select(Product.shop_id).where(Product.id == bindparam("id"))


def load_directory(db: Session, version: Version) -> Directory:
    shops = [ShopView._make(row) for row in db.connection().execute(_SHOPS)]
    active = tuple(s for s in shops if s.active)
    return Directory(open_shops=active, towns=tuple(sorted({s.town for s in active if s.town})),
                     by_id={s.id: s for s in shops},
                     by_number={s.number: s for s in shops if s.active}, version=version,
                     loaded_at=time.monotonic())


def load_shop(db: Session, shop_id: int, version: Version) -> ShopCatalog:
    conn = db.connection()
    names = {cid: name for cid, name in conn.execute(_CATEGORIES, {"shop_id": shop_id})}
    products = [ProductView._make(row) for row in conn.execute(_PRODUCTS, {"shop_id": shop_id})]
    listed: dict[int, list[ProductView]] = {}
    for product in products:
        if product.active:
            listed.setdefault(product.category_id, []).append(product)
    return ShopCatalog(
        shop_id=shop_id,
        categories=tuple(CategoryView(cid, name) for cid, name in names.items() if cid in listed),
        category_names=names, listed={cid: tuple(rows) for cid, rows in listed.items()},
        products={p.id: p for p in products}, version=version, loaded_at=time.monotonic(),
        searchable=tuple(sorted((p for p in products if p.active), key=lambda p: (p.search_name, p.id))))


@dataclass
class CatalogCache:
    """The process's snapshots. Thread-safe; one per process (a Runtime holds it)."""

    max_shops: int = 512
    max_products: int = 50_000  # what bounds the memory: about 0.5 KB a product held
    max_age: float = 60.0
    epoch: str | None = None  # the catalog epoch the versions below were read at
    versions: dict[str, str] = field(default_factory=dict)
    _shops: OrderedDict[int, ShopCatalog] = field(default_factory=OrderedDict)
    _directory: Directory | None = None
    _category_shop: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _products: int = 0  # products in the snapshots held

    def is_current(self, epoch: str) -> bool:
        """Whether the versions held are those of ``epoch`` (else call ``refresh``)."""
        return epoch == self.epoch

    def refresh(self, epoch: str, versions: dict[str, str]) -> None:
        """Take the versions read at ``epoch``; drop every snapshot whose version moved."""
        with self._lock:
            self.epoch, self.versions = epoch, versions
            for shop_id in [s for s, snap in self._shops.items() if snap.version != self._version(str(s))]:
                self._evict(shop_id)
            if self._directory is not None and self._directory.version != self._version(DIRECTORY):
                self._directory = None

    def directory(self, db: Session) -> Directory:
        found = self._directory
        if found is None or time.monotonic() - found.loaded_at > self.max_age:
            found = self._directory = load_directory(db, self._version(DIRECTORY))
        return found

    def shop(self, db: Session, shop_id: int) -> ShopCatalog:
        """``shop_id``'s catalog (empty for a shop that does not exist)."""
        with self._lock:
            found = self._shops.get(shop_id)
            if found is not None and time.monotonic() - found.loaded_at <= self.max_age:
                self._shops.move_to_end(shop_id)
                return found
        found = load_shop(db, shop_id, self._version(str(shop_id)))
        with self._lock:
            self._evict(shop_id)
            self._shops[shop_id] = found
            self._products += len(found.products)
            self._category_shop.update((cid, shop_id) for cid in found.category_names)
            while len(self._shops) > 1 and (len(self._shops) > self.max_shops
                                            or self._products > self.max_products):
                self._evict(next(iter(self._shops)))  # the least recently used, never the one just read
        return found

    def shop_of_category(self, db: Session, category_id: int) -> int | None:
        shop_id = self._category_shop.get(category_id)
        if shop_id is None:
            shop_id = db.connection().execute(_CATEGORY_SHOP, {"id": category_id}).scalar()
        return shop_id

    def shop_of_product(self, db: Session, product_id: int) -> int | None:
        with self._lock:
            for shop_id, snap in self._shops.items():
                if product_id in snap.products:
                    return shop_id
        found: int | None = db.connection().execute(_PRODUCT_SHOP, {"id": product_id}).scalar()
        return found

    def forget(self, shop_id: int) -> None:
        """Drop ``shop_id``'s snapshot and the shops' list (its terms: fee, minimum, hours)
        whatever their versions: the next read loads them afresh."""
        with self._lock:
            self._evict(shop_id)
            self._directory = None

    def _version(self, name: str) -> Version:
        held = self.versions
        return held.get(name, "0"), held.get(EVERYTHING, "0"), held.get(GENERATION, "")

    def _evict(self, shop_id: int) -> None:
        gone = self._shops.pop(shop_id, None)
        if gone is not None:
            self._products -= len(gone.products)
            for cid in gone.category_names:
                self._category_shop.pop(cid, None)

    def size(self) -> dict[str, Any]:
        return {"shops": len(self._shops), "products": self._products}
