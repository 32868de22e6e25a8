"""Home: Shop, My cart, My orders, Language, Help."""

from __future__ import annotations

from menus.screens import Ctx, Goto, Outcome, Retry, Screen, choice, menu_text, register


@register
class HomeScreen(Screen):
    name = "home"
    goes_to = frozenset({"shop.list", "cart.view", "orders.list", "account.language", "help"})
    targets = ("shop.list", "cart.view", "orders.list", "account.language", "help")

    def render(self, ctx: Ctx) -> str:
        items = ctx.cart.count()
        title = ctx.t("Welcome to Bodega")
        if items and not ctx.bag.get("welcomed"):
            title = ctx.t("Welcome back! Your cart has {n} item(s).", n=items)
        ctx.bag["welcomed"] = True
        cart = ctx.t("My cart ({n})", n=items) if items else ctx.t("My cart")
        return menu_text(title, [ctx.t("Shop"), cart, ctx.t("My orders"), ctx.t("Language"), ctx.t("Help")])

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        picked = choice(answer, len(self.targets))
        if picked is None:
            return Retry(ctx.t("Choose 1 to {n}.", n=len(self.targets)))
        return Goto(self.targets[picked - 1])
