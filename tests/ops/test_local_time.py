"""Local time: ``TIMEZONE`` (by default the ``DEFAULT_REGION``'s zone) in the console, the
dashboard's days and the times an SMS mentions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from config.settings import load_settings
from gateway.admin import reports
from gateway.admin.listings import day_bounds
from gateway.commerce.models import Order, ShopContact, UssdSession
from gateway.commerce.shop_pins import set_pin
from gateway.core.runtime import Runtime
from tests.admin.conftest import create_user, place_order, sign_in
from tests.sms.conftest import OWNER, Texter, make_shop


def test_the_zone_follows_the_region_unless_set() -> None:
    assert load_settings("testing").TIMEZONE == "Africa/Nairobi"
    assert load_settings("testing", DEFAULT_REGION="PE").TIMEZONE == "America/Lima"
    assert load_settings("testing", DEFAULT_REGION="ng").SHOP_TIMEZONE == "Africa/Lagos"
    assert load_settings("testing", DEFAULT_REGION="ZZ").TIMEZONE == "UTC"
    chosen = load_settings("testing", DEFAULT_REGION="PE", TIMEZONE="America/Bogota")
    assert (chosen.TIMEZONE, chosen.SHOP_TIMEZONE) == ("America/Bogota", "America/Bogota")
    with pytest.raises(RuntimeError, match="TIMEZONE: 'Mars/Olympus' is not a time zone name"):
        load_settings("testing", TIMEZONE="Mars/Olympus")


def test_a_lima_days_run_from_local_midnight() -> None:
    start, end = day_bounds(date(2026, 12, 1), ZoneInfo("America/Lima"))
    assert (start, end) == (datetime(2026, 12, 1, 5, tzinfo=UTC), datetime(2026, 12, 2, 5, tzinfo=UTC))
    assert reports.start_of(date(2026, 12, 1), ZoneInfo("Africa/Nairobi")) == datetime(2026, 11, 30, 21,
                                                                                         tzinfo=UTC)


def test_console_shows_local_times_and_counts_local_days(make_app: Callable[..., Flask]) -> None:
    app = make_app(DEFAULT_REGION="PE")
    rt: Runtime = app.extensions["bodega"]
    make_shop(rt, "Bodega Rosa", 1, [("+51987654321", "owner")])
    order_id = place_order(rt, 0, "+51987000111")
    late = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)  # 21:30 on 1 December in Lima
    with rt.sessions() as db:
        order = db.get(Order, order_id)
        assert order is not None
        order.created_at = late
        db.add(UssdSession(session_id="ATUid_late", phone="+51987000111", started_at=late))
        db.commit()
    create_user(app, "amina")
    client = sign_in(app.test_client(), "amina")
    page = client.get(f"/admin/orders/{order_id}").get_data(as_text=True)
    assert "2026-12-01 21:30" in page and "2026-12-02 02:30" not in page
    assert "Times in America/Lima." in page
    listed = client.get("/admin/orders?day=2026-12-01").get_data(as_text=True)
    assert f"/admin/orders/{order_id}" in listed
    next_day = client.get("/admin/orders?day=2026-12-02").get_data(as_text=True)
    assert f"/admin/orders/{order_id}" not in next_day
    with rt.sessions() as db:
        days = dict((d, n) for d, n, _ in reports.daily(db, date(2026, 12, 2), 2, ZoneInfo("America/Lima")))
    assert days == {date(2026, 12, 1): 1, date(2026, 12, 2): 0}


@pytest.mark.parametrize(("region", "shop_zone", "expected"), [
    ("KE", None, "Africa/Nairobi"), ("PE", None, "America/Lima"), ("KE", "Africa/Lagos", "Africa/Lagos")])
def test_the_pin_lock_sms_gives_the_local_time(make_app: Callable[..., Flask], region: str,
                                               shop_zone: str | None, expected: str) -> None:
    app = make_app(DEFAULT_REGION=region)
    rt: Runtime = app.extensions["bodega"]
    shop = make_shop(rt, "Mama Njeri Groceries", 1, [(OWNER, "owner")])
    with rt.sessions() as db:
        loaded = db.get(type(shop), shop.id)
        assert loaded is not None
        set_pin(loaded, "4821")
        loaded.timezone = shop_zone
        db.commit()
    texter = Texter(app.test_client(), rt)
    for wrong in ("1111", "2222"):
        texter.ask(f"STOCK {wrong} S1-001 5")
    locked = texter.ask("STOCK 3333 S1-001 5")
    with rt.sessions() as db:
        until = db.scalar(select(ShopContact.locked_until).where(ShopContact.phone == OWNER))
    assert until is not None
    zone = ZoneInfo(expected)
    local = until.replace(tzinfo=until.tzinfo or UTC).astimezone(zone).strftime("%H:%M")
    assert locked.endswith(f"locked until {local}."), locked
