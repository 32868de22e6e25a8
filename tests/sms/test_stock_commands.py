"""A shop owner changes stock, prices and what is on sale by SMS; a PIN guards it when set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.commerce.models import AuditEntry, InboundSms, Product, Shop, ShopContact
from gateway.commerce.shop_pins import set_pin
from gateway.core.runtime import Runtime
from tests.sms.conftest import OWNER, STAFF, Texter, make_shop


def _product(rt: Runtime, shop_id: int, sku: str) -> Product:
    with rt.sessions() as db:
        product = db.scalar(select(Product).where(Product.shop_id == shop_id, Product.sku == sku))
        assert product is not None
        return product


def _audit(rt: Runtime) -> list[tuple[str, str, str, str, str | None]]:
    with rt.sessions() as db:
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(a.actor, a.channel, a.action, a.subject, a.detail) for a in rows]


def _require_pin(rt: Runtime, shop: Shop, pin: str = "4821") -> None:
    with rt.sessions() as db:
        loaded = db.get(Shop, shop.id)
        assert loaded is not None
        set_pin(loaded, pin)
        db.commit()


def test_stock_sets_the_count_and_is_audited(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("STOCK S1-001 5") == "S1-001 Tomatoes 1kg: stock now 5 (was 20)."
    assert _product(rt, shop.id, "S1-001").stock == 5
    assert _audit(rt) == [(OWNER, "sms", "stock.set", "product S1-001", "20 -> 5")]


def test_sku_is_matched_forgivingly(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("stock  s1-002:  7.").startswith("S1-002 Onions 1kg: stock now 7")
    assert texter.ask("Stock S1002 8").startswith("S1-002 Onions 1kg: stock now 8")
    assert _product(rt, shop.id, "S1-002").stock == 8


def test_price_accepts_decimals_and_currency(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("PRICE S1-001 120") == "S1-001 Tomatoes 1kg: price now KSh 120 (was KSh 100)."
    assert texter.ask("price S1-001 KES 1,250.50").endswith("price now KSh 1,250.50 (was KSh 120).")
    assert _product(rt, shop.id, "S1-001").price_minor == 125050
    assert [a[2] for a in _audit(rt)] == ["price.set", "price.set"]


def test_bad_values_say_what_to_send(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("STOCK S1-001 lots") == "The count must be a whole number, e.g. STOCK S1-001 12."
    assert texter.ask("PRICE S1-001 free") == "The price must be a number above 0, e.g. PRICE S1-001 150."
    assert texter.ask("PRICE S1-001 0") == "The price must be a number above 0, e.g. PRICE S1-001 150."
    assert texter.ask("STOCK") == "Send STOCK SKU and count, e.g. STOCK S1-001 12."
    assert texter.ask("STOCK NOPE 3") == "No product NOPE in your shop. Check the SKU and send again."
    assert _product(rt, shop.id, "S1-001").stock == 20
    assert _audit(rt) == []


def test_off_hides_and_on_shows_again(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("OFF S1-003") == ("S1-003 Cabbage is hidden from customers. "
                                        "Send ON S1-003 to show it again.")
    assert not _product(rt, shop.id, "S1-003").active
    texter.ask("STOCK S1-003 0")
    assert texter.ask("ON S1-003") == ("S1-003 Cabbage is on sale again. "
                                       "Stock is 0: send STOCK S1-003 and a count.")
    assert _product(rt, shop.id, "S1-003").active
    assert [a[2] for a in _audit(rt)] == ["product.hide", "stock.set", "product.show"]


def test_staff_changes_are_audited_with_their_number(texter: Texter, rt: Runtime, shop: Shop) -> None:
    texter.ask("STOCK S1-001 9", phone=STAFF)
    assert _audit(rt)[0][0] == STAFF


def test_spanish_and_swahili_stock_words(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("EXISTENCIA S1-001 4") == "S1-001 Tomatoes 1kg: existencias ahora 4 (antes 20)."
    assert texter.ask("precio S1-001 90") == "S1-001 Tomatoes 1kg: precio ahora KSh 90 (antes KSh 100)."
    assert texter.ask("STOKI S1-001 6") == "S1-001 Tomatoes 1kg: stoki sasa 6 (awali 4)."
    assert texter.ask("BEI S1-001 95") == "S1-001 Tomatoes 1kg: bei sasa KSh 95 (awali KSh 90)."
    assert texter.ask("ZIMA S1-002").startswith("S1-002 Onions 1kg imefichwa kwa wateja.")


def test_pin_is_required_when_the_shop_has_one(texter: Texter, rt: Runtime, shop: Shop) -> None:
    _require_pin(rt, shop)
    assert texter.ask("STOCK S1-001 5") == "This shop asks for its PIN: send STOCK PIN S1-001 5"
    assert texter.ask("STOCK 4821 S1-001 5") == "S1-001 Tomatoes 1kg: stock now 5 (was 20)."
    assert texter.ask("OFF 4821 S1-001").startswith("S1-001 Tomatoes 1kg is hidden")
    with rt.sessions() as db:  # the PIN is not left readable in the stored messages
        texts = list(db.scalars(select(InboundSms.text).order_by(InboundSms.id)))
    assert texts[1:] == ["STOCK **** S1-001 5", "OFF **** S1-001"]
    texter.ask("STOCK 4821 NOPE 5")  # refused before the PIN is checked: still masked
    texter.ask("STOCK 4821 S1-001")
    with rt.sessions() as db:
        texts = list(db.scalars(select(InboundSms.text).order_by(InboundSms.id)))
    assert texts[-2:] == ["STOCK **** NOPE 5", "STOCK **** S1-001"]


def test_order_commands_need_no_pin(texter: Texter, rt: Runtime, shop: Shop) -> None:
    _require_pin(rt, shop)
    assert texter.ask("ORDERS") == "No open orders."


def test_wrong_pins_lock_stock_commands_for_a_while(texter: Texter, rt: Runtime, shop: Shop) -> None:
    _require_pin(rt, shop)
    assert texter.ask("STOCK 1111 S1-001 5") == "Wrong PIN. 2 tries left."
    assert texter.ask("STOCK 2222 S1-001 5") == "Wrong PIN. 1 try left."
    locked = texter.ask("STOCK 3333 S1-001 5")
    assert locked.startswith("Too many wrong PINs. Stock and price commands are locked until ")
    assert texter.ask("STOCK 4821 S1-001 5").startswith("Too many wrong PINs")  # even the right PIN
    assert _product(rt, shop.id, "S1-001").stock == 20
    assert texter.ask("ORDERS") == "No open orders."  # orders still work during the lock
    assert texter.ask("STOCK 4821 S1-001 5", phone=STAFF).endswith("stock now 5 (was 20).")  # per number
    with rt.sessions() as db:
        contact = db.scalar(select(ShopContact).where(ShopContact.phone == OWNER))
        assert contact is not None and contact.locked_until is not None
        assert contact.locked_until.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(minutes=25)
        contact.locked_until = datetime.now(UTC) - timedelta(seconds=1)  # the lock has run out
        db.commit()
    assert texter.ask("STOCK 4821 S1-001 6").endswith("stock now 6 (was 5).")
    assert [a[2] for a in _audit(rt)] == ["pin.locked", "stock.set", "stock.set"]


def test_a_sku_in_two_of_my_shops_needs_the_shop_number(texter: Texter, rt: Runtime, shop: Shop) -> None:
    make_shop(rt, "Mama Njeri Kiosk", 7, [(OWNER, "owner")], skus=("S1-001",))
    reply = texter.ask("STOCK S1-001 5")
    assert reply == ("S1-001 is in several of your shops. Add the shop number, "
                     "e.g. STOCK S1-001 5 #1 (yours: #1 #7).")
    assert texter.ask("STOCK S1-001 5 #7").endswith("stock now 5 (was 20).")
    with rt.sessions() as db:
        stocks = dict(db.execute(select(Product.shop_id, Product.stock).where(Product.sku == "S1-001")).all())
    assert sorted(stocks.values()) == [5, 20]
    assert texter.ask("STOCK S1-001 5 #9") == "You do not run shop #9. Your shops: #1, #7."
    assert texter.ask("STOCK S1-002 3").endswith("stock now 3 (was 20).")  # only in one shop: fine


def _sell_in(rt: Runtime, shop: Shop, currency: str) -> None:
    with rt.sessions() as db:
        loaded = db.get(Shop, shop.id)
        assert loaded is not None
        loaded.currency = currency
        for product in db.scalars(select(Product).where(Product.shop_id == shop.id)):
            product.currency = currency
        db.commit()


@pytest.mark.parametrize(("typed", "minor"), [
    ("19,50", 1950), ("19.50", 1950), ("1,950.00", 195000), ("1.950,00", 195000), ("1,950", 195000),
])
def test_price_reads_decimal_commas_and_thousands(texter: Texter, rt: Runtime, shop: Shop,
                                                  typed: str, minor: int) -> None:
    _sell_in(rt, shop, "PEN")
    assert texter.ask(f"PRECIO S1-001 {typed}").startswith("S1-001 Tomatoes 1kg: precio ahora S/ ")
    assert _product(rt, shop.id, "S1-001").price_minor == minor


def test_prices_that_cannot_be_read_exactly_are_refused(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("PRICE S1-001 1e3") == "The price must be a number above 0, e.g. PRICE S1-001 150."
    assert texter.ask("PRICE S1-001 -5") == ("A price cannot be negative. Send the price, "
                                             "e.g. PRICE S1-001 150.")
    assert texter.ask("PRICE S1-001 1,95,0") == "The price must be a number above 0, e.g. PRICE S1-001 150."
    assert texter.ask("PRICE S1-001 19.505") == "KES prices have at most 2 decimals, e.g. PRICE S1-001 19.50."
    assert texter.ask("PRECIO S1-001 -5") == ("Un precio no puede ser negativo. Envia el precio, "
                                              "p. ej. PRECIO S1-001 150.")
    _sell_in(rt, shop, "UGX")
    assert texter.ask("BEI S1-001 19,5") == "Bei za UGX ni namba kamili, mfano BEI S1-001 1950."
    assert _product(rt, shop.id, "S1-001").price_minor == 10000
    assert _audit(rt) == []


def test_a_negative_or_broken_stock_count_is_refused(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.ask("STOCK S1-001 -5") == ("Stock cannot be negative. Send the count you have, "
                                             "e.g. STOCK S1-001 0.")
    assert texter.ask("STOKI S1-001 -5").startswith("Stoki haiwezi kuwa chini ya sifuri.")
    assert texter.ask("STOCK S1-001 12,5") == "The count must be a whole number, e.g. STOCK S1-001 12."
    assert texter.ask("STOCK S1-001 +5") == "The count must be a whole number, e.g. STOCK S1-001 12."
    assert texter.ask("STOCK S1-001 100000000000000000000") == (
        "That count is too large. Send how many you have, e.g. STOCK S1-001 12.")
    assert texter.ask("PRICE S1-001 99999999999999999") == (
        "That price is too large. Send the price of one item, e.g. PRICE S1-001 150.")
    assert _product(rt, shop.id, "S1-001").stock == 20
    assert texter.ask("STOCK S1-001 1,200.") == "S1-001 Tomatoes 1kg: stock now 1200 (was 20)."


def test_a_pin_in_full_width_digits_is_read_as_digits_and_masked(
        texter: Texter, rt: Runtime, shop: Shop) -> None:
    _require_pin(rt, shop)
    assert texter.ask("STOCK ４８２１ S1-001 ５") == "S1-001 Tomatoes 1kg: stock now 5 (was 20)."
    assert texter.ask("STOCK ５５５５ S1-001 6") == "Wrong PIN. 2 tries left."
    with rt.sessions() as db:  # stored and shown on /admin/sms masked, never as typed
        texts = list(db.scalars(select(InboundSms.text).order_by(InboundSms.id)))
    assert texts == ["STOCK **** S1-001 5", "STOCK **** S1-001 6"]
