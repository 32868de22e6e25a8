"""Orders: list, timeline, and the shop's buttons (confirm, reject, ready, done) through the
state machine. Staff see and move only their own shop's orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from gateway.admin import listings, order_actions, order_export
from gateway.admin.auth import me
from gateway.admin.blueprint import bp
from gateway.admin.formatting import console_zone
from gateway.admin.tx import commit, request_db
from gateway.commerce import order_states
from gateway.commerce.order_states import CANCELLED, CONFIRMED, DELIVERED, LABELS, READY, REJECTED
from gateway.core.app_context import runtime
from gateway.core.errors import IllegalTransition
from gateway.transports.clean import clean_text

# The console's buttons, in the order a shop uses them: (target status, button label).
ACTIONS = ((CONFIRMED, "Confirm"), (READY, "Ready"), (DELIVERED, "Done"), (REJECTED, "Reject"),
           (CANCELLED, "Cancel"))


@bp.app_context_processor
def _waiting() -> dict[str, Any]:
    """The nav's count of orders waiting for the shop, for whoever is signed in."""
    if request.blueprint != "admin" or not current_user.is_authenticated:
        return {}
    return {"orders_waiting": listings.awaiting_shop(request_db(), me().shop_scope)}


@bp.get("/orders")
@login_required
def orders() -> ResponseReturnValue:
    db = request_db()
    f = listings.parse_filters(request.args, console_zone())
    viewer = me()
    return render_template("admin/orders.html", page=listings.orders(db, f, viewer.shop_scope), f=f,
                           shops=listings.shop_names(db), statuses=LABELS)


@bp.get("/orders.csv")
@login_required
def orders_csv() -> ResponseReturnValue:
    """The filtered list as a CSV download (every matching row, not one page)."""
    f = listings.parse_filters(request.args, console_zone())
    if f.problems:
        return Response("Bad request: " + "; ".join(f.problems) + "\n", 400, mimetype="text/plain")
    stamp = datetime.now(UTC).astimezone(f.zone).strftime("%Y%m%d-%H%M")
    body = order_export.export_orders(runtime().sessions, f, me().shop_scope)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="orders-{stamp}.csv"'})


@bp.get("/orders/<int:order_id>")
@login_required
def order(order_id: int) -> ResponseReturnValue:
    return _order_page(order_id, show_number=False)


@bp.post("/orders/<int:order_id>/number")
@login_required
def show_number(order_id: int) -> ResponseReturnValue:
    """The customer's full number, for the order's shop staff and admins: each look is audited."""
    return _order_page(order_id, show_number=True)


def _order_page(order_id: int, show_number: bool) -> ResponseReturnValue:
    db = request_db()
    viewer = me()
    found = listings.order_detail(db, order_id, viewer.shop_scope)
    if found is None:
        abort(404)  # another shop's order looks exactly like a missing one
    if show_number:
        order_actions.reveal_customer_number(db, found, viewer.actor)
        commit(db)
    actions = [(target, label) for target, label in ACTIONS if order_states.can_move(found.status, target)]
    return render_template("admin/order.html", order=found, actions=actions, labels=LABELS,
                           timeline=listings.order_timeline(db, found.id), show_number=show_number,
                           dial=listings.order_dial(db, found) if me().is_admin else None,
                           payments=listings.order_payments(db, found.id))


@bp.post("/orders/<int:order_id>/status")
@login_required
def move_order(order_id: int) -> ResponseReturnValue:
    db = request_db()
    viewer = me()
    found = listings.order_detail(db, order_id, viewer.shop_scope)
    if found is None:
        abort(404)
    target = request.form.get("to", "")
    if target not in dict(ACTIONS):
        abort(400)
    note = clean_text(request.form.get("note", "")).strip()[:80] or None
    try:
        order_actions.move_order(db, found, target, viewer.actor, note)
    except IllegalTransition as exc:
        db.rollback()
        flash(exc.english, "error")
    else:
        commit(db)
        flash(f"Order {found.reference} is now {LABELS[target]}.", "info")
    return redirect(url_for("admin.order", order_id=order_id))
