"""Shop-owner SMS commands about orders, plus ORDERS and HELP. Keywords per language:

=========  ============================  ==========================  ===========================
command    English                       Spanish                     Swahili
=========  ============================  ==========================  ===========================
confirm    OK, YES, CONFIRM, ACCEPT      OK, SI, CONFIRMAR, ACEPTAR  OK, NDIO, SAWA, KUBALI
reject     NO, REJECT, DECLINE           NO, RECHAZAR                HAPANA, KATAA
ready      READY                         LISTO, LISTA                TAYARI
done       DONE, DELIVERED, COLLECTED    ENTREGADO, HECHO            IMEFIKA, IMEKAMILIKA
orders     ORDERS, LIST                  PEDIDOS                     ODA, MAAGIZO
stock      STOCK                         STOCK, EXISTENCIA           STOKI, BIDHAA
price      PRICE                         PRECIO                      BEI
off        OFF, HIDE                     OFF, OCULTAR, AGOTADO       OFF, ZIMA, FICHA
on         ON, SHOW                      ON, MOSTRAR, ACTIVAR        ON, WASHA, ONYESHA
help       HELP, MENU                    AYUDA                       MSAADA
=========  ============================  ==========================  ===========================

(``LISTA`` is "ready" in Spanish, so ``orders`` uses only ``PEDIDOS`` there.) The stock, price and
visibility commands live in ``menus.sms_stock_commands``.
"""

from __future__ import annotations

from gateway.commerce import order_moves, shop_desk
from gateway.commerce import order_states as st
from gateway.commerce.models import Order
from gateway.commerce.money import format_money
from gateway.commerce.order_slip import order_slip
from gateway.commerce.references import canonical_reference
from gateway.core.errors import IllegalTransition
from menus import sms_stock_commands  # noqa: F401 - registers STOCK, PRICE, OFF, ON
from menus.sms_desk import KEYWORDS, Refusal, ShopDesk, Words, command
from menus.text import septets, to_gsm7

SMS_LIMIT = 160
SHORT_STATUS = {st.PLACED: "new", st.PAID: "paid", st.CONFIRMED: "confirmed", st.READY: "ready"}


def _order(desk: ShopDesk, words: Words, keyword: str) -> Order:
    """The order named by the first argument among the sender's shops, else a ``Refusal``."""
    if not words.args:
        raise Refusal(desk.t("Send {kw} and the order number, e.g. {kw} K7P2Q.", kw=keyword))
    order = shop_desk.find_order(desk.db, desk.shop_ids, words.args[0])
    if order is None:
        raise Refusal(desk.t("No order {ref} in your shop. Send ORDERS to see open orders.",
                             ref=canonical_reference(words.args[0]) or words.args[0]))
    return order


def _move(desk: ShopDesk, order: Order, target: str, reason: str | None = None) -> str | None:
    """Make the shop's move to ``target`` on ``order`` (``order_moves``, which also texts the
    customer): None when it happened, else the reply saying why not."""
    try:
        order_moves.BY_TARGET[target](desk.db, order, desk.phone, order_moves.SMS, reason)
    except IllegalTransition:
        return _why_not(desk, order, target)
    return None


def _why_not(desk: ShopDesk, order: Order, target: str) -> str:
    """A clear reply for a move the state machine refused, saying what to send instead."""
    ref, status = order.reference, order.status
    if status in (st.PLACED, st.PAID) and target in (st.READY, st.DELIVERED):
        return desk.t("{ref} is not confirmed yet. Send OK {ref} first.", ref=ref)
    if status in (st.AWAITING_PAYMENT, st.PAYMENT_FAILED):
        return desk.t("{ref} is not paid yet. You will get an SMS when it is paid.", ref=ref)
    return desk.t("{ref} is already {status}.", ref=ref, status=desk.t(st.LABELS.get(status, status)))


@command("confirm", "OK {ref}", en=("OK", "YES", "CONFIRM", "ACCEPT"),
         es=("OK", "SI", "CONFIRMAR", "ACEPTAR"), sw=("OK", "NDIO", "SAWA", "KUBALI"))
def confirm(desk: ShopDesk, words: Words) -> str:
    order = _order(desk, words, words.keyword)
    refused = _move(desk, order, st.CONFIRMED)
    if refused:
        return refused
    return desk.t("{ref} confirmed, customer told. Send READY {ref} when it is ready.", ref=order.reference)


