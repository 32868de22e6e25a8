"""A shop's town, delivery terms and opening hours in the console: the same checks and audit as
``flask shop set`` (``gateway.commerce.shop_settings``). Admins only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway.admin.auth import admin_only, me
from gateway.admin.blueprint import bp
from gateway.admin.tx import commit, request_db
from gateway.commerce.models import Shop
from gateway.commerce.money import plain_amount
from gateway.commerce.shop_settings import TermsChange, update_terms
from gateway.commerce.shop_terms import BadTerms


@bp.get("/shops/<int:shop_id>/terms")
@admin_only
def shop_terms(shop_id: int) -> ResponseReturnValue:
    shop = request_db().get(Shop, shop_id) or abort(404)
    return render_template("admin/shop_terms.html", shop=shop, problem=None, values=_values(shop))


def _values(shop: Shop) -> dict[str, str]:
    """The form's fields as the shop's terms stand."""
    return {"town": shop.town or "", "delivers": "1" if shop.delivers else "",
            "delivery_fee": plain_amount(shop.delivery_fee_minor, shop.currency),
            "min_order": plain_amount(shop.min_order_minor, shop.currency),
            "hours": shop.hours or "", "timezone": shop.timezone or ""}


@bp.post("/shops/<int:shop_id>/terms")
@admin_only
def save_shop_terms(shop_id: int) -> ResponseReturnValue:
    db = request_db()
    shop = db.get(Shop, shop_id) or abort(404)
    form = request.form
    change = TermsChange(town=form.get("town", ""), delivers=form.get("delivers") == "1",
                         delivery_fee=form.get("delivery_fee", "0") or "0",
                         min_order=form.get("min_order", "0") or "0", hours=form.get("hours", ""),
                         timezone=form.get("timezone", ""))
    try:
        update_terms(db, shop, change, me().actor, "admin")
    except BadTerms as exc:
        db.rollback()
        return render_template("admin/shop_terms.html", shop=shop, problem=str(exc), values=form), 400
    commit(db)
    flash(f"{shop.name}: terms saved.", "info")
    return redirect(url_for("admin.shops"))
