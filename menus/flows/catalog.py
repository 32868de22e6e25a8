"""Browsing: a shop -> categories (skipped when there is one) -> products -> quantity -> added.

The shops themselves are listed on the first screen (``home``). A shop's screen offers ``90 Search``
within the shop (``menus.flows.search``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gateway.commerce import carts, shop_terms
from gateway.commerce.models import utcnow
from gateway.commerce.money import format_money
from menus.flows.cart import most_for
from menus.flows.checkout import start_checkout
from menus.screens import (
    ITEM_WIDTH,
    Back,
    Ctx,
    End,
    Goto,
    ListScreen,
    Outcome,
    Retry,
    Screen,
    as_number,
    choice,
    menu_text,
    register,
)
from menus.text import clip, septets

SEARCH = "90"


def open_shop(ctx: Ctx, shop_id: int) -> Goto:
    """A shop's first screen: its categories, or straight to its products when it has one category."""
    category = ctx.catalog.only_category(shop_id)
    if category is not None:
        return Goto("shop.products", {"shop": shop_id, "category": category})
    return Goto("shop.categories", {"shop": shop_id})


@register
class ShopList(ListScreen):
    """One town's shops, after the customer picked the town (``menus.flows.towns``); otherwise the
    shops are listed on the first screen (``home``)."""

    name = "shop.list"
    goes_to = frozenset({"shop.categories", "shop.products", "shop.list"})
    funnel = "dial"
    empty_message = "No shops are open right now."

    def title(self, ctx: Ctx) -> str:
        town = ctx.data.get("town")
        return ctx.t("Shops in {town}", town=clip(str(town), 20)) if town else ctx.t("Choose a shop")

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        now = utcnow()
        rows = ctx.catalog.list_shops(offset, limit, ctx.data.get("town"))
        return [(s.id, shop_label(ctx, s, now)) for s in rows]

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        return open_shop(ctx, key)


def search_option(ctx: Ctx) -> list[str]:
    return [f"{SEARCH} {ctx.t('Search')}"]


def shop_label(ctx: Ctx, shop: Any, now: datetime) -> str:
    """``Mama Njeri``, or ``Mama Njeri (closed, opens 08:00)`` outside its hours (the mark stays whole)."""
    if shop_terms.is_open(shop, now):
        return str(shop.name)
    opens = shop_terms.opens_next(shop, now)
    mark = f" ({ctx.t('closed, opens {time}', time=opens) if opens else ctx.t('closed')})"
    return clip(shop.name, ITEM_WIDTH - septets(mark)) + mark


@register
class DirectDial(Screen):
    """``*384*123*<n>#``: the first extra digits pick shop number n. Never shown itself."""

    name = "shop.direct"
    goes_to = frozenset({"shop.categories", "shop.products"})

    def render(self, ctx: Ctx) -> str:
        return ctx.t("Enter a shop number")

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        number = as_number(answer)
        shop = ctx.catalog.shop_by_number(number) if number is not None else None
        if shop is None:
            return Retry(ctx.t("There is no shop number {n}.", n=answer[:8]))
        return open_shop(ctx, shop.id)


@register
class Categories(ListScreen):
    name = "shop.categories"
    goes_to = frozenset({"shop.products", "shop.categories", "search.ask"})
    funnel = "shop"
    empty_message = "This shop has nothing for sale yet."

    def title(self, ctx: Ctx) -> str:
        ctx.bag["shop_id"] = ctx.data["shop"]
        return ctx.catalog.shop_name(ctx.data["shop"]) or ctx.t("Shop")

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        return [(c.id, c.name) for c in ctx.catalog.list_categories(ctx.data["shop"], offset, limit)]

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        return Goto("shop.products", {"category": key})

    def extra_options(self, ctx: Ctx) -> list[str]:
        return search_option(ctx)

    def handle_extra(self, ctx: Ctx, answer: str) -> Outcome | None:
        return Goto("search.ask", {"shop": ctx.data["shop"]}) if answer == SEARCH else None


@register
class Products(ListScreen):
    name = "shop.products"
    goes_to = frozenset({"shop.quantity", "shop.products", "search.ask"})
    funnel = "shop"
    empty_message = "Nothing in this category right now."

    def title(self, ctx: Ctx) -> str:
        if ctx.data.get("shop"):  # the shop's only category: this is the shop's own screen
            ctx.bag["shop_id"] = ctx.data["shop"]
            return ctx.catalog.shop_name(ctx.data["shop"]) or ctx.t("Products")
        return ctx.catalog.category_name(ctx.data["category"]) or ctx.t("Products")

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        return product_rows(ctx, ctx.catalog.list_products(ctx.data["category"], offset, limit))

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        return pick_product(ctx, key)

    def extra_options(self, ctx: Ctx) -> list[str]:
        return search_option(ctx) if ctx.bag.get("shop_id") else []

    def handle_extra(self, ctx: Ctx, answer: str) -> Outcome | None:
        if answer == SEARCH and ctx.bag.get("shop_id"):
            return Goto("search.ask", {"shop": ctx.bag["shop_id"]})
        return None


