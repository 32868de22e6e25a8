"""Towns: when shops are in more than one town, a customer picks theirs first (remembered on the
customer, changeable from the home screen) and the shop list shows that town's shops. With one
town or none, nothing is asked. A shop's direct code (``*384*123*<n>#``) works from any town."""

from __future__ import annotations

from typing import Any

from menus.screens import Ctx, Goto, ListScreen, Outcome, register


def shop_list_target(ctx: Ctx) -> Goto:
    """Where Home's "Shop" leads: the customer's town's shops, the town list when they have not
    picked one of the towns shops are in, or every shop when there is only one town."""
    towns = ctx.catalog.list_towns()
    if len(towns) < 2:
        return Goto("shop.list")
    town = ctx.caller.town
    if town in towns:
        return Goto("shop.list", {"town": town})
    return Goto("shop.town")


def several_towns(ctx: Ctx) -> bool:
    return len(ctx.catalog.list_towns()) > 1


@register
class TownList(ListScreen):
    name = "shop.town"
    goes_to = frozenset({"shop.list", "shop.town"})
    funnel = "dial"
    empty_message = "No shops are open right now."

    def title(self, ctx: Ctx) -> str:
        return ctx.t("Choose your town")

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        return [(town, town) for town in ctx.catalog.list_towns()[offset:offset + limit]]

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        ctx.caller.choose_town(str(key))
        return Goto("shop.list", {"town": str(key)}, push=False)
