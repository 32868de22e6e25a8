"""USSD webhooks from Africa's Talking: one hop, and the end-of-session notification. Glue only."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from gateway.core.app_context import runtime
from gateway.core.transactions import unit_of_work
from gateway.transports.africastalking_ussd import parse_hop, parse_session_end, render_hop
from gateway.ussd.hop import end_dial, run_hop
from gateway.ussd.session_log import record_session_end

log = logging.getLogger(__name__)
bp = Blueprint("ussd_hooks", __name__)


@bp.post("/hooks/africastalking/ussd")
def africastalking_ussd() -> Response:
    rt = runtime()
    answer = run_hop(rt, parse_hop(request.form, rt.settings.DEFAULT_REGION))
    return Response(render_hop(answer), 200, mimetype="text/plain")


@bp.post("/hooks/africastalking/ussd/events")
def africastalking_ussd_events() -> Response:
    rt = runtime()
    end = parse_session_end(request.form, rt.settings.DEFAULT_REGION)
    try:
        end_dial(rt, end.session_id)
    except RedisError:  # the sweep hands the transcript over later
        log.exception("could not close the dial's transcript in Redis")
    try:
        with unit_of_work(rt) as db:
            record_session_end(db, end)
    except (SQLAlchemyError, RedisError):  # not recorded: a 503 makes AT send the event again
        log.exception("session end %s could not be recorded", end.session_id)
        return Response("Busy: not recorded, please retry\n", 503, mimetype="text/plain")
    return Response("OK", 200, mimetype="text/plain")
