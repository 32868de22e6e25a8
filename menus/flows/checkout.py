"""Checkout: one summary with the answers already given -> Confirm.

``start_checkout`` opens the summary with the customer's remembered answers (their last order's
pick-up or delivery, landmark and payment method), or the first option offered; the summary says
them and offers ``2. Change delivery`` / ``3. Change payment`` only where there is a choice
(``checkout_choices``). Confirm is the one screen here that writes: it places the order (idempotent
per dial), and for mobile money records a payment whose prompt a job sends once the handset has
left USSD. When an item sold out since it went in the cart, Confirm shows which one and offers the
cart, without ending the dial.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.commerce import orders, wallets
from gateway.commerce.models import Order
from gateway.commerce.money import format_money
from gateway.commerce.settlement import start_payment
from menus.flows.checkout_choices import (
    METHOD_LABELS,
    PICKUP_METHOD_LABELS,
    SHOP_ROOM,
    below_minimum,
    cannot_order,
    closed_text,
    fulfilment_options,
    method_label,
    payment_methods,
    priced,
    summary_answers,
)
from menus.screens import Ctx, End, Goto, Home, Outcome, Retry, Screen, choice, menu_text, register
from menus.text import clip, septets

__all__ = ["METHOD_LABELS", "PICKUP_METHOD_LABELS", "method_label", "placed_message", "start_checkout"]
NO_METHOD = "Sorry, no way to pay here works with your number. Please ask the shop."
CONFIRM, CHANGE_DELIVERY, CHANGE_PAYMENT = "1", "2", "3"
ADD_MORE = "1"  # a cart below the shop's minimum: back to the shop's categories
# Below this many characters (a strict aggregator, or a retry line above) the summary has no room
# for a line of its own for the delivery fee: it then rides on the delivery line.
ROOM_FOR_FEE_LINE = 150


def start_checkout(ctx: Ctx, **extra: Any) -> Goto:
    """The summary, opened with the customer's remembered answers (``extra`` on top, e.g. a note)."""
    return Goto("checkout.confirm", {**summary_answers(ctx, ctx.caller.last_order), **extra})


def _empty(ctx: Ctx) -> str:
    return ctx.t("Your cart is empty.") + f"\n0 {ctx.t('Back')}"


