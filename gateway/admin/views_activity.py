"""Dashboard and session logs (admins only). Glue: parse the query string, call, render."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from gateway.admin import charts, listings, reports
from gateway.admin.auth import admin_only
from gateway.admin.blueprint import bp
from gateway.admin.formatting import console_zone
from gateway.admin.tx import request_db


@bp.get("/")
@admin_only
def dashboard() -> ResponseReturnValue:
    db = request_db()
    zone = console_zone()
    now = datetime.now(UTC)
    today = now.astimezone(zone).date()
    week_start = reports.start_of(today - timedelta(days=6), zone)
    days = reports.daily(db, today, zone=zone)
    day_chart = charts.columns([d.strftime("%a %d") for d, _, _ in days],
                               [("Dials", [n for _, n, _ in days]), ("Orders", [n for _, _, n in days])],
                               "Dials and orders per day, last 7 days")
    funnel = reports.funnel(db, week_start)
    return render_template(
        "admin/dashboard.html",
        today=reports.totals(db, reports.start_of(today, zone), now + timedelta(seconds=1)),
        week=reports.totals(db, week_start, now + timedelta(seconds=1)),
        day_chart=day_chart,
        funnel_chart=charts.hbars(funnel, "Funnel, last 7 days", show_share=True),
        drop_chart=charts.hbars(reports.drop_offs(db, week_start), "Where dials die, last 7 days"),
        latency=reports.latency(db), window=reports.LATENCY_WINDOW,
    )


@bp.get("/dials")
@admin_only
def dials() -> ResponseReturnValue:
    db = request_db()
    f = listings.parse_filters(request.args, console_zone())
    return render_template("admin/dials.html", page=listings.dials(db, f), f=f,
                           shops=listings.shop_names(db), outcomes=listings.OUTCOMES)


@bp.get("/dials/<int:dial_id>")
@admin_only
def transcript(dial_id: int) -> ResponseReturnValue:
    db = request_db()
    found = listings.transcript(db, dial_id)
    if found is None:
        abort(404)
    dial, hops = found
    return render_template("admin/transcript.html", dial=dial, hops=hops, order=listings.dial_order(db, dial),
                           total_ms=sum(h.ms for h in hops), shops=listings.shop_names(db))
