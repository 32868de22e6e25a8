"""The console in a real browser: Debian's Chromium driven by Playwright against a real HTTP server.

The app runs under werkzeug's server on 127.0.0.1 (a free port) on the test database and Redis.
Screenshots land in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from config.settings import ROOT
from gateway.commerce.models import Order, Product
from gateway.core.db import session_scope
from gateway.core.runtime import Runtime
from tests.admin.conftest import PASSWORD, create_user, place_order
from tests.conftest import run_jobs

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

if not CHROMIUM.exists():
    pytest.skip("Chromium cannot be installed here: /usr/bin/chromium is missing (.ci/browsers installs it "
                "with apt-get)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(live_url: str) -> Iterator[Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 760}, base_url=live_url)
        tab = context.new_page()
        problems: list[str] = []
        # A refused form answers 400 on purpose; anything else logged as an error is a problem.
        tab.on("console", lambda msg: problems.append(msg.text)
               if msg.type == "error" and "status of 400" not in msg.text else None)
        tab.on("pageerror", lambda exc: problems.append(str(exc)))
        tab.problems = problems
        yield tab
        browser.close()


def shot(tab: Any, name: str) -> None:
    tab.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


def csv_file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def sign_in(tab: Any) -> None:
    tab.goto("/admin/login")
    shot(tab, "login")
    tab.fill("#username", "boss")
    tab.fill("#password", PASSWORD)
    tab.click("button:has-text('Sign in')")
    tab.wait_for_url("**/admin/")


def test_admin_walks_the_console(app: Flask, rt: Runtime, demo_catalog: None, page: Any,
                                 record_dials: Callable[..., str]) -> None:
    create_user(app, "boss")
    record_dials("+254711000441", ("1", "1", "2"), "Success", cost="KES 0.30")
    record_dials("+254722000552", ("1",), "Incomplete")
    record_dials("+254733000663", ("1", "2", "1"), "Failed")
    order_id = place_order(rt, 0, "+254711000441")

    sign_in(page)
    assert page.locator("svg.chart").count() == 3
    shot(page, "dashboard")

    page.click("nav >> text=Dials")
    page.fill("input[name=phone]", "441")
    page.select_option("select[name=outcome]", "Success")
    page.click("button:has-text('Filter')")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "+2547****441" in rows.first.inner_text()
    shot(page, "dials-filtered")

    page.click("text=Transcript")
    screens = page.locator("pre.screen")
    assert screens.count() == 4
    assert "1. Mama Njeri Groceries" in screens.first.inner_text()
    assert "KES 0.30" in page.inner_text("dl.facts")
    shot(page, "transcript")

    page.click("nav >> text=Orders")
    assert page.locator("tbody tr").count() == 1
    shot(page, "orders")
    page.goto(f"/admin/orders/{order_id}")
    page.click("button:has-text('Confirm')")
    assert "is now confirmed" in page.inner_text(".flash")
    assert "admin:boss" in page.inner_text(".timeline")
    shot(page, "order-confirmed")

    page.click("nav >> text=Import")
    bad = "shop,owner_phone,category,sku,name,price,stock\nNew Shop,+254700111222,Tea,T1,Chai,ten,4\n"
    page.set_input_files("#catalog", files=[csv_file("bad.csv", bad)])
    page.click("button:has-text('Import')")
    assert "line 2: not a price" in page.inner_text("[role=alert]")
    shot(page, "import-refused")
    good = bad.replace(",ten,", ",10,")
    page.set_input_files("#catalog", files=[csv_file("good.csv", good)])
    page.click("button:has-text('Import')")
    assert "1 new shops, 1 new products" in page.inner_text("[role=status]")
    page.click("nav >> text=Products")
    shot(page, "products")
    page.click("nav >> text=SMS")
    assert "order_confirmed" in page.inner_text("table")  # the customer was told of the confirmation
    shot(page, "sms")

    assert page.problems == []  # no script errors, no CSP violations


def test_customer_shops_on_the_simulator(app: Flask, demo_catalog: None, page: Any) -> None:
    page.goto("/simulator")
    page.fill("input[name=phone]", "+254711000441")
    page.click("button:has-text('Dial')")
    assert "1. Mama Njeri Groceries" in page.inner_text("#screen")
    page.fill("#answer", "1")
    page.click("button:has-text('Send')")
    assert "Vegetables" in page.inner_text("#screen")
    page.fill("#answer", "1")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the keypad's Enter sends, as on a handset
    assert "Avocado" in page.inner_text("#screen")
    shot(page, "simulator")
    page.click("button:has-text('Cancel')")
    assert "Dial *384*123#" in page.inner_text("#screen")
    assert page.problems == []


def test_customer_pays_with_the_sandbox_prompt(rt: Runtime, demo_catalog: None, page: Any) -> None:
    pytest.importorskip("gateway.payments.sandbox", reason="the sandbox payment provider is not installed")
    page.goto("/simulator")
    page.fill("input[name=phone]", "+254711000441")
    page.click("button:has-text('Dial')")
    # First shop, first category, first product, 2 of them, checkout (pick up, M-Pesa), confirm.
    for answer in ("1", "1", "1", "2", "1", "1"):
        page.fill("#answer", answer)
        page.click("button:has-text('Send')")
    screen = page.inner_text("#screen")
    assert "M-Pesa prompt" in screen and "Session ended" in page.inner_text(".display")
    reference = screen.split("Order ")[1].split(":")[0]
    run_jobs(rt)  # the worker asks the sandbox wallet for the payment: the prompt appears
    page.goto("/simulator?phone=%2B254711000441")
    assert reference in page.inner_text(".side")
    shot(page, "simulator-prompt")
    page.click("button:has-text('Accept')")
    page.wait_for_url("**/simulator?phone=*")
    assert "No prompt waiting" in page.inner_text(".side")
    shot(page, "simulator-paid")
    with session_scope(rt.sessions) as db:
        order = db.scalar(select(Order).where(Order.reference == reference))
        assert order is not None and order.status == "paid"
    assert page.problems == []


def test_admin_finds_orders_exports_them_and_manages_accounts(
        app: Flask, rt: Runtime, demo_catalog: None, page: Any) -> None:
    create_user(app, "boss")
    create_user(app, "kim")
    place_order(rt, 0, "+254711000441", reference="KP2QA")
    place_order(rt, 1, "+254722000552", reference="ZZ9XY")
    with session_scope(rt.sessions) as db:
        product = db.scalar(select(Product).order_by(Product.id))
        assert product is not None
        product.stock, low_name = 1, product.name
    sign_in(page)

    page.click("nav >> text=Orders")
    page.fill("input[name=ref]", "kp2q")
    page.click("button:has-text('Filter')")
    assert page.locator("tbody tr").count() == 1 and "KP2QA" in page.inner_text("tbody")
    page.fill("input[name=ref]", "")
    page.fill("input[name=phone]", "0722000552")
    page.click("button:has-text('Filter')")
    assert page.locator("tbody tr").count() == 1 and "ZZ9XY" in page.inner_text("tbody")
    assert "Times in Africa/Nairobi." in page.inner_text("footer")
    shot(page, "orders-search")
    with page.expect_download() as download:
        page.click("#export")
    exported = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert exported[0].startswith("reference,placed,shop") and len(exported) == 2 and "ZZ9XY" in exported[1]

    page.click("nav >> text=Products")
    assert low_name in page.inner_text("#low-stock") and "1 left" in page.inner_text("#low-stock")
    shot(page, "low-stock")

    page.click("nav >> text=Accounts")
    row = page.locator("tr[data-user=kim]")
    row.locator("input[name=password]").fill("short")
    row.locator("button:has-text('Set')").click()  # refused by the browser (minlength), nothing sent
    assert page.locator("tr[data-user=kim] .badge").inner_text() == "active"
    page.locator("tr[data-user=kim] button:has-text('Disable')").click()
    assert "kim is disabled." in page.inner_text(".flash")
    assert "disabled" in page.locator("tr[data-user=kim] .badge").inner_text()
    shot(page, "accounts")
    assert page.problems == []


def test_shop_owner_texts_from_the_simulator_and_the_reply_appears_by_itself(
        rt: Runtime, demo_catalog: None, page: Any) -> None:
    page.goto("/simulator/shop")
    assert page.input_value("#from") == "+254722000101"
    page.fill("#text", "ORDERS")
    page.click("button:has-text('Send SMS')")
    page.wait_for_url("**/simulator/shop?phone=*")
    assert "ORDERS" in page.inner_text("#sent")
    assert "No messages yet." in page.inner_text("#panels")
    run_jobs(rt)  # the worker answers; the page is not reloaded
    page.locator("#panels").get_by_text("No open orders.").wait_for(timeout=10_000)  # polled in
    shot(page, "simulator-shop")
    assert page.problems == []
