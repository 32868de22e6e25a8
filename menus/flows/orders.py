"""My orders: the latest orders, one order's details, cancelling it, and paying again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.commerce import order_states, orders
from gateway.commerce.models import Order
from gateway.commerce.money import format_money
from gateway.commerce.settlement import issued_code, start_payment
from gateway.commerce.wallets import PAY_CODE_WALLETS
from menus.flows.checkout import method_label, placed_message
from menus.flows.pay_code import code_message
from menus.screens import (
    Ctx,
    End,
    Goto,
    ListScreen,
    Outcome,
    Retry,
    Screen,
    choice,
    menu_text,
    register,
)
from menus.text import clip, septets, to_gsm7

PAYABLE = frozenset({order_states.AWAITING_PAYMENT, order_states.PAYMENT_FAILED})
LIVE_PAYMENTS = ("queued", "requesting", "requested")  # see gateway.commerce.settlement
# A prompt unanswered for this long has timed out on the handset; the customer may ask again.
PROMPT_LIFETIME = timedelta(minutes=3)
HOW_MOST, HOW_LEAST, LINES_LEAST = 56, 16, 10


def status_label(ctx: Ctx, order: Order) -> str:
    """An order's status in words, translated (``awaiting_payment`` -> ``awaiting payment``; a
    fetched pick-up order -> ``collected``)."""
    return ctx.t(order_states.status_words(order.status, order.fulfilment))


def _order(ctx: Ctx) -> Order | None:
    return orders.get_customer_order(ctx.db, ctx.customer_id, int(ctx.data.get("order", 0)))


def _gone(ctx: Ctx) -> str:
    return ctx.t("That order was not found.") + f"\n0 {ctx.t('Back')}"


@register
class OrderList(ListScreen):
    name = "orders.list"
    goes_to = frozenset({"orders.list", "orders.detail"})
    funnel = None
    empty_message = "You have no orders yet."

    def title(self, ctx: Ctx) -> str:
        return ctx.t("My orders")

    def fetch(self, ctx: Ctx, offset: int, limit: int) -> list[tuple[Any, str]]:
        rows = orders.customer_orders(ctx.db, ctx.customer_id, offset, limit)
        return [(o.id, f"{o.reference} {status_label(ctx, o)} "
                       f"{format_money(o.total_minor, o.currency)}") for o in rows]

    def choose(self, ctx: Ctx, key: Any) -> Outcome:
        return Goto("orders.detail", {"order": key})


@register
class OrderDetail(Screen):
    """Status, lines (as many as fit), total, how it arrives; Cancel and Pay now when they apply."""

    name = "orders.detail"
    goes_to = frozenset({"orders.cancel", "orders.pay"})

    def options(self, order: Order) -> list[str]:
        found = []
        if orders.can_cancel(order):
            found.append("orders.cancel")
        if order.status in PAYABLE and order.payment_method != orders.CASH:
            found.append("orders.pay")
        return found

    def render(self, ctx: Ctx) -> str:
        order = _order(ctx)
        if order is None:
            return _gone(ctx)
        labels = {"orders.cancel": ctx.t("Cancel order"), "orders.pay": ctx.t("Pay now")}
        head = ctx.t("Order {ref}: {status}", ref=order.reference, status=status_label(ctx, order))
        total = ctx.t("Total {total}", total=format_money(order.total_minor, order.currency))
        how = (ctx.t("Delivery: {landmark}", landmark=order.landmark or "")
               if order.fulfilment == orders.DELIVERY else ctx.t("Pick up at the shop"))
        options = [f"{i}. {labels[o]}" for i, o in enumerate(self.options(order), 1)]
        back = f"0 {ctx.t('Back')}"
        room = ctx.max_chars - ctx.reserved - septets(to_gsm7("\n".join([head, total, *options, back])))
        # The landmark gives way first, keeping room for at least a "+N more" line.
        how = clip(to_gsm7(how), max(HOW_LEAST, min(HOW_MOST, room - 1 - LINES_LEAST)))
        room -= septets(how) + 1
        return "\n".join([head, *self._lines(ctx, order, room), total, how, *options, back])

    def _lines(self, ctx: Ctx, order: Order, room: int) -> list[str]:
        """The order's lines that fit in ``room`` septets, then ``+N more`` for the rest."""
        shown: list[str] = []
        for i, line in enumerate(order.lines):
            text = f"{line.qty}x {clip(to_gsm7(line.name), 30)}"
            rest = len(order.lines) - i - 1
            more = ctx.t("+{n} more", n=rest) if rest else ""
            if septets(text) + 1 + (septets(more) + 1 if more else 0) > room:
                unshown = ctx.t("+{n} more", n=rest + 1)
                return [*shown, unshown] if septets(unshown) + 1 <= room else shown
            shown.append(text)
            room -= septets(text) + 1
        return shown

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        order = _order(ctx)
        if order is None:
            return Retry(ctx.t("That order was not found."))
        options = self.options(order)
        picked = choice(answer, len(options))
        if picked is None:
            return Retry(ctx.t("Press 0 to go back.") if not options else ctx.t("Choose 1 to {n}.",
                                                                               n=len(options)))
        return Goto(options[picked - 1], {"order": order.id})


