"""The last screen of a checkout paid with a cash code (PagoEfectivo's CIP).

The code comes from the provider, and a hop never calls one: Confirm records the payment and its
job asks for the code at once, while this screen says the order is placed. By the time the
customer presses 1 the code is normally there, so the dial ends showing it; if it is not yet,
the dial ends saying it comes by SMS (the job texts it either way).
"""

from __future__ import annotations

from gateway.commerce import orders
from gateway.commerce.models import Order
from gateway.commerce.money import format_money
from gateway.commerce.settlement import issued_code
from gateway.commerce.wallets import WALLET_NAMES
from menus.screens import Ctx, End, Outcome, Retry, Screen, choice, menu_text, register


@register
class PayCode(Screen):
    name = "checkout.pay_code"
    goes_to = frozenset[str]()  # it ends the dial

    def _order(self, ctx: Ctx) -> Order | None:
        return orders.get_customer_order(ctx.db, ctx.customer_id, int(ctx.data.get("order", 0)))

    def render(self, ctx: Ctx) -> str:
        order = self._order(ctx)
        if order is None:
            return ctx.t("That order was not found.")
        wallet = WALLET_NAMES.get(order.payment_method, order.payment_method)
        total = format_money(order.total_minor, order.currency)
        title = ctx.t("Order {ref} placed. Total {total}. Pay it in cash with a {wallet} code.",
                      ref=order.reference, total=total, wallet=wallet)
        return menu_text(title, [ctx.t("Show my code")])

    def handle(self, ctx: Ctx, answer: str) -> Outcome:
        order = self._order(ctx)
        if order is None:
            return End(ctx.t("That order was not found."))
        if choice(answer, 1) is None:
            return Retry(ctx.t("Press 1 to see your code."))
        code = issued_code(ctx.db, order.id)
        if code is None:
            wallet = WALLET_NAMES.get(order.payment_method, order.payment_method)
            return End(ctx.t("Your {wallet} code for order {ref} comes by SMS in a minute.", wallet=wallet,
                             ref=order.reference))
        return End(code_message(ctx, order, code))


def code_message(ctx: Ctx, order: Order, code: str) -> str:
    """The screen that gives the customer the code to pay ``order`` with, and how."""
    return ctx.t("Pay {total} with {wallet} code {code} at an agent, bank or app. Order {ref}. "
                 "We sent it by SMS too.", total=format_money(order.total_minor, order.currency),
                 wallet=WALLET_NAMES.get(order.payment_method, order.payment_method), code=code,
                 ref=order.reference)
