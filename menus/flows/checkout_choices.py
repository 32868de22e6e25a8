"""Checkout's questions: pick up or delivery (with a landmark), and how to pay.

The summary (``checkout.confirm``) opens with answers already given: the customer's own from their
last order, else the first option offered. A question with one possible answer (a single payment
method, a shop that only does pick-up) is never asked; the summary says what it is. The summary's
"Change delivery" / "Change payment" open the screens here, which hand the new answer back to it
with ``Back(data)``, so ``0`` on any of them returns to the summary unchanged.

Every screen here prices the dial's cart from the catalog snapshot (``carts.price_cart``) and knows
the caller's answers from their profile (``ctx.caller``): asking costs no SQL, only Confirm does.
"""

from __future__ import annotations

from typing import Any

from gateway.commerce import carts, orders, wallets
from gateway.commerce.caller_profile import LastOrder
from gateway.commerce.models import utcnow
from gateway.commerce.money import format_money
from gateway.commerce.shop_terms import Terms
from menus.screens import Back, Ctx, Goto, Outcome, Retry, Screen, choice, menu_text, register
from menus.text import clip, to_gsm7

# Each wallet by its own name ("MTN MoMo", "Airtel Money", "PagoEfectivo"); cash by what happens.
METHOD_LABELS = {**wallets.WALLET_NAMES, "cash": "Cash on delivery"}
# Cash for a pickup order changes hands at the shop's counter, not at the door.
PICKUP_METHOD_LABELS = {"cash": "Pay at pickup"}
LANDMARK_MIN = 3
LANDMARK_MAX = 40
SHOP_ROOM = 30


def method_label(ctx: Ctx, method: str, fulfilment: str) -> str:
    """How a payment method reads on a screen for a pickup or delivery order (``mpesa`` ->
    ``M-Pesa``; cash -> ``Cash on delivery`` or ``Pay at pickup``), translated."""
    labels = {**METHOD_LABELS, **PICKUP_METHOD_LABELS} if fulfilment == orders.PICKUP else METHOD_LABELS
    return ctx.t(labels.get(method, method.replace("_", " ").title()))


def priced(ctx: Ctx, fulfilment: str | None = None) -> carts.PricedCart | None:
    """The dial's cart priced at its shop, picked up or delivered (by default as the screen's own
    ``fulfilment`` says); None for an empty cart."""
    how = fulfilment or str(ctx.data.get("fulfilment") or orders.PICKUP)
    return carts.price_cart(ctx.cart, ctx.catalog, how, ctx.bag.get("shop_id"))


def payment_methods(ctx: Ctx, cart: carts.PricedCart | None = None) -> list[str]:
    """The methods checkout offers this customer (``PAYMENT_METHODS``, in order; cash when none are
    set), leaving out a wallet that cannot charge their number this cart's total in its currency
    (``gateway.commerce.wallets``). ``cart`` is ``priced(ctx)`` when the caller has it already."""
    methods = ctx.settings.PAYMENT_METHODS
    cart = cart or priced(ctx)
    currency, total = (cart.shop.currency, cart.basket.total_minor) if cart else ("", 0)
    return wallets.offered_methods(tuple(methods), currency, ctx.phone, total)


def fulfilment_options(ctx: Ctx, cart: carts.PricedCart | None = None) -> list[str]:
    """How the cart's shop hands orders over, in the order offered: pick-up, and delivery when the
    shop delivers (a pick-up-only shop's question is then never asked)."""
    cart = cart or priced(ctx)
    return [orders.PICKUP, orders.DELIVERY] if cart is None or cart.shop.delivers else [orders.PICKUP]


def cannot_order(ctx: Ctx, shop: Terms, items_minor: int) -> str | None:
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


def below_minimum(shop: Terms, items_minor: int) -> bool:
    """Whether ``shop`` is open but this cart is under its smallest order (more items would do)."""
    try:
        orders.check_terms(shop, items_minor, orders.PICKUP, utcnow())
    except orders.BelowMinimum:
        return True
    except orders.ShopClosed:
        return False
    return False


