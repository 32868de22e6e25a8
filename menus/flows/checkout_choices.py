"""Checkout's questions: pick up or delivery (with a landmark), and how to pay.

The summary (``checkout.confirm``) opens with answers already given: the customer's own from their
last order, else the first option offered. A question with one possible answer (a single payment
method, a shop that only does pick-up) is never asked; the summary says what it is. The summary's
"Change delivery" / "Change payment" open the screens here, which hand the new answer back to it
with ``Back(data)``, so ``0`` on any of them returns to the summary unchanged.
"""

from __future__ import annotations

from typing import Any

from gateway.commerce import carts, catalog, orders, wallets
from gateway.commerce.models import Order
from menus.screens import Back, Ctx, Goto, Outcome, Retry, Screen, choice, menu_text, register
from menus.text import clip, to_gsm7

METHOD_LABELS = {"mpesa": "M-Pesa", "cash": "Cash on delivery"}
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
    methods = ctx.settings.get("PAYMENT_METHODS") or ("cash",)
    lines = carts.cart_lines(ctx.db, ctx.customer_id)
    currency = lines[0].product.currency if lines else ""
    total = sum(li.qty * li.product.price_minor for li in lines)
    return [str(m) for m in methods if wallets.can_charge(str(m), currency, ctx.phone, total)]


def fulfilment_options(ctx: Ctx) -> list[str]:
    """How the cart's shop hands orders over, in the order offered (every shop does both today;
    a shop that only does pick-up returns one, and the question is then never asked)."""
    return [orders.PICKUP, orders.DELIVERY]


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
        shop_id = carts.cart_shop_id(ctx.db, ctx.customer_id)
        shop = catalog.get_shop(ctx.db, shop_id) if shop_id else None
        if shop is None:
            return ctx.t("Your cart is empty.") + f"\n0 {ctx.t('Back')}"
        labels = {orders.PICKUP: ctx.t("Pick up at {shop}", shop=clip(shop.name, SHOP_ROOM)),
                  orders.DELIVERY: ctx.t("Delivery")}
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
