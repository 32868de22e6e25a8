"""Search by name from the first screen and from a shop: keypad letters, any case, no accents."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select, text

from gateway.commerce import catalog
from gateway.commerce.customers import find_or_create_customer
from gateway.commerce.models import Category, Product, Shop
from gateway.core.runtime import Runtime
from tests.conftest import Dialer
from tests.menus.conftest import SEARCH, records


def test_search_every_shop_ignores_case_and_accents(dialer: Dialer, demo_catalog: None) -> None:
    dialer.dial()
    assert dialer.dial(SEARCH).startswith("CON Type a few letters of the name:")
    found = dialer.dial("AZUCAR")
    # the name that starts with it first, then the one with a later word that does
    assert found == ("CON Found for 'azucar':\n1. Azucar morena 1kg - KSh 210\n"
                     "2. Pan dulce con azucar - KSh 80\n0 Back"), found
    assert "Azucar morena 1kg" in dialer.walk(SEARCH, "Azúc")


def test_nothing_found_says_so_and_takes_new_letters(dialer: Dialer, demo_catalog: None) -> None:
    nothing = dialer.walk(SEARCH, "zzz")
    assert nothing == "CON No match for 'zzz'.\nNothing found. Type other letters:\n0 Back", nothing
    again = dialer.dial("avo")
    assert again.startswith("CON Found for 'avo':\n1. Avocado - KSh 25"), again
    assert dialer.dial("1").startswith("CON Avocado - KSh 25\nHow many?")
    assert dialer.dial("2").startswith("CON Added 2 x Avocado.")
    assert dialer.dial("2") == again  # Keep shopping: back to the results
    assert dialer.dial("0").startswith("CON Welcome")  # and one back from them: where search began
    assert "Type at least 2 letters" in dialer.walk(SEARCH, "a")


def test_search_in_a_shop_keeps_to_that_shop(dialer: Dialer, demo_catalog: None) -> None:
    shop = dialer.walk("1")
    assert "\n90 Search\n0 Back" in shop
    dialer.dial(SEARCH)
    assert dialer.dial("sug").startswith("CON Found for 'sug':\n1. Sugar 1kg - KSh 170")
    dialer.walk("1", SEARCH)
    assert dialer.dial("azucar").startswith("CON No match for 'azucar'.")  # another shop's


def big_shop(rt: Runtime, count: int) -> int:
    with records(rt) as db:
        shop = Shop(number=9, name="Soko Kubwa", currency="KES", owner_phone="+254722000999")
        db.add(shop)
        db.flush()
        category = Category(shop_id=shop.id, name="Sabuni")
        db.add(category)
        db.flush()
        db.add_all(Product(shop_id=shop.id, category_id=category.id, sku=f"B{n}", name=f"Sabuni {n:03d}",
                           price_minor=1000, currency="KES", stock=5) for n in range(count))
        db.add(Product(shop_id=shop.id, category_id=category.id, sku="X", name="Mchele wa sabuni",
                       price_minor=1000, currency="KES", stock=5))
        db.commit()
        return shop.id


def test_results_page_within_the_screen(make_app: Callable[..., Flask]) -> None:
    app = make_app(USSD_MAX_CHARS=120)
    rt: Runtime = app.extensions["bodega"]
    big_shop(rt, 30)
    dialer = Dialer(app.test_client())
    pages = [dialer.walk(SEARCH, "sabuni")]
    while "98 More" in pages[-1]:
        pages.append(dialer.dial("98"))
    assert all(len(page) - 4 <= 120 for page in pages)
    shown = [line for page in pages for line in page.splitlines() if ". " in line]
    assert len(shown) == 31 and "Mchele wa sabuni" in shown[-1]  # names first, other matches last


def test_search_reads_the_index(app: Flask, rt: Runtime) -> None:
    shop_id = big_shop(rt, 300)
    with records(rt) as db:
        found = catalog.search_products(db, "SABUNI 29", None, 0, 20)
        assert [row.name for row in found] == ["Sabuni 290", "Sabuni 291", "Sabuni 292", "Sabuni 293",
                                               "Sabuni 294", "Sabuni 295", "Sabuni 296", "Sabuni 297",
                                               "Sabuni 298", "Sabuni 299"]
        window = catalog.search_products(db, "sabuni", shop_id, 295, 10)
        assert [row.name for row in window] == [*(f"Sabuni {n}" for n in range(295, 300)), "Mchele wa sabuni"]
        find_or_create_customer(db, "+254711000111", ["en"])
        folded = "search_name"
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SET LOCAL enable_seqscan = off"))  # a table this small is cheaper to read
            words = db.execute(text("EXPLAIN SELECT id FROM products WHERE search_name LIKE '% sabu%'"))
            assert "ix_products_search_words" in " ".join(str(row) for row in words)
            folded, explain = 'search_name COLLATE "C"', "EXPLAIN"
        else:
            explain = "EXPLAIN QUERY PLAN"
        plan = db.execute(text(f"{explain} SELECT id FROM products WHERE {folded} >= 'sabu' AND "
                               f"{folded} < 'sabv' ORDER BY {folded} LIMIT 5"))
        assert "ix_products_search_name" in " ".join(str(row) for row in plan)


def test_a_shops_search_answers_from_its_snapshot_as_sql_does(app: Flask, rt: Runtime) -> None:
    shop_id = big_shop(rt, 40)
    with records(rt) as db:
        category_id = db.scalars(select(Category.id).where(Category.shop_id == shop_id)).one()
        db.add_all([Product(shop_id=shop_id, category_id=category_id, sku="A", name="Sabún fino",
                            price_minor=900, currency="KES", stock=0),
                    Product(shop_id=shop_id, category_id=category_id, sku="O", name="Sabuni ya zamani",
                            price_minor=900, currency="KES", stock=5, active=False)])
        db.commit()
    with records(rt) as db:
        reader = catalog.CatalogReader(db, rt.catalog)
        for typed in ("sabuni", "SABUNI 01", "sabun", "Sabún", "wa", "fino", "zamani", "zzz", "1"):
            for offset in (0, 5, 38):
                in_sql = catalog.search_products(db, typed, shop_id, offset, 7)
                in_memory = reader.search_shop(shop_id, typed, offset, 7)
                assert [(p.id, p.name, p.price_minor, p.stock) for p in in_memory] == \
                    [(r.id, r.name, r.price_minor, r.stock) for r in in_sql], (typed, offset)
        assert [p.name for p in reader.search_shop(shop_id, "fino", 0, 7)] == ["Sabún fino"]
        assert reader.search_shop(shop_id, "zamani", 0, 7) == []  # off sale
