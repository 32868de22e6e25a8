"""The simulator's shop-owner tab and its self-updating panels.

``/simulator/shop`` texts the gateway as a shop's number: it builds Africa's Talking's inbound SMS
form (``from``, ``to``, ``text``, ``id``, ``date``, ``linkId``, ``networkCode``) and hands it to
the same parser and store as the webhook, so the worker answers it exactly as it answers AT.
``/simulator/panels`` renders the SMS and M-Pesa panels alone; ``simulator.js`` fetches it every
few seconds so replies and prompts appear without a refresh.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from gateway.admin.simulator import bp, prompts_for, texts_for
from gateway.commerce.models import InboundSms, Shop
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest
from gateway.sms.inbox import receive
from gateway.transports.africastalking_sms_in import parse_inbound

DEFAULT_SHORTCODE = "22384"


def at_inbound_form(sender: str, to: str, text: str) -> dict[str, str]:
    """The form AT posts to the inbound SMS callback for one message."""
    return {"from": sender, "to": to, "text": text, "id": f"sim-{uuid.uuid4()}",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "linkId": f"SimLinkId{uuid.uuid4().hex[:12]}", "networkCode": "99999"}


def _owner_numbers() -> list[tuple[str, str]]:
    db = runtime().sessions()
    try:
        return [(phone, f"{name} ({phone})") for phone, name in
                db.execute(select(Shop.owner_phone, Shop.name).order_by(Shop.number)).all()]
    finally:
        db.close()


def _shop_page(phone: str, error: str = "", status: int = 200) -> ResponseReturnValue:
    db = runtime().sessions()
    try:
        texts = texts_for(db, phone) if phone else []
        sent = list(db.scalars(select(InboundSms).where(InboundSms.from_phone == phone)
                               .order_by(InboundSms.id.desc()).limit(8))) if phone else []
    finally:
        db.close()
    shortcode = runtime().settings.AT_SHORTCODE or DEFAULT_SHORTCODE
    return render_template("simulator/shop.html", phone=phone, owners=_owner_numbers(), texts=texts,
                           sent=sent, shortcode=shortcode, error=error, prompts=None), status


@bp.get("/simulator/shop")
def shop_phone() -> ResponseReturnValue:
    owners = _owner_numbers()
    return _shop_page(request.args.get("phone", owners[0][0] if owners else "")[:20])


@bp.post("/simulator/shop")
def shop_text() -> ResponseReturnValue:
    """Text the gateway as ``phone``, through AT's inbound form and the webhook's own code."""
    rt = runtime()
    phone, text = request.form.get("phone", "").strip()[:20], request.form.get("text", "").strip()[:1600]
    if not text:
        return _shop_page(phone, "Type a message first.", 400)
    to = request.form.get("to", "").strip()[:20] or DEFAULT_SHORTCODE
    try:
        receive(rt, parse_inbound(at_inbound_form(phone, to, text), rt.settings.DEFAULT_REGION))
    except BadRequest as exc:
        return _shop_page(phone, str(exc), 400)
    return redirect(url_for("simulator.shop_phone", phone=phone))


@bp.get("/simulator/panels")
def panels() -> ResponseReturnValue:
    """The SMS (and, for a customer, M-Pesa) panels for ``phone``: what ``simulator.js`` polls."""
    phone = request.args.get("phone", "")[:20]
    db = runtime().sessions()
    try:
        texts = texts_for(db, phone) if phone else []
        prompts = prompts_for(db, phone) if phone and request.args.get("prompts") == "1" else None
    finally:
        db.close()
    return render_template("simulator/panels.html", phone=phone, texts=texts, prompts=prompts)