@command("reject", "NO {ref} reason", en=("NO", "REJECT", "DECLINE"), es=("NO", "RECHAZAR"),
         sw=("HAPANA", "KATAA"))
def reject(desk: ShopDesk, words: Words) -> str:
    order = _order(desk, words, words.keyword)
    reason = words.rest_after(1)[:80] or None
    refused = _move(desk, order, st.REJECTED, reason)
    if refused:
        return refused
    reply = desk.t("{ref} rejected, stock put back, customer told.", ref=order.reference)
    if order.refund_due:
        reply += " " + desk.t("It was paid: refund {total} is due.",
                              total=format_money(order.total_minor, order.currency))
    return reply


@command("ready", "READY {ref}", en=("READY",), es=("LISTO", "LISTA"), sw=("TAYARI",))
def ready(desk: ShopDesk, words: Words) -> str:
    order = _order(desk, words, words.keyword)
    refused = _move(desk, order, st.READY)
    if refused:
        return refused
    return desk.t("{ref} is ready, customer told. Send DONE {ref} once handed over.", ref=order.reference)


@command("done", "DONE {ref}", en=("DONE", "DELIVERED", "COLLECTED"), es=("ENTREGADO", "HECHO"),
         sw=("IMEFIKA", "IMEKAMILIKA"))
def done(desk: ShopDesk, words: Words) -> str:
    order = _order(desk, words, words.keyword)
    refused = _move(desk, order, st.DELIVERED)
    if refused:
        return refused
    if order.fulfilment == "pickup":
        return desk.t("{ref} collected. Thank you!", ref=order.reference)
    return desk.t("{ref} delivered. Thank you!", ref=order.reference)


@command("orders", "ORDERS", en=("ORDERS", "LIST"), es=("PEDIDOS",), sw=("ODA", "MAAGIZO"))
def orders(desk: ShopDesk, words: Words) -> str:
    if words.args and not words.args[0].startswith("#"):  # ORDERS K7P2Q: that one order, whole
        return order_detail(desk, words)
    found = shop_desk.open_orders(desk.db, desk.shop_ids)
    if not found:
        return desk.t("No open orders.")
    head = desk.t("Open orders ({count}):", count=len(found))
    tail = desk.t("Reply OK/NO/READY/DONE and the order.")
    items = [f"{o.reference} {desk.t(SHORT_STATUS.get(o.status, o.status))} "
             f"{format_money(o.total_minor, o.currency)}" for o in found]
    shown: list[str] = []
    for index, item in enumerate(items):
        left = len(items) - index - 1
        more = " " + desk.t("+{count} more", count=left) if left else ""
        if shown and septets(to_gsm7(f"{head} {', '.join([*shown, item])}{more}. {tail}")) > SMS_LIMIT:
            break
        shown.append(item)
    hidden = len(items) - len(shown)
    more = " " + desk.t("+{count} more", count=hidden) if hidden else ""
    return f"{head} {', '.join(shown)}{more}. {tail}"


@command("order", "{ref}")
def order_detail(desk: ShopDesk, words: Words) -> str:
    """``K7P2Q`` (or ``ORDERS K7P2Q``): every item, the total, the payment, where it goes and the
    customer's full number, in as many segments as it takes. Only the order's own shop gets it."""
    return order_slip(desk.db, desk.t, _order(desk, words, words.keyword))


@command("help", "HELP", en=("HELP", "MENU"), es=("AYUDA",), sw=("MSAADA",))
def help_(desk: ShopDesk, words: Words) -> str:
    entry = KEYWORDS.get(words.args[0]) if words.args else None
    if entry is not None:
        return desk.t("Send: {usage}", usage=entry[0].usage.format(ref="K7P2Q", sku="SKU"))
    return desk.t("Shop SMS: OK ref, NO ref reason, READY ref, DONE ref, ORDERS, STOCK sku qty, "
                  "PRICE sku price, OFF sku, ON sku. Put your PIN after the word if set.")


@command("unknown", "")
def unknown(desk: ShopDesk, words: Words) -> str:
    return desk.t("Sorry, {word} is not a command. Send HELP for the list.", word=words.keyword[:20])
