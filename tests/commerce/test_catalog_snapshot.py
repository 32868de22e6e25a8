"""The catalog's snapshots and the changes that retire them.

Every write to shops, categories or products is published once its transaction commits (never
when it rolls back); the snapshots a process holds stay within their bound of shops.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from gateway.commerce import order_states
from gateway.commerce.catalog_changes import CatalogChanges, install_publisher
from gateway.commerce.catalog_snapshot import CatalogCache
from gateway.commerce.models import Customer, Order, Product, Shop
from gateway.core.runtime import Runtime


def recording(rt: Runtime) -> tuple[sessionmaker, list[CatalogChanges]]:  # type: ignore[type-arg]
    published: list[CatalogChanges] = []
    info: dict[str, object] = {}
    install_publisher(info, published.append)
    return sessionmaker(rt.engine, expire_on_commit=False, info=info), published


def test_an_orm_edit_publishes_its_shop_after_commit(rt: Runtime, demo_catalog: None) -> None:
    sessions, published = recording(rt)
    with sessions() as db:
        avocado = db.scalar(select(Product).where(Product.name == "Avocado"))
        assert avocado is not None
        avocado.price_minor = 3000
        db.flush()
        assert published == []  # not before the commit
        db.commit()
    assert [(c.shops, c.directory, c.everything) for c in published] == [({avocado.shop_id}, False, False)]


def test_a_rolled_back_edit_publishes_nothing(rt: Runtime, demo_catalog: None) -> None:
    sessions, published = recording(rt)
    with sessions() as db:
        shop = db.scalars(select(Shop)).first()
        assert shop is not None
        shop.name = "Renamed"
        db.flush()
        db.rollback()
    assert published == []


def test_a_bulk_update_retires_every_snapshot(rt: Runtime, demo_catalog: None) -> None:
    sessions, published = recording(rt)
    with sessions() as db:
        db.execute(update(Product).values(stock=5))
        db.commit()
    assert len(published) == 1 and published[0].everything and published[0].directory


def test_a_cancel_that_restocks_publishes_its_shop(rt: Runtime, demo_catalog: None) -> None:
    sessions, published = recording(rt)
    with sessions() as db:
        shop = db.scalars(select(Shop)).first()
        assert shop is not None
        customer = Customer(phone="+254711000999", language="en")
        db.add(customer)
        db.flush()
        order = Order(reference="ABCDE", customer_id=customer.id, shop_id=shop.id, status="placed",
                      payment_method="cash", total_minor=0, currency="KES", fulfilment="pickup")
        db.add(order)
        db.commit()
        published.clear()
        order_states.release_stock(db, order)
        db.commit()
    assert [c.shops for c in published] == [{shop.id}]


def test_snapshots_stay_within_their_bound_of_shops(rt: Runtime, demo_catalog: None) -> None:
    cache = CatalogCache(max_shops=2)
    with rt.sessions() as db:
        shops = list(db.scalars(select(Shop.id)))
        assert len(shops) >= 3
        for shop_id in shops:
            assert cache.shop(db, shop_id).shop_id == shop_id
    assert cache.size()["shops"] == 2


def test_snapshots_stay_within_their_bound_of_products(rt: Runtime, demo_catalog: None) -> None:
    """Memory follows the products held: a few large shops are let go as many small ones would be,
    and the shop just read is kept even when it alone passes the bound."""
    with rt.sessions() as db:
        shops = list(db.scalars(select(Shop.id)))
        sizes = {shop_id: len(CatalogCache().shop(db, shop_id).products) for shop_id in shops}
        biggest = max(sizes, key=lambda shop_id: sizes[shop_id])
        cache = CatalogCache(max_products=sizes[biggest])
        for shop_id in shops:
            cache.shop(db, shop_id)
        assert cache.size()["products"] <= sizes[biggest]
        cache.shop(db, biggest)
        assert cache.size() == {"shops": 1, "products": sizes[biggest]}
        tiny = CatalogCache(max_products=1)
        assert tiny.shop(db, biggest).shop_id == biggest and tiny.size()["shops"] == 1


def test_a_moved_version_retires_only_its_shop(rt: Runtime, demo_catalog: None) -> None:
    cache = CatalogCache()
    with rt.sessions() as db:
        first, second = list(db.scalars(select(Shop.id)))[:2]
        held = cache.shop(db, first), cache.shop(db, second)
        cache.refresh("e1", {str(first): "1"})
        assert cache.shop(db, first) is not held[0]
        assert cache.shop(db, second) is held[1]
