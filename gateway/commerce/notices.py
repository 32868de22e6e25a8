"""The SMS Bodega sends when something happens to an order, in the reader's language.

Each function writes outbox rows (``queue_sms``) in the caller's transaction, with a dedupe key
so that a repeated event never texts anybody twice. Texts stay within one GSM-7 segment.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce.models import Order, Payment, UssdSession
from gateway.commerce.money import format_money
from gateway.commerce.order_states import AWAITING_SHOP, LABELS
from gateway.commerce.recipients import Recipients
from gateway.commerce.shop_notices import (  # noqa: F401 - the shop's texts, reachable as notices.<name>
    customer_order_cancelled,
    order_cancelled_by_customer,
    order_confirmed_by_shop,
    order_ready,
    order_rejected_by_shop,
    shop_daily_summary,
    shop_new_order,
    shop_told_of_console_move,
)
from gateway.commerce.sms_queue import queue_sms
from gateway.commerce.wallets import MPESA, WALLET_NAMES
from gateway.core.i18n import translate
from gateway.core.text import clip

SHOP_ROOM = 24  # a long shop name must not push a notice into a second SMS


def _lang(order: Order) -> str:
    return order.customer.language or "en"


def _total(order: Order) -> str:
    return format_money(order.total_minor, order.currency)


def order_placed(db: Session, order: Order, to: Recipients | None = None) -> None:
    """Tell the customer their cash order is placed (a mobile-money order is told once paid), and
    the shop that the order waits for its answer when it reaches the shop. ``to``: who they are,
    when the caller has read it already (else it is read from the order)."""
    to = to or Recipients.of(order)
    if order.payment_method == "cash":
        lang = to.customer.language or "en"
        values = {"ref": order.reference, "shop": clip(to.shop_name, SHOP_ROOM), "total": _total(order)}
        if order.fulfilment == "pickup":
            body = translate(lang, "Bodega: order {ref} placed at {shop}. Total {total}, "
                             "pay at pickup.", **values)
        else:
            body = translate(lang, "Bodega: order {ref} placed at {shop}. Total {total}, "
                             "pay on delivery.", **values)
        queue_sms(db, to.customer.phone, body, "order_placed", order.id, f"order_placed:{order.id}")
    if order.status in AWAITING_SHOP:  # an M-Pesa order reaches the shop once paid, not before
        shop_new_order(db, order, paid=False, to=to)  # just placed: nothing can have paid for it yet


def _shop(order: Order) -> str:
    return clip(order.shop.name, SHOP_ROOM)


def payment_received(db: Session, order: Order, payment: Payment) -> None:
    """Tell the customer their payment arrived, with the provider's receipt number when known."""
    values = {"total": format_money(payment.amount_minor, payment.currency), "ref": order.reference,
              "shop": _shop(order)}
    wallet = WALLET_NAMES.get(payment.provider)
    if payment.receipt and payment.provider in (MPESA, "sandbox"):  # sandbox receipts look like M-Pesa's
        body = translate(_lang(order), "Bodega: payment of {total} received for order {ref} at {shop}. "
                         "M-Pesa receipt {receipt}. Thank you!", receipt=payment.receipt, **values)
    elif payment.receipt and wallet:
        body = translate(_lang(order), "Bodega: payment of {total} received for order {ref} at {shop}. "
                         "{wallet} receipt {receipt}. Thank you!", receipt=payment.receipt, wallet=wallet,
                         **values)
    else:
        body = translate(_lang(order), "Bodega: payment of {total} received for order {ref} at {shop}. "
                         "Thank you!", **values)
    queue_sms(db, order.customer.phone, body, "payment_received", order.id, f"payment_received:{payment.id}")


def order_paid(db: Session, order: Order, payment: Payment) -> None:
    """Money arrived for ``order``: the customer gets the receipt, and the shop the order to answer
    (a mobile-money order reaches the shop once paid)."""
    payment_received(db, order, payment)
    shop_new_order(db, order)


def pay_code_sent(db: Session, order: Order, payment: Payment, code: str, pay_by: str) -> None:
    """Text the customer the code they pay in cash (PagoEfectivo's CIP) and how to pay it."""
    wallet = WALLET_NAMES.get(payment.provider, payment.provider)
    total = format_money(payment.amount_minor, payment.currency)
    body = translate(_lang(order), "Bodega: pay {total} for order {ref} with {wallet} code {code} at an "
                     "agent, bank or app by {pay_by}.", total=total, ref=order.reference, wallet=wallet,
                     code=code, pay_by=pay_by)
    queue_sms(db, order.customer.phone, body, "pay_code", order.id, f"pay_code:{payment.id}")


def payment_to_refund(db: Session, order: Order, payment: Payment) -> None:
    """Tell the customer money arrived for an order that no longer takes it, and that it goes back."""
    lang = _lang(order)
    status = translate(lang, LABELS.get(order.status, order.status))
    body = translate(lang, "Bodega: we received {total} for order {ref}, which is {status}. "
                     "It will be refunded to you.", ref=order.reference, status=status,
                     total=format_money(payment.amount_minor, payment.currency))
    queue_sms(db, order.customer.phone, body, "payment_refund", order.id, f"payment_refund:{payment.id}")


def payment_failed(db: Session, order: Order, payment: Payment) -> None:
    """Tell the customer a payment did not go through and how to try again from the keypad."""
    values = {"ref": order.reference, "total": format_money(payment.amount_minor, payment.currency)}
    code = dial_code(db, order)
    if code:
        body = translate(_lang(order), "Bodega: the payment for order {ref} ({total}) did not go through. "
                         "To try again, dial {code}, choose My orders, then Pay now.", code=code, **values)
    else:
        body = translate(_lang(order), "Bodega: the payment for order {ref} ({total}) did not go through. "
                         "To try again, dial us, choose My orders, then Pay now.", **values)
    queue_sms(db, order.customer.phone, body, "payment_failed", order.id, f"payment_failed:{payment.id}")


def dial_code(db: Session, order: Order) -> str | None:
    """The USSD code the customer dialled for ``order`` (``*384*123#``), shortcut digits removed."""
    if not order.ussd_session_id:
        return None
    code = db.scalar(select(UssdSession.service_code).where(UssdSession.session_id == order.ussd_session_id))
    parts = [p for p in (code or "").strip().strip("#").split("*") if p]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    return "*" + "*".join(parts[:2]) + "#"
