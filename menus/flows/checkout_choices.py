"""Checkout's questions: pick up or delivery (with a landmark), and how to pay.

The summary (``checkout.confirm``) opens with answers already given: the customer's own from their
last order, else the first option offered. A question with one possible answer (a single payment
method, a shop that only does pick-up) is never asked; the summary says what it is. The summary's
"Change delivery" / "Change payment" open the screens here, which hand the new answer back to it
with ``Back(data)``, so ``0`` on any of them returns to the summary unchanged.
"""

from __future__ import annotations

from typing import Any

from gateway.commerce import carts, orders, wallets
from gateway.commerce.models import Order, Shop, utcnow
from gateway.commerce.money import format_money
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


def payment_methods(ctx: Ctx) -> list[str]:
    """The methods checkout offers this customer (``PAYMENT_METHODS``, in order; cash when none are
    set), leaving out a wallet that cannot charge their number this cart's total in its currency
    (``gateway.commerce.wallets``)."""
    methods = ctx.settings.PAYMENT_METHODS
    priced = carts.cart_total(ctx.db, ctx.customer_id, str(ctx.data.get("fulfilment") or orders.PICKUP))
    currency, total = (priced[0].currency, priced[1].total_minor) if priced else ("", 0)
    return wallets.offered_methods(tuple(methods), currency, ctx.phone, total)


def fulfilment_options(ctx: Ctx) -> list[str]:
    """How the cart's shop hands orders over, in the order offered: pick-up, and delivery when the
    shop delivers (a pick-up-only shop's question is then never asked)."""
    shop_id = carts.cart_shop_id(ctx.db, ctx.customer_id)
    shop = ctx.db.get(Shop, shop_id) if shop_id else None
    return [orders.PICKUP, orders.DELIVERY] if shop is None or shop.delivers else [orders.PICKUP]


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


def summary_answers(ctx: Ctx, remembered: Order | None) -> dict[str, Any]:
    """The answers a summary opens with: ``remembered``'s (the last order's) where still offered,
    else the first option offered. ``method`` is None when no payment method suits the customer."""
    ways = fulfilment_options(ctx)
    methods = payment_methods(ctx)
    fulfilment = remembered.fulfilment if remembered and remembered.fulfilment in ways else ways[0]
    landmark = remembered.landmark if remembered and fulfilment == orders.DELIVERY else None
    if fulfilment == orders.DELIVERY and not landmark:
        fulfilment = ways[0] if ways[0] != orders.DELIVERY else fulfilment
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
        priced = carts.cart_total(ctx.db, ctx.customer_id, orders.PICKUP)
        if priced is None:
            return ctx.t("Your cart is empty.") + f"\n0 {ctx.t('Back')}"
        shop = priced[0]
        labels = {orders.PICKUP: ctx.t("Pick up at {shop}", shop=clip(shop.name, SHOP_ROOM)),
                  orders.DELIVERY: ctx.t("Delivery")}
        if shop.delivery_fee_minor:
            labels[orders.DELIVERY] = ctx.t("Delivery (+{fee})",
                                            fee=format_money(shop.delivery_fee_minor, shop.currency))
        options = menu_text(ctx.t("How do you want your order?"),
                            [labels[way] for way in fulfilment_options(ctx)])
        return f"{options}\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        if carts.cart_count(ctx.db, ctx.customer_id) == 0:
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