def product_rows(ctx: Ctx, products: Sequence[Any]) -> list[tuple[Any, str]]:
    """List rows for products: ``name - price``, or ``name (sold out)``; the name gives way."""
    rows = []
    for p in products:
        price = format_money(p.price_minor, p.currency)
        tail = f" ({ctx.t('sold out')})" if p.stock <= 0 else f" - {price}"
        rows.append((p.id, clip(p.name, ITEM_WIDTH - septets(tail)) + tail))
    return rows


def pick_product(ctx: Ctx, product_id: int) -> Outcome:
    """The quantity screen for a product picked from a list, unless it went away or sold out."""
    product = ctx.catalog.get_product(product_id, ctx.bag.get('shop_id'))
    if product is None or not product.active:
        return Retry(ctx.t("That item is no longer available."))
    if product.stock <= 0:
        return Retry(ctx.t("Sorry, {name} is sold out.", name=product.name))
    return Goto("shop.quantity", {"product": product.id})


@register
class Quantity(Screen):
    name = "shop.quantity"
    goes_to = frozenset({"shop.added", "cart.switch_shop"})
    mutates = True
    funnel = "shop"

    def most(self, ctx: Ctx, stock: int, in_cart: int) -> int:
        """How many more the customer may add: the line as a whole stays within stock and the cap."""
        return most_for(ctx, stock, in_cart)

    def render(self, ctx: Ctx) -> str:
        product = ctx.catalog.get_product(ctx.data["product"], ctx.bag.get('shop_id'))
        if product is None:
            return ctx.t("That item is no longer available.") + "\n0 " + ctx.t("Back")
        price = format_money(product.price_minor, product.currency)
        in_cart = ctx.cart.qty(product.id)
        most = self.most(ctx, product.stock, in_cart)
        if not in_cart:
            return ctx.t("{name} - {price}\nHow many? (1-{most})", name=product.name, price=price, most=most)
        if not most:
            return f"{self._full(ctx, product.name, in_cart)}\n0 {ctx.t('Back')}"
        return ctx.t("{name} - {price}\n{in_cart} in your cart. How many more? (1-{most})",
                     name=product.name, price=price, in_cart=in_cart, most=most)

    def _full(self, ctx: Ctx, name: str, in_cart: int) -> str:
        return ctx.t("Your cart already has {in_cart} x {name}, as many as one order can take.",
                     in_cart=in_cart, name=name)

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        product = ctx.catalog.get_product(ctx.data["product"], ctx.bag.get('shop_id'))
        if product is None or not product.active or product.stock <= 0:
            return End(ctx.t("Sorry, that item is no longer available."))
        in_cart = ctx.cart.qty(product.id)
        most = self.most(ctx, product.stock, in_cart)
        if not most:
            return Retry(ctx.t("Press 0 to go back."))
        qty = as_number(answer)
        if qty is None or not 1 <= qty <= most:
            return Retry(ctx.t("Enter a number from 1 to {most}.", most=most))
        if carts.cart_shop(ctx.cart, ctx.catalog, ctx.bag.get('shop_id')) not in (None, product.shop_id):
            # replaces this screen, so 0 there (and Keep shopping after it) returns to the list
            return Goto("cart.switch_shop", {"product": product.id, "qty": qty}, push=False)
        ctx.cart.add(product.id, qty)
        return Goto("shop.added", {"product": product.id, "qty": qty}, push=False)


@register
class Added(Screen):
    """After the quantity: Checkout opens the summary; Keep shopping returns to the list the item
    was picked from (the quantity screen was replaced by this one), at the page it was on."""

    name = "shop.added"
    goes_to = frozenset({"checkout.confirm", "cart.view"})
    funnel = "cart"

    def render(self, ctx: Ctx) -> str:
        product = ctx.catalog.get_product(ctx.data["product"], ctx.bag.get('shop_id'))
        name = product.name if product else ""
        title = ctx.t("Added {qty} x {name}.", qty=ctx.data["qty"], name=name)
        return menu_text(title, [ctx.t("Checkout"), ctx.t("Keep shopping"), ctx.t("View cart")])

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        picked = choice(answer, 3)
        if picked == 1:
            return start_checkout(ctx)
        if picked == 2:
            return Back()
        if picked == 3:
            return Goto("cart.view")
        return Retry(ctx.t("Choose 1, 2 or 3."))
