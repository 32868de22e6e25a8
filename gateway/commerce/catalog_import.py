"""Catalog import from CSV: all rows valid or nothing imported; upsert by (shop, sku).

Header: ``shop,owner_phone,category,sku,name,price,stock[,currency][,town]``. Price is a decimal in
the shop's currency; a row's currency, when given, must be that currency (a new shop takes its first
row's). A row's ``town``, when given, sets the shop's town (customers pick a town first). Used by
the CLI and by the admin console's upload, with the same validation; both read
the file with ``catalog_file`` (Excel's encodings and separators).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.commerce.catalog_file import catalog_rows
from gateway.commerce.models import Category, Product, Shop, ShopContact
from gateway.commerce.money import is_known_currency, to_minor
from gateway.commerce.shop_settings import TOWN_MAX
from gateway.core.errors import BadRequest
from gateway.core.phone import to_e164

REQUIRED = ["shop", "owner_phone", "category", "sku", "name", "price", "stock"]


@dataclass(frozen=True)
class CatalogRow:
    line: int
    shop: str
    owner_phone: str
    category: str
    sku: str
    name: str
    price_minor: int
    stock: int
    currency: str
    town: str = ""


@dataclass
class ImportReport:
    rows: list[CatalogRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shops_created: int = 0
    products_created: int = 0
    products_updated: int = 0


def parse_catalog(db: Session, text: str, default_currency: str, region: str) -> ImportReport:
    """Validate every row against the shops already on ``db`` (read only); ``report.errors`` lists
    each bad line number with its reason."""
    report = ImportReport()
    reader = catalog_rows(text)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        report.errors.append(f"line 1: header lacks {', '.join(missing)}")
        return report
    reader.fieldnames = header
    currencies = {name: currency for name, currency in db.execute(select(Shop.name, Shop.currency))}
    for number, raw in enumerate(reader, start=2):
        row, problems = _parse_row(number, raw, currencies, default_currency, region)
        report.errors.extend(f"line {number}: {p}" for p in problems)
        if row is not None:
            report.rows.append(row)
    if not report.rows and not report.errors:
        report.errors.append("the file has no rows")
    return report


def _parse_row(number: int, raw: dict[str, str | None], currencies: dict[str, str],
               default_currency: str, region: str) -> tuple[CatalogRow | None, list[str]]:
    values = {k: (v or "").strip() for k, v in raw.items() if k}
    problems = [f"{name} is empty" for name in REQUIRED if not values.get(name)]
    currency, currency_problem = _row_currency(values.get("currency", ""), values.get("shop", "")[:80],
                                               currencies, default_currency)
    if currency_problem:
        problems.append(currency_problem)
    price = stock = 0
    phone = ""
    try:
        price = to_minor(values.get("price", ""), currency) if values.get("price") else 0
    except (ValueError, KeyError) as exc:
        problems.append(str(exc))
    raw_stock = values.get("stock", "")
    if raw_stock and not (raw_stock.isascii() and raw_stock.isdigit() and len(raw_stock) <= 9):
        problems.append(f"stock {raw_stock!r} is not a whole number of 0 or more")
    elif raw_stock:
        stock = int(raw_stock)
    if values.get("owner_phone"):
        try:
            phone = to_e164(values["owner_phone"], region)
        except BadRequest:
            problems.append(f"owner_phone {values['owner_phone']!r} is not a phone number")
    if len(values.get("sku", "")) > 40 or len(values.get("name", "")) > 120:
        problems.append("sku or name is too long (40 / 120 characters at most)")
    town = " ".join(values.get("town", "").split())
    if len(town) > TOWN_MAX:
        problems.append(f"town is too long ({TOWN_MAX} characters at most)")
    if problems:
        return None, problems
    return CatalogRow(number, values["shop"][:80], phone, values["category"][:80], values["sku"],
                      values["name"], price, stock, currency, town), []


def _row_currency(typed: str, shop: str, currencies: dict[str, str],
                  default_currency: str) -> tuple[str, str | None]:
    """The row's currency and what is wrong with it, if anything. A blank means the shop's own;
    the first good row of a shop new to ``currencies`` records the currency it will sell in."""
    shop_currency = currencies.get(shop)
    currency = typed.upper() or shop_currency or default_currency.upper()
    if not is_known_currency(currency):
        return currency, f"currency {currency[:10]!r} is not a currency code such as KES or PEN"
    if shop_currency and currency != shop_currency:
        return currency, f"currency {currency} differs from shop {shop!r}, which sells in {shop_currency}"
    if shop:
        currencies[shop] = currency
    return currency, None


def apply_catalog(db: Session, report: ImportReport) -> ImportReport:
    """Upsert the parsed rows. The caller commits; refuse a report that has errors."""
    if report.errors:
        raise BadRequest("refusing to import a catalog with errors")
    shops: dict[str, Shop] = {}
    categories: dict[tuple[int, str], Category] = {}
    for row in report.rows:
        shop = shops.get(row.shop) or _shop(db, row, report)
        shops[row.shop] = shop
        if row.town:
            shop.town = row.town
        category = categories.get((shop.id, row.category)) or _category(db, shop, row.category)
        categories[(shop.id, row.category)] = category
        product = db.scalar(select(Product).where(Product.shop_id == shop.id, Product.sku == row.sku))
        if product is None:
            db.add(Product(shop_id=shop.id, category_id=category.id, sku=row.sku, name=row.name,
                           price_minor=row.price_minor, currency=shop.currency, stock=row.stock))
            report.products_created += 1
        else:
            product.category_id, product.name = category.id, row.name
            product.price_minor, product.stock = row.price_minor, row.stock
            report.products_updated += 1
    db.flush()
    return report


def _shop(db: Session, row: CatalogRow, report: ImportReport) -> Shop:
    shop = db.scalar(select(Shop).where(Shop.name == row.shop))
    if shop is None:
        number = (db.scalar(select(func.max(Shop.number))) or 0) + 1
        shop = Shop(number=number, name=row.shop, currency=row.currency, owner_phone=row.owner_phone)
        db.add(shop)
        db.flush()
        db.add(ShopContact(shop_id=shop.id, phone=row.owner_phone, role="owner"))
        report.shops_created += 1
    return shop


def _category(db: Session, shop: Shop, name: str) -> Category:
    category = db.scalar(select(Category).where(Category.shop_id == shop.id, Category.name == name))
    if category is None:
        position = db.scalar(select(func.count()).where(Category.shop_id == shop.id)) or 0
        category = Category(shop_id=shop.id, name=name, position=position)
        db.add(category)
        db.flush()
    return category
