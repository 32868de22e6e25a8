"""``/simulator``: a phone-shaped page for development and testing (not registered in production).

It speaks to the gateway the way Africa's Talking does: it keeps the AT ``sessionId`` and the
``*``-joined text in hidden fields, calls ``run_hop`` for each answer, and reports the end of the
dial (Success on ``END``, Incomplete on hang-up) as AT's end-of-session notification would. With
another network chosen (Hubtel, Arkesel, Nalo), each hop is that aggregator's own JSON request,
read by its adapter, and the screen is read back from the adapter's JSON reply. Beside
the screen it shows the SMS the console outbox "sent" to that phone and any sandbox M-Pesa prompt
waiting for an answer (when the sandbox payment provider is installed).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce.models import OutboundSms, Payment
from gateway.commerce.money import format_money
from gateway.core import transactions
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest, BodegaError
from gateway.core.phone import to_e164
from gateway.core.text import as_number
from gateway.core.transactions import unit_of_work
from gateway.payments import sandbox
from gateway.transports import arkesel_ussd, hubtel_ussd, nalo_ussd
from gateway.transports.ussd_callers import UssdCall
from gateway.ussd.hop import HopAnswer, UssdRequest, run_hop
from gateway.ussd.session_log import SessionEnd, record_session_end

bp = Blueprint("simulator", __name__, template_folder="templates")

DEFAULT_PHONE = "+254711000111"
DEFAULT_CODE = "*384*123#"
SANDBOX_NETWORK = "99999"  # AT's sandbox network code
AT = "africastalking"
NETWORK_ADAPTERS = {"hubtel": hubtel_ussd, "arkesel": arkesel_ussd, "nalo": nalo_ussd}
PROVIDERS = (AT, *NETWORK_ADAPTERS)


@dataclass(frozen=True)
class Prompt:
    """A sandbox M-Pesa prompt as the handset would show it."""

    payment_id: int
    text: str


def _prompt_of(payment: Payment) -> Prompt:
    amount = format_money(payment.amount_minor, payment.currency)
    return Prompt(payment.id, f"Pay {amount} for order {payment.order.reference} to Bodega?")


def prompts_for(db: Session, phone: str) -> list[Prompt]:
    """Sandbox M-Pesa prompts waiting on ``phone``, oldest first."""
    return [_prompt_of(payment) for payment in sandbox.pending_prompts(db, phone)]


def texts_for(db: Session, phone: str, limit: int = 8) -> list[OutboundSms]:
    return list(db.scalars(select(OutboundSms).where(OutboundSms.to_phone == phone)
                           .order_by(OutboundSms.id.desc()).limit(limit)))


def network_hop(provider: str, phone_number: str, code: str, session_id: str, text: str) -> HopAnswer:
    """One hop as ``provider`` carries it: its JSON request through its adapter, its JSON reply
    read back as the handset would show it. ``text`` is the dial's answers so far, ``*``-joined."""
    typed = text.split("*") if text else []
    call = UssdCall(provider, phone_number, code, session_id=session_id, typed=typed, hops=len(typed) + 1)
    adapter = NETWORK_ADAPTERS[provider]
    parsed = adapter.parse_hop(call.again()[1])
    reply = adapter.render_hop(run_hop(runtime(), parsed.request), parsed.echo)
    ended, screen = call.read(json.dumps(reply).encode())
    return HopAnswer(screen, ended)


def _page(phone: str, *, answer: HopAnswer | None = None, session_id: str = "", text: str = "",
          code: str = DEFAULT_CODE, started: str = "", error: str = "", provider: str = AT,
          status: int = 200) -> ResponseReturnValue:
    db = runtime().sessions()
    try:
        texts = texts_for(db, phone) if phone else []
        prompts = prompts_for(db, phone) if phone else None
    finally:
        db.close()
    return render_template("simulator/phone.html", phone=phone, answer=answer, session_id=session_id,
                           text=text, code=code, started=started, error=error, texts=texts,
                           prompts=prompts, provider=provider, providers=PROVIDERS), status


@bp.get("/simulator")
def phone() -> ResponseReturnValue:
    return _page(request.args.get("phone", DEFAULT_PHONE)[:20])


@bp.post("/simulator")
def press() -> ResponseReturnValue:
    """Dial, answer the current screen, or hang up; every field comes from the page's form."""
    form = request.form
    rt = runtime()
    raw_phone, code = form.get("phone", "")[:20], (form.get("code") or DEFAULT_CODE)[:40]
    try:
        phone_number = to_e164(raw_phone, rt.settings.DEFAULT_REGION)
    except BadRequest as exc:
        return _page(raw_phone, code=code, error=str(exc), status=400)
    action, provider = form.get("action", "dial"), form.get("provider", AT)
    provider = provider if provider in PROVIDERS else AT
    session_id, text, started = form.get("session_id", ""), form.get("text", ""), form.get("started", "")
    if action == "hangup" and session_id:
        if provider == AT:  # only AT sends an end-of-session notification
            _report_end(phone_number, session_id, code, text, "Incomplete", started)
        return _page(phone_number, code=code, provider=provider)
    if action == "dial" or not session_id:
        session_id, text, started = f"ATUid_sim{uuid.uuid4().hex}", "", f"{time.time():.3f}"
    else:
        answer_typed = form.get("answer", "").strip()[:160]
        text = answer_typed if text == "" else f"{text}*{answer_typed}"
    if provider != AT:
        answer = network_hop(provider, phone_number, code, session_id, text)
    else:
        answer = run_hop(rt, UssdRequest(session_id, phone_number, code, text, SANDBOX_NETWORK, "at"))
        if answer.end:
            _report_end(phone_number, session_id, code, text, "Success", started)
    return _page(phone_number, answer=answer, session_id=session_id, text=text, code=code, started=started,
                 provider=provider)


def _report_end(phone_number: str, session_id: str, code: str, text: str, status: str, started: str) -> None:
    """What AT's end-of-session notification would record for this dial."""
    duration = int((time.time() - float(started)) * 1000) if started.replace(".", "", 1).isdigit() else None
    end = SessionEnd(session_id=session_id, phone=phone_number, service_code=code,
                     network_code=SANDBOX_NETWORK, status=status, cost="", duration_ms=duration, hops=None,
                     input=text, last_response="", error_message="", at=datetime.now(UTC))
    with unit_of_work(runtime()) as db:
        record_session_end(db, end)


@bp.post("/simulator/prompt")
def answer_prompt() -> ResponseReturnValue:
    """Accept or decline a sandbox M-Pesa prompt, as the customer would on the handset."""
    phone_number = request.form.get("phone", "")[:20]
    payment_id = as_number(request.form.get("payment_id", ""))
    if payment_id is None:
        return _page(phone_number, error="There is no sandbox prompt to answer.", status=400)
    try:
        with transactions.unit_of_work(runtime()) as db:
            sandbox.answer_prompt(db, payment_id, request.form.get("accept") == "1")
    except BodegaError as exc:
        return _page(phone_number, error=str(exc), status=400)
    return redirect(url_for("simulator.phone", phone=phone_number))
