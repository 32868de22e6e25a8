"""Checkout: pick up or delivery (with a landmark) -> payment method -> summary -> Confirm.

The answers travel in each screen's data, so ``0`` steps back through them unchanged. Confirm is
the one screen here that writes: it places the order (idempotent per dial), and for mobile money
records a payment whose prompt a job sends once the handset has left USSD. When an item sold out
since it went in the cart, Confirm shows which one and offers the cart, without ending the dial.
"""

from __future__ import annotations

from datetime import timedelta

from config.settings import setting
from gateway.commerce import carts, orders, wallets
from gateway.commerce.models import Order, Shop, utcnow
from gateway.commerce.money import format_money
from gateway.commerce.settlement import start_payment
from menus.screens import Ctx, End, Goto, Home, Outcome, Retry, Screen, choice, menu_text, register
from menus.text import clip, to_gsm7

METHOD_LABELS = {"mpesa": "M-Pesa", "cash": "Cash on delivery"}
# Cash for a pickup order changes hands at the shop's counter, not at the door.
PICKUP_METHOD_LABELS = {"cash": "Pay at pickup"}
NO_METHOD = "Sorry, no way to pay here works with your number. Please ask the shop."
LANDMARK_MIN = 3
LANDMARK_MAX = 40
SHOP_ROOM = 30
# Below this many characters (a strict aggregator, or a retry line above) the summary has no room
# for a seventh line: the delivery fee then rides on the delivery line instead of its own.
ROOM_FOR_FEE_LINE = 150


def method_label(ctx: Ctx, method: str, fulfilment: str) -> str:
    """How a payment method reads on a screen for a pickup or delivery order (``mpesa`` ->
    ``M-Pesa``; cash -> ``Cash on delivery`` or ``Pay at pickup``), translated."""
    labels = {**METHOD_LABELS, **PICKUP_METHOD_LABELS} if fulfilment == orders.PICKUP else METHOD_LABELS
    return ctx.t(labels.get(method, method.replace("_", " ").title()))


def payment_methods(ctx: Ctx) -> list[str]:
    """The methods checkout offers this customer (``PAYMENT_METHODS``, in order; cash when none are
    set), leaving out a wallet that cannot charge their number this cart's total in its currency."""
    methods = ctx.settings.get("PAYMENT_METHODS") or ("cash",)
    priced = carts.cart_total(ctx.db, ctx.customer_id, str(ctx.data.get("fulfilment", orders.PICKUP)))
    currency, total = (priced[0].currency, priced[1].total_minor) if priced else ("", 0)
    return [str(m) for m in methods if wallets.can_charge(str(m), currency, ctx.phone, total)]


def cannot_order(ctx: Ctx, shop: Shop, items_minor: int) -> str | None:
    """Why ``shop`` cannot take this cart now (closed, or below its minimum), or None."""
    try:
        orders.check_terms(shop, items_minor, orders.PICKUP, utcnow())
    except orders.ShopClosed as exc:
        return closed_text(ctx, shop.name, exc.opens)
    except orders.BelowMinimum as exc:
        return ctx.t("{shop} takes orders from {least}: add {missing} more.",
                     shop=clip(shop.name, SHOP_ROOM), least=format_money(shop.min_order_minor, shop.currency),
                     missing=format_money(exc.missing_minor, exc.currency))
    return None


def closed_text(ctx: Ctx, shop: str, opens: str | None) -> str:
    """``Sorry, X is closed, opens 08:00.``"""
    if opens:
        return ctx.t("Sorry, {shop} is closed, opens {time}.", shop=clip(shop, SHOP_ROOM), time=opens)
    return ctx.t("Sorry, {shop} is closed now.", shop=clip(shop, SHOP_ROOM))


def clean_landmark(typed: str) -> str | None:
    """A landmark fit to print on a delivery note, or None: 3-40 characters, mostly letters."""
    text = " ".join(to_gsm7(typed).split())
    letters = sum(ch.isalpha() for ch in text)
    if not LANDMARK_MIN <= len(text) <= LANDMARK_MAX or letters < LANDMARK_MIN:
        return None
    return text


def _empty(ctx: Ctx) -> str:
    return ctx.t("Your cart is empty.") + f"\n0 {ctx.t('Back')}"


@register
class Fulfilment(Screen):
    name = "checkout.fulfilment"
    goes_to = frozenset({"checkout.payment", "checkout.landmark"})
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        priced = carts.cart_total(ctx.db, ctx.customer_id, orders.PICKUP)
        if priced is None:
            return _empty(ctx)
        shop, basket = priced
        refused = cannot_order(ctx, shop, basket.items_minor)
        if refused:
            return f"{refused}\n0 {ctx.t('Back')}"
        options = [ctx.t("Pick up at {shop}", shop=clip(shop.name, SHOP_ROOM))]
        if shop.delivers and shop.delivery_fee_minor:
            fee = format_money(shop.delivery_fee_minor, shop.currency)
            options.append(ctx.t("Delivery (+{fee})", fee=fee))
        elif shop.delivers:
            options.append(ctx.t("Delivery"))
        return f"{menu_text(ctx.t('How do you want your order?'), options)}\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        priced = carts.cart_total(ctx.db, ctx.customer_id, orders.PICKUP)
        if priced is None:
            return Retry(ctx.t("Your cart is empty."))
        shop, basket = priced
        refused = cannot_order(ctx, shop, basket.items_minor)
        if refused:
            return Retry(ctx.t("Press 0 to go back."))
        picked = choice(answer, 2 if shop.delivers else 1)
        if picked == 1:
            return Goto("checkout.payment", {"fulfilment": orders.PICKUP})
        if picked == 2:
            return Goto("checkout.landmark", {"fulfilment": orders.DELIVERY})
        return Retry(ctx.t("Choose 1 or 2.") if shop.delivers else ctx.t("Press 1 to continue."))


