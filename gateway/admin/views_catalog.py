"""Shops and products: edit, hide or show, and import a catalog CSV (the CLI's validation)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from gateway.admin import catalog_edits, listings
from gateway.admin.auth import admin_only, me
from gateway.admin.blueprint import bp
from gateway.admin.formatting import console_zone
from gateway.admin.tx import commit, request_db
from gateway.commerce.catalog_file import decode_catalog
from gateway.commerce.catalog_import import apply_catalog, parse_catalog
from gateway.commerce.models import Product, Shop
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest
from gateway.transports.clean import clean_text

UPLOAD_LIMIT = 2 * 1024 * 1024  # a catalog file; the app's body limit elsewhere is 64 KiB


@bp.get("/shops")
@admin_only
def shops() -> ResponseReturnValue:
    return render_template("admin/shops.html", rows=catalog_edits.shops(request_db()))


@bp.post("/shops/<int:shop_id>/active")
@admin_only
def shop_active(shop_id: int) -> ResponseReturnValue:
    db = request_db()
    shop = db.get(Shop, shop_id) or abort(404)
    catalog_edits.set_shop_active(db, shop, request.form.get("active") == "1", me().actor)
    commit(db)
    flash(f"{shop.name} is {'open' if shop.active else 'closed'}.", "info")
    return redirect(url_for("admin.shops"))


def _product(db_product_id: int) -> Product:
    """The product, if the viewer may touch it; 404 otherwise (staff: other shops do not exist)."""
    product = request_db().get(Product, db_product_id)
    scope = me().shop_scope
    if product is None or (scope is not None and product.shop_id != scope):
        abort(404)
    return product


@bp.get("/products")
@login_required
def products() -> ResponseReturnValue:
    db = request_db()
    f = listings.parse_filters(request.args, console_zone())
    scope = me().shop_scope
    search = request.args.get("q", "").strip()[:60]
    shop_id = scope if scope is not None else f.shop_id
    page = catalog_edits.products(db, shop_id, search, f.page)
    threshold = runtime().settings.LOW_STOCK_THRESHOLD
    return render_template("admin/products.html", page=page, f=f, q=search, shops=listings.shop_names(db),
                           categories=catalog_edits.category_names(db), threshold=threshold,
                           low=catalog_edits.low_stock(db, shop_id, threshold))


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@login_required
def product(product_id: int) -> ResponseReturnValue:
    db = request_db()
    item = _product(product_id)
    problems: list[str] = []
    if request.method == "POST":
        form = request.form
        name, price, stock = (clean_text(form.get(field, "")) for field in ("name", "price", "stock"))
        problems = catalog_edits.edit_product(db, item, name, price, stock, me().actor)
        if not problems:
            commit(db)
            flash(f"Saved {item.name}.", "info")
            return redirect(url_for("admin.products", shop=item.shop_id))
        db.rollback()
    return render_template("admin/product.html", product=item, problems=problems,
                           price=request.form.get("price") or catalog_edits.price_text(item.price_minor,
                                                                                      item.currency),
                           shop=db.get(Shop, item.shop_id)), 400 if problems else 200


@bp.post("/products/<int:product_id>/visible")
@login_required
def product_visible(product_id: int) -> ResponseReturnValue:
    db = request_db()
    item = _product(product_id)
    catalog_edits.set_product_visible(db, item, request.form.get("visible") == "1", me().actor)
    commit(db)
    flash(f"{item.name} is {'shown to customers' if item.active else 'hidden'}.", "info")
    return redirect((request.form.get("back", "").startswith("/admin/") and request.form["back"])
                    or url_for("admin.products"))


@bp.before_app_request
def _larger_uploads() -> None:
    if request.endpoint == "admin.catalog_import" and request.method == "POST":
        request.max_content_length = UPLOAD_LIMIT
        request.max_form_memory_size = UPLOAD_LIMIT


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def catalog_import() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("admin/import.html", errors=[], report=None)
    upload = request.files.get("catalog")
    if upload is None or not upload.filename:
        return render_template("admin/import.html", errors=["choose a CSV file to upload"], report=None), 400
    try:
        text = clean_text(decode_catalog(upload.read()))  # a NUL in a cell once made this a 500
    except BadRequest as exc:
        return render_template("admin/import.html", errors=[str(exc)], report=None), 400
    settings = runtime().settings
    db = request_db()
    report = parse_catalog(db, text, settings.DEFAULT_CURRENCY, settings.DEFAULT_REGION)
    if report.errors:
        return render_template("admin/import.html", errors=report.errors, report=None,
                               filename=upload.filename), 400
    apply_catalog(db, report)
    commit(db)
    return render_template("admin/import.html", errors=[], report=report, filename=upload.filename)
