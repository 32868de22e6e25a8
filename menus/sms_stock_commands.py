"""Shop-owner SMS commands that change the catalog: STOCK, PRICE, OFF, ON (keywords in
``menus.sms_commands``'s table).

Grammar: ``STOCK [PIN] <sku> <count> [#<shop number>]``, ``PRICE [PIN] <sku> <price> [#<shop>]``,
``OFF [PIN] <sku> [#<shop>]``, ``ON [PIN] <sku> [#<shop>]``. The PIN is needed only when the
shop has one. The ``#<shop number>`` is needed only when the sender runs several shops that sell
the same SKU; the reply says so and lists the numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from gateway.commerce import shop_pins, shop_stock
from gateway.commerce.models import Product, Shop, ShopContact
from gateway.commerce.money import (
    NEGATIVE_SIGNS,
    BadPrice,
    PriceProblem,
    format_money,
    precision,
    to_minor,
)
from gateway.commerce.shop_pins import PinCheck
from menus.sms_desk import Refusal, ShopDesk, Words, command
from menus.text import clip

USAGE = {
    "stock": "Send {kw} {pin}SKU and count, e.g. {kw} {pin}{sku} 12",
    "price": "Send {kw} {pin}SKU and price, e.g. {kw} {pin}{sku} 150",
    "show": "Send {kw} {pin}SKU, e.g. {kw} {pin}{sku}",
}
WHOLE_COUNT = re.compile(r"[0-9]{1,30}|[0-9]{1,3}(?:,[0-9]{3}){1,9}")  # 12, 1200 or 1,200


@dataclass(frozen=True)
class Target:
    product: Product
    contact: ShopContact
    value: str | None


def _usage(desk: ShopDesk, words: Words, kind: str, sku: str = "S1-001") -> Refusal:
    needs_pin = any(contact.shop.pin_hash for contact in desk.contacts)
    pin = desk.t("PIN") + " " if needs_pin else ""
    return Refusal(desk.t(USAGE[kind], kw=words.keyword, pin=pin, sku=sku) + ".")


def _target(desk: ShopDesk, words: Words, kind: str) -> Target:
    """The product, its shop contact and the value an SMS names, with the PIN checked."""
    shop_tag = next((a for a in words.args if a.startswith("#")), None)
    currencies = {c.shop.currency for c in desk.contacts}
    kept = [(a, typed) for a, typed in zip(words.args, words.typed_args, strict=True)
            if a != shop_tag and a not in currencies]
    args = [a for a, _ in kept]
    need = 1 if kind == "show" else 2
    # Any word that could be the PIN is masked in the record, even when the command fails later.
    desk.secrets.extend(a for a in (args[:-1] if need == 2 else args) if shop_pins.looks_like_pin(a))
    if not need <= len(args) <= need + 1:
        raise _usage(desk, words, kind)
    pin = args[0] if len(args) > need else None
    if pin is not None and not shop_pins.looks_like_pin(pin):
        raise _usage(desk, words, kind)
    sku, value = args[-need], (kept[-1][1] if need == 2 else None)
    product = _product(desk, words, sku, shop_tag, value)
    contact = desk.contact_for(product.shop_id)
    _check_pin(desk, words, contact, pin, sku, value)
    return Target(product, contact, value)


def _product(desk: ShopDesk, words: Words, sku: str, shop_tag: str | None, value: str | None) -> Product:
    contacts = desk.contacts
    if shop_tag is not None:
        contacts = [c for c in contacts if str(c.shop.number) == shop_tag.lstrip("#")]
        if not contacts:
            raise Refusal(desk.t("You do not run shop {tag}. Your shops: {shops}.", tag=shop_tag,
                                 shops=", ".join(f"#{c.shop.number}" for c in desk.contacts)))
    found = shop_stock.find_products(desk.db, [c.shop_id for c in contacts], sku)
    if not found:
        raise Refusal(desk.t("No product {sku} in your shop. Check the SKU and send again.", sku=sku))
    if len(found) > 1:
        tags = " ".join(f"#{desk.contact_for(p.shop_id).shop.number}" for p in found)
        example = " ".join(x for x in (words.keyword, sku, value) if x)
        raise Refusal(desk.t("{sku} is in several of your shops. Add the shop number, e.g. {example} "
                             "{tag} (yours: {tags}).", sku=sku, example=example,
                             tag=tags.split()[0], tags=tags))
    return found[0]


def _check_pin(desk: ShopDesk, words: Words, contact: ShopContact, pin: str | None, sku: str,
               value: str | None) -> None:
    result = shop_pins.check_pin(desk.db, contact, pin, desk.now,
                                 desk.settings.SHOP_PIN_MAX_TRIES, desk.settings.SHOP_PIN_LOCK_MINUTES)
    if result.allowed:
        return
    if result.check is PinCheck.MISSING:
        example = " ".join(x for x in (words.keyword, desk.t("PIN"), sku, value) if x)
        raise Refusal(desk.t("This shop asks for its PIN: send {example}", example=example))
    if result.check is PinCheck.WRONG:
        if result.tries_left == 1:
            raise Refusal(desk.t("Wrong PIN. 1 try left."))
        raise Refusal(desk.t("Wrong PIN. {count} tries left.", count=result.tries_left))
    shop = desk.db.get(Shop, contact.shop_id)  # the shop's own zone, else the gateway's (TIMEZONE)
    zone = ZoneInfo((shop.timezone if shop else None) or desk.settings.SHOP_TIMEZONE)
    until = result.locked_until.astimezone(zone).strftime("%H:%M") if result.locked_until else "?"
    raise Refusal(desk.t("Too many wrong PINs. Stock and price commands are locked until {time}.",
                         time=until))


def _name(product: Product) -> str:
    return clip(f"{product.sku} {product.name}", 40)


@command("stock", "STOCK {sku} 12", en=("STOCK",), es=("STOCK", "EXISTENCIA"), sw=("STOKI", "BIDHAA"))
def stock(desk: ShopDesk, words: Words) -> str:
    target = _target(desk, words, "stock")
    count = _count(desk, words, target)
    old = shop_stock.set_stock(desk.db, target.product, count, desk.phone)
    return desk.t("{name}: stock now {qty} (was {old}).", name=_name(target.product), qty=count, old=old)


def _count(desk: ShopDesk, words: Words, target: Target) -> int:
    """The stock count an SMS names; ``Refusal`` for a negative, broken or absurd count."""
    raw, sku = target.value or "", target.product.sku
    if raw.startswith(NEGATIVE_SIGNS):
        raise Refusal(desk.t("Stock cannot be negative. Send the count you have, e.g. {kw} {sku} 0.",
                             kw=words.keyword, sku=sku))
    if not WHOLE_COUNT.fullmatch(raw):
        raise Refusal(desk.t("The count must be a whole number, e.g. {kw} {sku} 12.",
                             kw=words.keyword, sku=sku))
    if int(raw.replace(",", "")) > shop_stock.MAX_STOCK:
        raise Refusal(desk.t("That count is too large. Send how many you have, e.g. {kw} {sku} 12.",
                             kw=words.keyword, sku=sku))
    return int(raw.replace(",", ""))


@command("price", "PRICE {sku} 150", en=("PRICE",), es=("PRECIO",), sw=("BEI",))
def price(desk: ShopDesk, words: Words) -> str:
    target = _target(desk, words, "price")
    product = target.product
    try:
        minor = to_minor(target.value or "", product.currency)
    except BadPrice as bad:
        raise _price_refusal(desk, words, product, bad.problem) from None
    if minor <= 0:
        raise _price_refusal(desk, words, product, PriceProblem.UNREADABLE)
    old = shop_stock.set_price(desk.db, product, minor, desk.phone)
    return desk.t("{name}: price now {price} (was {old}).", name=_name(product),
                  price=format_money(minor, product.currency), old=format_money(old, product.currency))


def _price_refusal(desk: ShopDesk, words: Words, product: Product, problem: PriceProblem) -> Refusal:
    values = {"kw": words.keyword, "sku": product.sku, "currency": product.currency}
    if problem is PriceProblem.NEGATIVE:
        return Refusal(desk.t("A price cannot be negative. Send the price, e.g. {kw} {sku} 150.", **values))
    if problem is PriceProblem.TOO_MANY_DECIMALS and precision(product.currency):
        return Refusal(desk.t("{currency} prices have at most {digits} decimals, e.g. {kw} {sku} 19.50.",
                              digits=precision(product.currency), **values))
    if problem is PriceProblem.TOO_MANY_DECIMALS:
        return Refusal(desk.t("{currency} prices are whole numbers, e.g. {kw} {sku} 1950.", **values))
    if problem is PriceProblem.TOO_LARGE:
        return Refusal(desk.t("That price is too large. Send the price of one item, e.g. {kw} {sku} 150.",
                              **values))
    return Refusal(desk.t("The price must be a number above 0, e.g. {kw} {sku} 150.", **values))


@command("off", "OFF {sku}", en=("OFF", "HIDE"), es=("OFF", "OCULTAR", "AGOTADO"),
         sw=("OFF", "ZIMA", "FICHA"))
def off(desk: ShopDesk, words: Words) -> str:
    target = _target(desk, words, "show")
    shop_stock.set_on_sale(desk.db, target.product, False, desk.phone)
    return desk.t("{name} is hidden from customers. Send ON {sku} to show it again.",
                  name=_name(target.product), sku=target.product.sku)


@command("on", "ON {sku}", en=("ON", "SHOW"), es=("ON", "MOSTRAR", "ACTIVAR"), sw=("ON", "WASHA", "ONYESHA"))
def on(desk: ShopDesk, words: Words) -> str:
    target = _target(desk, words, "show")
    shop_stock.set_on_sale(desk.db, target.product, True, desk.phone)
    reply = desk.t("{name} is on sale again.", name=_name(target.product))
    if target.product.stock <= 0:
        reply += " " + desk.t("Stock is 0: send STOCK {sku} and a count.", sku=target.product.sku)
    return reply
