"""Payments (raw callbacks, flagged mismatches an admin resolves) and SMS in and out (requeue a
failed one)."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.admin import listings, payment_actions
from gateway.admin import money_and_messages as mm
from gateway.admin.auth import admin_only, me
from gateway.admin.blueprint import bp
from gateway.admin.formatting import console_zone
from gateway.admin.tx import commit, request_db
from gateway.commerce import payment_review
from gateway.commerce.models import Payment
from gateway.commerce.sms_queue import SEND_JOB
from gateway.core import transactions
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest, IllegalTransition


@bp.get("/payments")
@admin_only
def payments() -> ResponseReturnValue:
    db = request_db()
    f = listings.parse_filters(request.args, console_zone())
    return render_template("admin/payments.html", page=mm.payments(db, f), f=f,
                           unmatched=mm.unmatched_callbacks(db))


def _payment_or_404(payment_id: int) -> Payment:
    found = request_db().get(Payment, payment_id)
    if found is None:
        abort(404)
    return found


CALLBACK_KINDS = {"callback": "callback", "request": "answer to our request",
                  "status": "answer to our status question"}


@bp.get("/payments/<int:payment_id>")
@admin_only
def payment(payment_id: int) -> ResponseReturnValue:
    db = request_db()
    found = _payment_or_404(payment_id)
    callbacks = [(cb, pretty(cb.raw)) for cb in mm.callbacks_of(db, found)]
    return render_template("admin/payment.html", payment=found, flag=payment_review.flag_reason(found),
                           callbacks=callbacks, kinds=CALLBACK_KINDS, resolutions=payment_review.RESOLUTIONS,
                           decisions=payment_review.resolutions_of(db, found),
                           decision_labels=payment_review.ACTIONS)


@bp.post("/payments/<int:payment_id>/resolve")
@admin_only
def resolve_payment(payment_id: int) -> ResponseReturnValue:
    db = request_db()
    found = _payment_or_404(payment_id)
    note = request.form.get("note", "")[:payment_review.NOTE_MAX]
    try:
        done = payment_actions.resolve_payment(db, found, request.form.get("resolution", ""),
                                               me().actor, note)
    except (BadRequest, IllegalTransition) as exc:
        db.rollback()
        flash(exc.english, "error")
    else:
        commit(db)
        flash(done, "info")
    return redirect(url_for("admin.payment", payment_id=payment_id))


def pretty(raw: str) -> str:
    """A callback body indented for reading (as stored when it is not JSON)."""
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return raw


@bp.get("/sms")
@admin_only
def sms() -> ResponseReturnValue:
    db = request_db()
    f = listings.parse_filters(request.args, console_zone())
    return render_template("admin/sms.html", page=mm.outbound(db, f), inbound=mm.inbound(db, f), f=f,
                           statuses=mm.SMS_STATUSES, hide_pins=mm.hide_pins,
                           hide_numbers=mm.hide_numbers)


@bp.post("/sms/<int:message_id>/requeue")
@admin_only
def requeue_sms(message_id: int) -> ResponseReturnValue:
    db = request_db()
    try:
        mm.requeue_sms(db, message_id)
    except BadRequest as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.sms"))
    db.commit()
    try:
        transactions.enqueue(runtime().queue, SEND_JOB, message_id)
        flash(f"Message {message_id} is queued again.", "info")
    except Exception:  # noqa: BLE001 - the row is queued; the periodic sweep sends it
        flash(f"Message {message_id} is queued; the queue did not answer, the sweep will send it.", "error")
    return redirect(url_for("admin.sms"))
