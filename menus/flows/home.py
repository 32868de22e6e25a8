"""Home: Shop, My cart, My orders, Language, Help (and Town, when shops are in several)."""

from __future__ import annotations

from gateway.commerce.carts import cart_count
from gateway.commerce.customers import customer_town
from menus.flows.towns import several_towns, shop_list_target
from menus.screens import Ctx, Goto, Outcome, Retry, Screen, choice, menu_text, register
from menus.text import clip


@register
class HomeScreen(Screen):
    name = "home"
    goes_to = frozenset({"shop.list", "shop.town", "cart.view", "orders.list", "account.language", "help"})
    targets = ("shop.list", "cart.view", "orders.list", "account.language", "help")

    def render(self, ctx: Ctx) -> str:
        items = cart_count(ctx.db, ctx.customer_id)
        title = ctx.t("Welcome to Bodega")
        if items and not ctx.bag.get("welcomed"):
            title = ctx.t("Welcome back! Your cart has {n} item(s).", n=items)
        ctx.bag["welcomed"] = True
        cart = ctx.t("My cart ({n})", n=items) if items else ctx.t("My cart")
        options = [ctx.t("Shop"), cart, ctx.t("My orders"), ctx.t("Language"), ctx.t("Help")]
        if several_towns(ctx):
            town = customer_town(ctx.db, ctx.customer_id)
            options.append(ctx.t("Town: {town}", town=clip(town, 20)) if town else ctx.t("Choose your town"))
        return menu_text(title, options)

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        count = len(self.targets) + (1 if several_towns(ctx) else 0)
        picked = choice(answer, count)
        if picked is None:
            return Retry(ctx.t("Choose 1 to {n}.", n=count))
        if picked == 1:
            return shop_list_target(ctx)
        if picked > len(self.targets):
            return Goto("shop.town")
        return Goto(self.targets[picked - 1])