@register
class CancelOrder(Screen):
    name = "orders.cancel"
    goes_to = frozenset[str]()  # it ends the dial
    mutates = True

    def render(self, ctx: Ctx) -> str:
        order = _order(ctx)
        if order is None:
            return _gone(ctx)
        title = ctx.t("Cancel order {ref} ({total})?", ref=order.reference,
                      total=format_money(order.total_minor, order.currency))
        return menu_text(title, [ctx.t("Yes, cancel it")]) + f"\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        order = _order(ctx)
        if order is None:
            return Retry(ctx.t("That order was not found."))
        if choice(answer, 1) is None:
            return Retry(ctx.t("Press 1 to cancel the order or 0 to go back."))
        if not orders.can_cancel(order):
            return End(ctx.t("Order {ref} can no longer be cancelled: it is {status}.",
                             ref=order.reference, status=status_label(ctx, order)))
        orders.cancel_by_customer(ctx.db, order, ctx.phone)
        if order.refund_due:
            return End(ctx.t("Order {ref} is cancelled. Your refund will follow.", ref=order.reference))
        return End(ctx.t("Order {ref} is cancelled.", ref=order.reference))


@register
class PayNow(Screen):
    """Ask for the mobile-money prompt again (after a failed or ignored one)."""

    name = "orders.pay"
    goes_to = frozenset[str]()  # it ends the dial
    mutates = True

    def render(self, ctx: Ctx) -> str:
        order = _order(ctx)
        if order is None:
            return _gone(ctx)
        title = ctx.t("Pay {total} for order {ref} with {method}?", ref=order.reference,
                      total=format_money(order.total_minor, order.currency),
                      method=method_label(ctx, order.payment_method, order.fulfilment))
        return menu_text(title, [ctx.t("Pay now")]) + f"\n0 {ctx.t('Back')}"

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        order = _order(ctx)
        if order is None:
            return Retry(ctx.t("That order was not found."))
        if choice(answer, 1) is None:
            return Retry(ctx.t("Press 1 to pay or 0 to go back."))
        if order.status not in PAYABLE:
            return End(ctx.t("Order {ref} is {status}: nothing to pay now.", ref=order.reference,
                             status=status_label(ctx, order)))
        code = issued_code(ctx.db, order.id) if order.payment_method in PAY_CODE_WALLETS else None
        if code is not None and order.status == order_states.AWAITING_PAYMENT:  # one code per order
            return End(code_message(ctx, order, code))
        if orders.has_payment(ctx.db, order.id, LIVE_PAYMENTS, PROMPT_LIFETIME):
            return End(ctx.t("A payment prompt for order {ref} is on its way. Please wait a minute.",
                             ref=order.reference))
        if order.status == order_states.PAYMENT_FAILED:
            order_states.transition(ctx.db, order, order_states.AWAITING_PAYMENT, actor=ctx.phone,
                                    channel="ussd", note="customer asked to pay again")
        start_payment(ctx.db, order, order.payment_method, ctx.phone,
                      delay=ctx.settings.PAYMENT_PUSH_DELAY_SECONDS)
        return End(placed_message(ctx, order))