def closed_text(ctx: Ctx, shop: str, opens: str | None) -> str:
    """``Sorry, X is closed, opens 08:00.``"""
    if opens:
        return ctx.t("Sorry, {shop} is closed, opens {time}.", shop=clip(shop, SHOP_ROOM), time=opens)
    return ctx.t("Sorry, {shop} is closed now.", shop=clip(shop, SHOP_ROOM))


def summary_answers(ctx: Ctx, remembered: LastOrder | None) -> dict[str, Any]:
    """The answers a summary opens with: ``remembered``'s (the last order's) where still offered,
    else the first option offered. ``method`` is None when no payment method suits the customer."""
    cart = priced(ctx)
    ways = fulfilment_options(ctx, cart)
    fulfilment = remembered.fulfilment if remembered and remembered.fulfilment in ways else ways[0]
    landmark = remembered.landmark if remembered and fulfilment == orders.DELIVERY else None
    if fulfilment == orders.DELIVERY and not landmark:
        fulfilment = ways[0] if ways[0] != orders.DELIVERY else fulfilment
    methods = payment_methods(ctx, cart)
    method = remembered.payment_method if remembered and remembered.payment_method in methods else None
    if method is None and methods:
        method = methods[0]
    return {"fulfilment": fulfilment, "landmark": landmark, "method": method}


def clean_landmark(typed: str) -> str | None:
    """A landmark fit to print on a delivery note, or None: 3-40 characters, mostly letters."""
    text = " ".join(to_gsm7(typed).split())
    letters = sum(ch.isalpha() for ch in text)
    if not LANDMARK_MIN <= len(text) <= LANDMARK_MAX or letters < LANDMARK_MIN:
        return None
    return text


@register
class Fulfilment(Screen):
    name = "checkout.fulfilment"
    goes_to = frozenset({"checkout.landmark"})
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        cart = priced(ctx, orders.PICKUP)
        if cart is None:
            return ctx.t("Your cart is empty.") + f"\n0 {ctx.t('Back')}"
        shop = cart.shop
        labels = {orders.PICKUP: ctx.t("Pick up at {shop}", shop=clip(shop.name, SHOP_ROOM)),
                  orders.DELIVERY: ctx.t("Delivery")}
        if shop.delivery_fee_minor:
            labels[orders.DELIVERY] = ctx.t("Delivery (+{fee})",
                                            fee=format_money(shop.delivery_fee_minor, shop.currency))
        options = menu_text(ctx.t("How do you want your order?"),
                            [labels[way] for way in fulfilment_options(ctx, cart)])
        return f"{options}\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        if ctx.cart.count() == 0:
            return Retry(ctx.t("Your cart is empty."))
        ways = fulfilment_options(ctx)
        picked = choice(answer, len(ways))
        if picked is None:
            return Retry(ctx.t("Choose 1 to {n}.", n=len(ways)))
        if ways[picked - 1] == orders.DELIVERY:
            return Goto("checkout.landmark", push=False)  # its answer goes back to the summary
        return Back({"fulfilment": ways[picked - 1], "landmark": None})


@register
class Landmark(Screen):
    name = "checkout.landmark"
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        ask = ctx.t("Type a landmark near you for the delivery (e.g. Total petrol station):")
        return f"{ask}\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        landmark = clean_landmark(answer)
        if landmark is None:
            return Retry(ctx.t("Type 3 to 40 letters, e.g. Kibera market gate."))
        return Back({"fulfilment": orders.DELIVERY, "landmark": landmark})


@register
class PaymentMethod(Screen):
    name = "checkout.payment"
    funnel = "checkout"

    def render(self, ctx: Ctx) -> str:
        fulfilment = str(ctx.data.get("fulfilment", orders.PICKUP))
        labels = [method_label(ctx, m, fulfilment) for m in payment_methods(ctx)]
        return menu_text(ctx.t("How will you pay?"), labels) + f"\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        methods = payment_methods(ctx)
        picked = choice(answer, len(methods))
        if picked is None:
            return Retry(ctx.t("Choose 1 to {n}.", n=max(len(methods), 1)))
        return Back({"method": methods[picked - 1]})
