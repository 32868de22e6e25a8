"""USSD webhooks of the Ghanaian aggregators (Hubtel, Arkesel, Nalo). Glue only: each parses its
JSON with its adapter, runs the same hop as Africa's Talking's, and renders its JSON reply.
A malformed body gets 400 with the reason (the app's ``BadRequest`` handler); a hop never 500s."""

from __future__ import annotations

import logging
from types import ModuleType

from flask import Blueprint, Response, jsonify, request
from redis.exceptions import RedisError

from gateway.core.app_context import runtime
from gateway.transports import arkesel_ussd, hubtel_ussd, nalo_ussd
from gateway.ussd.hop import end_dial, run_hop

log = logging.getLogger(__name__)
bp = Blueprint("ussd_network_hooks", __name__)


def _hop(adapter: ModuleType) -> Response:
    parsed = adapter.parse_hop(request.get_data(cache=False))
    answer = run_hop(runtime(), parsed.request) if parsed.request is not None else None
    if parsed.closes is not None:
        try:
            end_dial(runtime(), parsed.closes, adapter.NAME)
        except RedisError:  # the idle sweep hands the transcript over later
            log.exception("could not close the dial's transcript in Redis")
    return jsonify(adapter.render_hop(answer, parsed.echo))


@bp.post("/hooks/hubtel/ussd")
def hubtel() -> Response:
    return _hop(hubtel_ussd)


@bp.post("/hooks/arkesel/ussd")
def arkesel() -> Response:
    return _hop(arkesel_ussd)


@bp.post("/hooks/nalo/ussd")
def nalo() -> Response:
    return _hop(nalo_ussd)