@register
class Landmark(Screen):
    name = "checkout.landmark"
    goes_to = frozenset({"checkout.payment"})
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        ask = ctx.t("Type a landmark near you for the delivery (e.g. Total petrol station):")
        return f"{ask}\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        landmark = clean_landmark(answer)
        if landmark is None:
            return Retry(ctx.t("Type 3 to 40 letters, e.g. Kibera market gate."))
        return Goto("checkout.payment", {**ctx.data, "landmark": landmark})


@register
class PaymentMethod(Screen):
    name = "checkout.payment"
    goes_to = frozenset({"checkout.confirm"})
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        fulfilment = str(ctx.data.get("fulfilment", orders.PICKUP))
        labels = [method_label(ctx, m, fulfilment) for m in payment_methods(ctx)]
        if not labels:
            return f"{ctx.t(NO_METHOD)}\n0 {ctx.t('Back')}"
        return menu_text(ctx.t("How will you pay?"), labels) + f"\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        methods = payment_methods(ctx)
        if not methods:
            return Retry(ctx.t("Press 0 to go back."))
        picked = choice(answer, len(methods))
        if picked is None:
            return Retry(ctx.t("Choose 1 to {n}.", n=len(methods)))
        return Goto("checkout.confirm", {**ctx.data, "method": methods[picked - 1]})


@register
class Confirm(Screen):
    name = "checkout.confirm"
    goes_to = frozenset({"checkout.short_stock"})  # otherwise it ends the dial
    mutates = True
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        lines = carts.cart_lines(ctx.db, ctx.customer_id)
        if not lines:
            return _empty(ctx)
        ctx.data["shown"] = orders.cart_as_shown(lines)
        priced = carts.cart_total(ctx.db, ctx.customer_id, self._how(ctx))
        assert priced is not None  # the cart has lines
        shop, basket = priced
        items = sum(li.qty for li in lines)
        fee = format_money(basket.fee_minor, shop.currency) if basket.fee_minor else ""
        own_line = bool(fee) and ctx.max_chars - ctx.reserved >= ROOM_FOR_FEE_LINE
        summary = [
            ctx.t("{n} item(s) from {shop}", n=items, shop=clip(shop.name, SHOP_ROOM)),
            *([ctx.t("Delivery fee {fee}", fee=fee)] if own_line else []),
            ctx.t("Total {total}", total=format_money(basket.total_minor, shop.currency)),
            self._fulfilment(ctx, "" if own_line else fee),
            ctx.t("Payment: {method}", method=method_label(ctx, ctx.data["method"], self._how(ctx))),
        ]
        return "\n".join([*summary, f"1. {ctx.t('Confirm')}", f"0 {ctx.t('Back')}"])

    def _how(self, ctx: Ctx) -> str:
        return str(ctx.data.get("fulfilment", orders.PICKUP))

    def _fulfilment(self, ctx: Ctx, fee: str) -> str:
        """``Delivery: <landmark>``; on a tight screen the fee rides on it: ``Delivery (+KSh 50): ...``."""
        if self._how(ctx) == orders.DELIVERY and fee:
            return ctx.t("Delivery (+{fee}): {landmark}", fee=fee, landmark=ctx.data.get("landmark", ""))
        if self._how(ctx) == orders.DELIVERY:
            return ctx.t("Delivery: {landmark}", landmark=ctx.data.get("landmark", ""))
        return ctx.t("Pick up at the shop")

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        if choice(answer, 1) is None:
            return Retry(ctx.t("Press 1 to confirm or 0 to go back."))
        method = str(ctx.data["method"])
        try:  # a replayed Confirm gets this dial's order back, and no second payment below
            order = orders.place_order(ctx.db, ctx.customer_id, ctx.session_id, self._how(ctx),
                                       ctx.data.get("landmark"), method, self._pay_within(ctx, method),
                                       shown=ctx.data.get("shown"))
        except orders.CartChanged as exc:
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
        if method != orders.CASH and not orders.has_payment(ctx.db, order.id):
            start_payment(ctx.db, order, method, ctx.phone,
                          delay=float(setting(ctx.settings, "PAYMENT_PUSH_DELAY_SECONDS")))
        ctx.bag["funnel"] = "order"
        return End(placed_message(ctx, order))

    def _pay_within(self, ctx: Ctx, method: str) -> timedelta | None:
        if method == orders.CASH:
            return None
        return timedelta(minutes=int(setting(ctx.settings, "ORDER_EXPIRY_MINUTES")))


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
    return ctx.t("Order {ref}: approve {total} on the {method} prompt.", ref=order.reference, total=total,
                 method=method_label(ctx, order.payment_method, order.fulfilment))
