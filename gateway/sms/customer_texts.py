"""What a customer (a number that runs no shop) gets when they text Bodega.

``STATUS`` (es ``ESTADO``, sw ``HALI``) answers with their latest orders and where each stands; a
reference (``K7P2Q``) with that order, if it is theirs. Anything else, or a number Bodega has never
seen, gets the short help text naming the USSD code (at most once a day, by the caller's dedupe
key). Replies are in the keyword's language, else the customer's saved one, else their country's;
each fits one GSM-7 segment. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce import orders, shop_desk
from gateway.commerce.customers import default_language
from gateway.commerce.models import Customer, Order
from gateway.commerce.money import format_money
from gateway.commerce.order_states import status_words
from gateway.core.i18n import translate
from gateway.core.text import clip, septets, to_gsm7
from menus.sms_desk import fold, looks_like_reference

STATUS_WORDS = {"STATUS": "en", "ESTADO": "es", "HALI": "sw"}
SMS_LIMIT = 160
LATEST = 3
SHOP_ROOM = 20


@dataclass(frozen=True)
class CustomerReply:
    """The reply to a customer's text: its body and whether it is the once-a-day help text."""

    body: str
    is_help: bool


def answer_customer(db: Session, phone: str, text: str, languages: list[str],
                    code: str | None) -> CustomerReply:
    """The reply to ``text`` from ``phone`` (E.164), which runs no shop."""
    customer = db.scalar(select(Customer).where(Customer.phone == phone))
    words = [fold(word) for word in text.split() if fold(word)]
    first = words[0] if words else ""
    lang = STATUS_WORDS.get(first) or (customer.language if customer else None) or default_language(
        phone, languages)
    if customer is not None and first in STATUS_WORDS:
        return CustomerReply(latest_orders(db, lang, customer), is_help=False)
    if customer is not None and len(words) == 1 and looks_like_reference(first):
        return CustomerReply(one_order(db, lang, customer, first), is_help=False)
    return CustomerReply(help_text(lang, code), is_help=True)


def help_text(lang: str, code: str | None) -> str:
    """The short text naming the USSD code to dial, in ``lang``."""
    if code:
        return translate(lang, "Bodega: to shop, dial {code}. To see your orders, text STATUS.", code=code)
    return translate(lang, "Bodega: to shop, dial our USSD code. To see your orders, text STATUS.")


def _line(lang: str, order: Order) -> str:
    status = translate(lang, status_words(order.status, order.fulfilment))
    shop = clip(to_gsm7(order.shop.name), SHOP_ROOM)
    return f"{order.reference} {shop} {status} {format_money(order.total_minor, order.currency)}"


def latest_orders(db: Session, lang: str, customer: Customer) -> str:
    """``Your orders: K7P2Q Mama Njeri confirmed KSh 750; ...`` (as many of the latest as fit)."""
    found = orders.customer_orders(db, customer.id, 0, LATEST)
    if not found:
        return translate(lang, "You have no orders yet.")
    head = translate(lang, "Your orders:")
    tail = translate(lang, "Text an order number for more.")
    shown: list[str] = []
    for order in found:
        candidate = f"{head} {'; '.join([*shown, _line(lang, order)])}. {tail}"
        if shown and septets(to_gsm7(candidate)) > SMS_LIMIT:
            break
        shown.append(_line(lang, order))
    return f"{head} {'; '.join(shown)}. {tail}"


def one_order(db: Session, lang: str, customer: Customer, typed: str) -> str:
    """Where one of the customer's orders stands, or that no such order is theirs."""
    reference = shop_desk.canonical_reference(typed)
    order = db.scalar(select(Order).where(Order.reference == reference,
                                          Order.customer_id == customer.id))
    if order is None:
        return translate(lang, "No order {ref} on your number. Text STATUS for your orders.", ref=reference)
    status = translate(lang, status_words(order.status, order.fulfilment))
    where = (translate(lang, "delivery to {landmark}", landmark=clip(order.landmark or "-", 40))
             if order.fulfilment == "delivery" else translate(lang, "pickup at the shop"))
    return translate(lang, "Bodega: order {ref} at {shop} is {status}. Total {total}, {where}.",
                     ref=order.reference, shop=clip(to_gsm7(order.shop.name), 30), status=status,
                     total=format_money(order.total_minor, order.currency), where=where)
