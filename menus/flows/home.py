"""The first screen of a dial: Order again (for a customer with an order), the shops, and extras.

```
Welcome to Bodega
1. Order again: 2x Avocado +1
2. Mama Njeri Groceries
3. Duka la Baraka
90 Search / 91 My cart / 92 My orders / 93 Language / 94 Help / 98 More
```

Order again puts the last order's items back in the cart at today's prices (items gone are left
out, short ones cut to stock, and the summary says so in one line) and opens the checkout summary
with that order's delivery and payment: dial -> Order again -> Confirm is three hops.
"""

from __future__ import annotations

from typing import Any

from gateway.commerce import reorder
from gateway.commerce.caller_profile import LastOrder
from gateway.commerce.models import utcnow
from menus.flows.catalog import SEARCH, open_shop, shop_label
from menus.flows.checkout import start_checkout
from menus.screens import ITEM_WIDTH, Ctx, Goto, ListScreen, Outcome, Retry, choice, register
from menus.text import clip, septets

AGAIN = "again"
TOWN = "town"  # a row key ["town", name]: the customer picks their town on this screen
EXTRAS = {"91": "cart.view", "92": "orders.list", "93": "account.language", "94": "help"}
CHANGE_TOWN = "95"


@register
class HomeScreen(ListScreen):
    name = "home"
    goes_to = frozenset({"shop.categories", "shop.products", "search.ask", "checkout.confirm",
                         "home", "shop.town", *EXTRAS.values()})
    funnel = "dial"
    back_line = False
    empty_message = "No shops are open right now."

    def render(self, ctx: Ctx) -> str:
        """The list; on a screen too small for it all (a short aggregator under a retry line) the
        welcome gives way first, then the Order again line, then the town option."""
        for tight in (0, 1, 2, 3):
            ctx.data["tight"] = tight
            text = super().render(ctx)
            if septets(text) + ctx.reserved <= ctx.max_chars:
                break
        return text

    def title(self, ctx: Ctx) -> str:
        items = ctx.cart.count()
        ctx.data["cart"] = items
        if ctx.data.get("tight"):
            return ""
        title = ctx.t("Welcome to Bodega")
        if items and not ctx.bag.get("welcomed"):
            title = ctx.t("Welcome back! Your cart has {n} item(s).", n=items)
        ctx.bag["welcomed"] = True
        return title

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        lead: list[tuple[Any, str]] = []
        if offset == 0 and int(ctx.data.get("tight", 0)) < 2:
            last = ctx.caller.last_order  # from the caller's card: no SQL for a known caller
            lead = [(AGAIN, again_label(ctx, last))] if last is not None else []
        if offset == 0:
            ctx.data["lead"] = len(lead)
        start = max(0, offset - int(ctx.data.get("lead", 0)))
        towns = ctx.catalog.list_towns()
        town = ctx.caller.town if len(towns) > 1 else None
        ctx.data["towns"] = len(towns) > 1
        if len(towns) > 1 and town not in towns:  # shops in several towns: theirs first
            return lead + [([TOWN, name], name) for name in towns[start:start + limit - len(lead)]]
        now = utcnow()
        rows = ctx.catalog.list_shops(start, limit - len(lead), town)
        return lead + [(s.id, shop_label(ctx, s, now)) for s in rows]

    def writes_on(self, data: dict[str, Any], answer: str) -> bool:
        """Order again refills the cart: a replayed answer picking it stops here."""
        keys = data.get("keys") or []
        picked = choice(answer, len(keys))
        return picked is not None and keys[picked - 1] == AGAIN

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        if key == AGAIN:
            return order_again(ctx)
        if isinstance(key, list) and key[0] == TOWN:
            ctx.caller.choose_town(str(key[1]))
            return Goto("home", push=False)
        return open_shop(ctx, int(key))

    def extra_options(self, ctx: Ctx) -> list[str]:
        items = int(ctx.data.get("cart", 0))
        cart = ctx.t("My cart ({n})", n=items) if items else ctx.t("My cart")
        labels = [cart, ctx.t("My orders"), ctx.t("Language"), ctx.t("Help")]
        extras = [f"{key} {label}" for key, label in zip(EXTRAS, labels, strict=True)]
        if ctx.data.get("towns") and int(ctx.data.get("tight", 0)) < 3:
            extras.append(f"{CHANGE_TOWN} {ctx.t('Choose your town')}")
        return [f"{SEARCH} {ctx.t('Search')}", *extras]

    def empty_footer(self, ctx: Ctx) -> list[str]:
        return self.extra_options(ctx)

    def handle_extra(self, ctx: Ctx, answer: str) -> Outcome | None:
        if answer == SEARCH:
            return Goto("search.ask", {"shop": None})
        if answer in EXTRAS:
            return Goto(EXTRAS[answer])
        if answer == CHANGE_TOWN and ctx.data.get("towns"):
            return Goto("shop.town")
        return None


def again_label(ctx: Ctx, order: LastOrder) -> str:
    """``Order again: 2x Avocado +1``: the first line's quantity and name, and how many more lines."""
    more = f" +{order.line_count - 1}" if order.line_count > 1 else ""
    head = ctx.t("Order again: {qty}x {name}", qty=order.first_qty, name="{name}")
    room = ITEM_WIDTH - len(head) + len("{name}") - len(more)
    return head.replace("{name}", clip(order.first_name, max(room, 8))) + more


def order_again(ctx: Ctx) -> Outcome:
    """Refill the cart from the last order and open the summary with its answers and a one-line note."""
    last = reorder.last_order(ctx.db, ctx.customer_id)  # picking it is an action: its lines from SQL
    ctx.caller.remember_last_order(last)  # what the card said, brought up to date
    if last is None:
        return Retry(ctx.t("Choose a number from the list."))
    refill = reorder.refill_cart(ctx.db, ctx.customer_id, last, ctx.settings.USSD_MAX_QTY)
    if not refill.added:
        return Retry(ctx.t("Sorry, none of those items are available now."))
    ctx.cart.read_again()  # refilled in SQL: the summary reads the cart as it now is
    notes = []
    if refill.gone:
        notes.append(ctx.t("Left out: {names}.", names=", ".join(refill.gone)))
    if refill.cut:
        cut = ", ".join(f"{qty} {name}" for name, qty in refill.cut)
        notes.append(ctx.t("Only {items} left.", items=cut))
    return start_checkout(ctx, note=" ".join(notes))  # the order just refilled is the last one
