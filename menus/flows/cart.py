"""The cart: its lines with totals, change a quantity, remove a line, empty it, check out.

A cart holds one shop's items; adding another shop's item goes through ``cart.switch_shop``.
"""

from __future__ import annotations

from typing import Any

from gateway.commerce import carts
from gateway.commerce.money import format_money
from menus.flows.checkout import start_checkout
from menus.screens import (
    ITEM_WIDTH,
    Back,
    Ctx,
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
from menus.text import clip

CHECKOUT = "99"
EMPTY = "88"
REMOVE = "99"
NAME_ROOM = 30


def lines_of(ctx: Ctx) -> list[carts.PricedLine]:
    """The dial's cart with its products, as the catalog shows them now."""
    return carts.priced_lines(ctx.cart, ctx.catalog, ctx.bag.get("shop_id"))


def cart_total(lines: list[carts.PricedLine]) -> str:
    """The cart's total as text (``KES 360``); a cart holds one shop, so one currency."""
    if not lines:
        return ""
    return format_money(carts.cart_total_minor(lines), lines[0].product.currency)


def most_for(ctx: Ctx, stock: int, in_cart: int = 0) -> int:
    """How many more a customer may pick (``carts.quantity_cap`` with ``USSD_MAX_QTY``)."""
    return carts.quantity_cap(stock, ctx.settings.USSD_MAX_QTY, in_cart)


@register
class CartView(ListScreen):
    name = "cart.view"
    goes_to = frozenset({"cart.view", "cart.line", "cart.empty", "checkout.confirm"})
    funnel = "cart"
    empty_message = "Your cart is empty."

    def render(self, ctx: Ctx) -> str:
        if int(ctx.data.get("offset", 0)) >= len(lines_of(ctx)):
            ctx.data["offset"] = 0  # a removed line emptied the page the customer came back to
        return super().render(ctx)

    def title(self, ctx: Ctx) -> str:
        total = cart_total(lines_of(ctx))
        return ctx.t("My cart: {total}", total=total) if total else ctx.t("My cart")

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        rows = []
        for line in lines_of(ctx)[offset: offset + limit]:
            cost = format_money(line.qty * line.product.price_minor, line.product.currency)
            suffix = f" x{line.qty} {cost}"
            rows.append((line.product_id, clip(line.product.name, ITEM_WIDTH - 4 - len(suffix)) + suffix))
        return rows

    def extra_options(self, ctx: Ctx) -> list[str]:
        return [f"{CHECKOUT} {ctx.t('Checkout')}", f"{EMPTY} {ctx.t('Empty cart')}"]

    def handle_extra(self, ctx: Ctx, answer: str) -> Outcome | None:
        if not ctx.data.get("keys"):
            return None
        if answer == CHECKOUT:
            return start_checkout(ctx)
        if answer == EMPTY:
            return Goto("cart.empty")
        return None

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        return Goto("cart.line", {"product": key})


@register
class CartLine(Screen):
    """One line: type a new quantity, or 99 to remove it. Back to the cart either way."""

    name = "cart.line"
    goes_to = frozenset({"cart.view"})
    mutates = True

    def render(self, ctx: Ctx) -> str:
        line = _line(ctx)
        if line is None:
            return ctx.t("That item is no longer in your cart.") + f"\n0 {ctx.t('Back')}"
        product = line.product
        price = format_money(product.price_minor, product.currency)
        most = most_for(ctx, product.stock)
        head = f"{clip(product.name, 60)}\n{line.qty} x {price}"
        ask = ctx.t("New quantity (1-{most}):", most=max(most, 1))
        return "\n".join([head, ask, f"{REMOVE} {ctx.t('Remove')}", f"0 {ctx.t('Back')}"])

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        line = _line(ctx)
        if line is None:
            return Back()
        if answer == REMOVE:
            ctx.cart.set_quantity(line.product_id, 0)
            return Back()
        most = most_for(ctx, line.product.stock)
        qty = as_number(answer)
        if qty is None or not 1 <= qty <= most:
            return Retry(ctx.t("Enter a number from 1 to {most}.", most=max(most, 1)))
        ctx.cart.set_quantity(line.product_id, qty)
        return Back()


def _line(ctx: Ctx) -> carts.PricedLine | None:
    for line in lines_of(ctx):
        if line.product_id == ctx.data.get("product"):
            return line
    return None


@register
class EmptyCartScreen(Screen):
    name = "cart.empty"
    goes_to = frozenset({"cart.view"})
    mutates = True

    def render(self, ctx: Ctx) -> str:
        return menu_text(ctx.t("Empty your cart?"), [ctx.t("Yes, empty it")]) + f"\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        if choice(answer, 1) is None:
            return Retry(ctx.t("Press 1 to empty the cart or 0 to go back."))
        ctx.cart.empty()
        return Back()


@register
class SwitchShop(Screen):
    """The cart holds another shop's items: empty it and add this item, or go back."""

    name = "cart.switch_shop"
    goes_to = frozenset({"shop.added"})
    mutates = True

    def render(self, ctx: Ctx) -> str:
        shop_id = carts.cart_shop(ctx.cart, ctx.catalog, ctx.bag.get("shop_id"))
        shop = ctx.catalog.get_shop(shop_id) if shop_id else None
        title = ctx.t("Your cart holds items from {shop}. A cart holds one shop's items.",
                      shop=clip(shop.name if shop else "", NAME_ROOM))
        return menu_text(title, [ctx.t("Empty cart and add")]) + f"\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        if choice(answer, 1) is None:
            return Retry(ctx.t("Press 1 to empty the cart or 0 to go back."))
        product = ctx.catalog.get_product(ctx.data["product"], ctx.bag.get("shop_id"))
        if product is None or not product.active or product.stock <= 0:
            return Retry(ctx.t("That item is no longer available."))
        qty = min(int(ctx.data["qty"]), most_for(ctx, product.stock))
        ctx.cart.empty()
        ctx.cart.add(product.id, qty)
        return Goto("shop.added", {"product": product.id, "qty": qty}, push=False)