@register
class Confirm(Screen):
    name = "checkout.confirm"
    goes_to = frozenset({"checkout.short_stock", "checkout.fulfilment", "checkout.payment",
                         "checkout.landmark", "checkout.pay_code",
                         "shop.categories"})  # otherwise it ends the dial
    mutates = True
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        cart = priced(ctx, self._how(ctx))
        if cart is None:
            return _empty(ctx)
        shop, lines, basket = cart
        refused = cannot_order(ctx, shop, basket.items_minor)
        methods = payment_methods(ctx, cart)
        if ctx.data.get("method") not in methods:  # the cart changed past what a wallet takes
            ctx.data["method"] = methods[0] if methods else None
        if refused and below_minimum(shop, basket.items_minor):  # more items would do: offer the shop
            return f"{refused}\n{ADD_MORE}. {ctx.t('Add more')}\n0 {ctx.t('Back')}"
        if refused or not methods:
            return f"{refused or ctx.t(NO_METHOD)}\n0 {ctx.t('Back')}"
        ctx.data["shown"] = orders.cart_as_shown(lines)  # what Confirm checks SQL's cart against
        ctx.data["shown_total"] = basket.total_minor  # ... and the total with the shop's fee
        fee = format_money(basket.fee_minor, shop.currency) if basket.fee_minor else ""
        note = [str(ctx.data["note"])] if ctx.data.get("note") else []
        own_line = bool(fee) and not note and ctx.max_chars - ctx.reserved >= ROOM_FOR_FEE_LINE
        summary = [
            ctx.t("{n} item(s) from {shop}", n=sum(li.qty for li in lines), shop=clip(shop.name, SHOP_ROOM)),
            *([ctx.t("Delivery fee {fee}", fee=fee)] if own_line else []),
            ctx.t("Total {total}", total=format_money(basket.total_minor, shop.currency)),
            self._fulfilment(ctx, "" if own_line else fee),
            ctx.t("Payment: {method}", method=method_label(ctx, ctx.data["method"], self._how(ctx))),
        ]
        options = self._options(ctx, len(methods), len(fulfilment_options(ctx, cart)))
        text = "\n".join([*note, *summary, *options, f"0 {ctx.t('Back')}"])
        for spare in (summary[0] + "\n", f"\n0 {ctx.t('Back')}"):  # on a crowded screen these give way
            if septets(text) + ctx.reserved > ctx.max_chars:
                text = text.replace(spare, "", 1)
        return text

    def _options(self, ctx: Ctx, methods: int, ways: int) -> list[str]:
        options = [f"{CONFIRM}. {ctx.t('Confirm')}"]
        if ways > 1:
            options.append(f"{CHANGE_DELIVERY}. {ctx.t('Change delivery')}")
        if methods > 1:
            options.append(f"{CHANGE_PAYMENT}. {ctx.t('Change payment')}")
        return options

    def _how(self, ctx: Ctx) -> str:
        return str(ctx.data.get("fulfilment") or orders.PICKUP)

    def _fulfilment(self, ctx: Ctx, fee: str) -> str:
        """``Delivery: <landmark>``; on a tight screen the fee rides on it: ``Delivery (+KSh 50): ...``."""
        landmark = ctx.data.get("landmark") or ""
        if self._how(ctx) == orders.DELIVERY and fee:
            return ctx.t("Delivery (+{fee}): {landmark}", fee=fee, landmark=landmark)
        if self._how(ctx) == orders.DELIVERY:
            return ctx.t("Delivery: {landmark}", landmark=landmark)
        return ctx.t("Pick up at the shop")

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        cart = priced(ctx, self._how(ctx))
        if cart and below_minimum(cart.shop, cart.basket.items_minor):
            if answer == ADD_MORE:
                return Goto("shop.categories", {"shop": cart.shop.id})
            return Retry(ctx.t("Press 1 to add more or 0 to go back."))
        ways, methods = len(fulfilment_options(ctx, cart)), len(payment_methods(ctx, cart))
        if answer == CHANGE_DELIVERY and ways > 1:
            return Goto("checkout.fulfilment", {"fulfilment": self._how(ctx)})
        if answer == CHANGE_PAYMENT and methods > 1:
            return Goto("checkout.payment", {"fulfilment": self._how(ctx)})
        if answer != CONFIRM:  # name every key the summary offers, not only 1 and 0
            if len(self._options(ctx, methods, ways)) > 1:
                return Retry(ctx.t("Choose a number from the list."))
            return Retry(ctx.t("Press 1 to confirm or 0 to go back."))
        if not ctx.data.get("method") or (cart and cannot_order(ctx, cart.shop, cart.basket.items_minor)):
            return Retry(ctx.t("Press 0 to go back."))
        if self._how(ctx) == orders.DELIVERY and not ctx.data.get("landmark"):
            return Goto("checkout.landmark")
        return self._place(ctx, str(ctx.data["method"]))

    def _place(self, ctx: Ctx, method: str) -> Outcome:
        try:  # a replayed Confirm gets this dial's order back, and no second payment below
            order = orders.place_order(ctx.db, ctx.customer_id, ctx.session_id, self._how(ctx),
                                       ctx.data.get("landmark"), method, self._pay_within(ctx, method),
                                       shown=ctx.data.get("shown"),
                                       shown_total=ctx.data.get("shown_total"))
        except orders.CartChanged as exc:
            shown = priced(ctx)  # the summary under the message shows the cart as it now is, at
            ctx.catalog.read_again(shown.shop.id if shown else None)  # the prices SQL has now
            ctx.cart.read_again()
            return Retry(exc.render(ctx.t))
        except orders.ShortOfStock as exc:
            return Goto("checkout.short_stock", {"name": exc.product_name, "wanted": exc.wanted,
                                                 "left": exc.left})
        except orders.EmptyCart:
            return End(ctx.t("Your cart is empty. Nothing was ordered."))
        except orders.ShopClosed as exc:
            return End(closed_text(ctx, exc.shop_name, exc.opens) + " "
                       + ctx.t("Nothing was ordered; your cart is kept."))
        except (orders.NoDelivery, orders.BelowMinimum) as exc:
            return Retry(ctx.t(exc.user_message))
        if orders.placed_now(ctx.db, order):  # not a replayed Confirm's order: the cart is empty now
            ctx.cart.emptied()
        ctx.caller.remember_last_order(order)  # the next dial offers it as Order again
        code_wallet = method in wallets.PAY_CODE_WALLETS  # no handset prompt to wait for: ask now
        if method != orders.CASH and not orders.has_payment(ctx.db, order.id):
            delay = 0 if code_wallet else ctx.settings.PAYMENT_PUSH_DELAY_SECONDS
            start_payment(ctx.db, order, method, ctx.phone, delay=delay)
        ctx.bag["funnel"] = "order"
        if code_wallet:
            return Goto("checkout.pay_code", {"order": order.id}, push=False)
        return End(placed_message(ctx, order))

    def _pay_within(self, ctx: Ctx, method: str) -> timedelta | None:
        """How long the order waits for its money: a cash code is paid at an agent, so it waits longer."""
        if method == orders.CASH:
            return None
        return timedelta(minutes=ctx.settings.pay_within_minutes(method))


