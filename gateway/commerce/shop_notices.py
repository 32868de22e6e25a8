"""The SMS a shop gets (a new order to answer, the evening summary) and the SMS its customer gets
when the shop answers (confirmed, rejected with the reason, ready).

Each function writes outbox rows (``queue_sms``) in the caller's transaction with a dedupe key,
so a repeated event texts nobody twice. Shop texts are in each contact's language (learnt from the
keywords they text, else their number's country's); customer texts in the customer's. Every text is fitted to
one GSM-7 segment: the variable parts (items, landmark, reason) are clipped, never the instructions.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce.models import Order, OutboundSms, Shop, ShopContact
from gateway.commerce.money import format_money
from gateway.commerce.order_slip import fit_items
from gateway.commerce.recipients import Recipients
from gateway.commerce.shop_desk import Reachable, contact_language, was_paid
from gateway.commerce.shop_summary import DaySummary
from gateway.commerce.sms_queue import queue_sms
from gateway.core.i18n import load_translator, translate
from gateway.core.text import clip, septets, to_gsm7

SMS_LIMIT = 160


def _fit(lang: str, msgid: str, squeeze: str, least: int = 8, **values: str) -> str:
    """``msgid`` filled with ``values``, clipping ``values[squeeze]`` so the whole fits one SMS."""
    fixed = septets(to_gsm7(translate(lang, msgid, **{**values, squeeze: ""})))
    room = max(least, SMS_LIMIT - fixed)
    return translate(lang, msgid, **{**values, squeeze: clip(to_gsm7(values[squeeze]), room)})


def _payment_state(lang: str, order: Order, paid: bool) -> str:
    if paid:
        return translate(lang, "PAID")
    if order.payment_method == "cash" and order.fulfilment == "pickup":
        return translate(lang, "cash at pickup")
    if order.payment_method == "cash":
        return translate(lang, "cash on delivery")
    return translate(lang, "not paid yet")


def _where(lang: str, order: Order) -> str:
    if order.fulfilment == "delivery":
        return translate(lang, "Deliver to {landmark}", landmark=clip(to_gsm7(order.landmark or "-"), 40))
    return translate(lang, "Pickup")


def shop_new_order(db: Session, order: Order, paid: bool | None = None,
                   to: Recipients | None = None) -> None:
    """Text every number of the order's shop that a new order waits for its answer.

    Call it when the order reaches the shop: at placement for cash orders, once paid for M-Pesa
    ones (``notices.order_placed`` does the first). Calling it again sends nothing more. Items that
    do not fit one SMS are counted, with the command that shows them all (``+3 more: text K7P2Q``).
    ``paid`` says whether money was received and ``to`` who the shop's numbers are, when the caller
    knows (else they are read from the order).
    """
    paid = was_paid(db, order) if paid is None else paid
    msgid = "New order {ref}: {items}. {total} {payment}. {where}. Reply OK {ref} or NO {ref}"
    for contact in (to or Recipients.of(order)).shop_contacts:
        lang = _contact_lang(contact)
        values = dict(ref=order.reference, total=format_money(order.total_minor, order.currency),
                      payment=_payment_state(lang, order, paid), where=_where(lang, order))
        fixed = septets(to_gsm7(translate(lang, msgid, items="", **values)))
        items = fit_items(partial(translate, lang), order, SMS_LIMIT - fixed)
        body = translate(lang, msgid, items=items, **values)
        queue_sms(db, contact.phone, body, "shop_new_order", order.id,
                  f"shop_new_order:{order.id}:{contact.phone}")


def _contact_lang(contact: Reachable) -> str:
    return contact_language(contact, load_translator().languages)


def _customer_lang(order: Order) -> str:
    return order.customer.language or "en"


def order_confirmed_by_shop(db: Session, order: Order) -> None:
    """Tell the customer the shop accepted their order."""
    lang = _customer_lang(order)
    body = _fit(lang, "Bodega: {shop} confirmed your order {ref}. We will text you when it is ready.",
                "shop", shop=order.shop.name, ref=order.reference)
    queue_sms(db, order.customer.phone, body, "order_confirmed", order.id, f"order_confirmed:{order.id}")


def order_rejected_by_shop(db: Session, order: Order, reason: str | None) -> None:
    """Tell the customer the shop cannot take their order, why, and about their refund if paid."""
    lang = _customer_lang(order)
    refund = (" " + translate(lang, "Your payment of {total} will be refunded.",
                              total=format_money(order.total_minor, order.currency))
              if order.refund_due else "")
    body = _fit(lang, "Bodega: sorry, {shop} cannot take order {ref}: {reason}.{refund}", "reason",
                shop=clip(order.shop.name, 30), ref=order.reference,
                reason=reason or translate(lang, "no reason given"), refund=refund)
    queue_sms(db, order.customer.phone, body, "order_rejected", order.id, f"order_rejected:{order.id}")


def order_ready(db: Session, order: Order) -> None:
    """Tell the customer their order is ready for pickup, or on its way."""
    lang = _customer_lang(order)
    if order.fulfilment == "delivery":
        msgid = "Bodega: your order {ref} from {shop} is ready and on its way.{cash}"
    else:
        msgid = "Bodega: your order {ref} is ready for pickup at {shop}.{cash}"
    cash = (" " + translate(lang, "Please have {total} ready.",
                            total=format_money(order.total_minor, order.currency))
            if order.payment_method == "cash" and not was_paid(db, order) else "")
    body = _fit(lang, msgid, "shop", ref=order.reference, shop=order.shop.name, cash=cash)
    queue_sms(db, order.customer.phone, body, "order_ready", order.id, f"order_ready:{order.id}")


def _told_contacts(db: Session, order: Order) -> list[ShopContact]:
    """The shop's numbers that were sent ``order`` (a shop that never heard of it is not texted)."""
    told = set(db.scalars(select(OutboundSms.to_phone).where(OutboundSms.order_id == order.id,
                                                             OutboundSms.purpose == "shop_new_order")))
    return [contact for contact in order.shop.contacts if contact.phone in told]


