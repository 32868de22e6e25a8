"""Search by name: type a few letters on the keypad, pick from the products that match.

Opened from the first screen (every open shop) or from a shop's screen (that shop only). Case and
accents do not matter ("azucar" finds "Azúcar"); names that start with the letters come first,
then names with a later word that does (one shop's from its catalog snapshot, every shop's with
``catalog.search_products``, an indexed lookup). When
nothing matches, the screen says so and whatever is typed next is a new search.
"""

from __future__ import annotations

from typing import Any

from gateway.commerce import catalog
from gateway.commerce.search_keys import search_key
from menus.flows.catalog import pick_product, product_rows
from menus.screens import BACK, Ctx, Goto, ListScreen, Outcome, Retry, Screen, register
from menus.text import clip

SHORTEST = 2
SHOWN_TYPED = 20


def _typed(ctx: Ctx, answer: str) -> Outcome:
    """A search for ``answer`` (replacing the current screen), or why it cannot be one."""
    key = search_key(answer)
    if len(key.replace(" ", "")) < SHORTEST or key.isdigit():
        return Retry(ctx.t("Type at least 2 letters of the name."))
    shop = ctx.data.get("shop")
    return Goto("search.results", {"q": key, "shop": shop, "town": None if shop else _town(ctx)}, push=False)


def _town(ctx: Ctx) -> str | None:
    """The customer's town when shops are in several (search keeps to the shops home lists)."""
    if "town" in ctx.data:  # a new search from the results: the town already looked up
        return ctx.data["town"]
    towns = ctx.catalog.list_towns()
    town = ctx.caller.town if len(towns) > 1 else None
    return town if town in towns else None


@register
class Ask(Screen):
    name = "search.ask"
    goes_to = frozenset({"search.results"})
    funnel = "shop"

    def render(self, ctx: Ctx) -> str:
        return f"{ctx.t('Type a few letters of the name:')}\n{BACK} {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        return _typed(ctx, answer)


@register
class Results(ListScreen):
    name = "search.results"
    goes_to = frozenset({"search.results", "shop.quantity"})
    funnel = "shop"
    empty_message = "Nothing found. Type other letters:"

    def title(self, ctx: Ctx) -> str:
        return ctx.t("Found for '{typed}':", typed=clip(str(ctx.data["q"]), SHOWN_TYPED))

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        shop, typed = ctx.data.get("shop"), str(ctx.data["q"])
        if shop is not None:  # one shop's products: its snapshot, no SQL
            return product_rows(ctx, ctx.catalog.search_shop(int(shop), typed, offset, limit))
        return product_rows(ctx, catalog.search_products(ctx.db, typed, None, offset, limit,
                                                         ctx.data.get("town")))

    def render(self, ctx: Ctx) -> str:
        text = super().render(ctx)
        if not ctx.data.get("keys"):  # nothing: say so under what was typed, and wait for more
            ctx.data["retype"] = True
            return text.replace(self.title(ctx), ctx.t("No match for '{typed}'.",
                                                        typed=clip(str(ctx.data["q"]), SHOWN_TYPED)), 1)
        return text

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        return pick_product(ctx, key)

    def handle_extra(self, ctx: Ctx, answer: str) -> Outcome | None:
        return _typed(ctx, answer) if ctx.data.get("retype") else None