@register
class ShortStock(Screen):
    """An item of the cart sold out (or ran low) between the cart and Confirm: nothing was
    ordered. The cart replaces this screen in the back stack, so ``0`` from the changed cart
    returns to the summary with the checkout answers kept."""

    name = "checkout.short_stock"
    goes_to = frozenset({"cart.view"})
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        name = clip(str(ctx.data["name"]), SHOP_ROOM)
        left = int(ctx.data["left"])
        if left:
            short = ctx.t("Sorry, only {left} {name} left; your cart has {qty}.", left=left, name=name,
                          qty=ctx.data["wanted"])
        else:
            short = ctx.t("Sorry, {name} is sold out.", name=name)
        kept = ctx.t("Nothing was ordered; your cart is kept.")
        return "\n".join([short, menu_text(kept, [ctx.t("Change my cart"), ctx.t("Home")])])

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        picked = choice(answer, 2)
        if picked == 1:
            return Goto("cart.view", push=False)
        if picked == 2:
            return Home()
        return Retry(ctx.t("Choose 1 or 2."))


def placed_message(ctx: Ctx, order: Order) -> str:
    """The last screen of a dial that placed (or asked to pay for) ``order``."""
    total = format_money(order.total_minor, order.currency)
    if order.payment_method == orders.CASH and order.fulfilment == orders.PICKUP:
        return ctx.t("Order {ref} placed. Total {total}, pay at pickup. We will text you when "
                     "the shop confirms.", ref=order.reference, total=total)
    if order.payment_method == orders.CASH:
        return ctx.t("Order {ref} placed. Total {total}, pay on delivery. We will text you when "
                     "the shop confirms.", ref=order.reference, total=total)
    if order.payment_method in wallets.PAY_CODE_WALLETS:
        return ctx.t("Order {ref}: your {method} code to pay {total} comes by SMS in a minute.",
                     ref=order.reference, total=total, method=method_label(ctx, order.payment_method,
                                                                           order.fulfilment))
    return ctx.t("Order {ref}: approve {total} on the {method} prompt.", ref=order.reference, total=total,
                 method=method_label(ctx, order.payment_method, order.fulfilment))