def order_cancelled_by_customer(db: Session, order: Order) -> None:
    """Tell every shop number that was sent ``order`` not to prepare it, and the customer that it is
    cancelled (and refunded, when it was paid). A shop that never heard of it is not texted."""
    for contact in _told_contacts(db, order):
        lang = _contact_lang(contact)
        body = translate(lang, "Order {ref} was cancelled by the customer. Do not prepare it.",
                         ref=order.reference)
        queue_sms(db, contact.phone, body, "shop_order_cancelled", order.id,
                  f"shop_order_cancelled:{order.id}:{contact.phone}")
    customer_order_cancelled(db, order)


def customer_order_cancelled(db: Session, order: Order) -> None:
    """Tell the customer ``order`` is cancelled (and refunded, when it was paid)."""
    lang = _customer_lang(order)
    refund = (" " + translate(lang, "Your payment of {total} will be refunded.",
                              total=format_money(order.total_minor, order.currency))
              if order.refund_due else "")
    body = _fit(lang, "Bodega: your order {ref} at {shop} is cancelled.{refund}", "shop",
                ref=order.reference, shop=order.shop.name, refund=refund)
    queue_sms(db, order.customer.phone, body, "order_cancelled", order.id, f"order_cancelled:{order.id}")


def shop_told_of_console_move(db: Session, order: Order, target: str, reason: str | None) -> None:
    """Tell the shop's numbers that were sent ``order`` what an admin did with it from the console
    (``confirmed``, ``rejected`` with the reason, ``cancelled``), so nobody packs a dead order."""
    for contact in _told_contacts(db, order):
        lang = _contact_lang(contact)
        if target == "confirmed":
            body = translate(lang, "Order {ref} was confirmed from the console. Send READY {ref} when "
                             "it is ready.", ref=order.reference)
        elif target == "rejected":
            body = _fit(lang, "Order {ref} was rejected from the console: {reason}. Do not prepare it.",
                        "reason", ref=order.reference, reason=reason or translate(lang, "no reason given"))
        else:
            body = translate(lang, "Order {ref} was cancelled from the console. Do not prepare it.",
                             ref=order.reference)
        queue_sms(db, contact.phone, body, "shop_console_move", order.id,
                  f"shop_console_move:{order.id}:{target}:{contact.phone}")


def shop_daily_summary(db: Session, shop: Shop, day: date, summary: DaySummary) -> int:
    """Text the shop's owners their day in figures, once per owner and day; returns rows queued."""
    queued = 0
    for contact in shop.contacts:
        if contact.role != "owner":
            continue
        lang = _contact_lang(contact)
        body = _fit(lang, "{shop} {day}: {new} new orders, {delivered} delivered, {rejected} rejected, "
                    "{open} open. Takings {takings}.", "shop", shop=shop.name, day=day.strftime("%d/%m"),
                    new=str(summary.new_orders), delivered=str(summary.delivered),
                    rejected=str(summary.rejected), open=str(summary.still_open),
                    takings=format_money(summary.takings_minor, summary.currency))
        queue_sms(db, contact.phone, body, "shop_daily_summary",
                  dedupe_key=f"shop_daily_summary:{shop.id}:{day.isoformat()}:{contact.phone}")
        queued += 1
    return queued
