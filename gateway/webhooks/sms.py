"""Inbound SMS webhook from Africa's Talking. Glue only: parse, store, answer 200 at once.

The message is answered later by a job (``gateway.sms.inbox.handle``); a repeat of an id already
stored (AT retries until it gets a 200) answers 200 and changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from gateway.core.app_context import runtime
from gateway.sms.inbox import receive
from gateway.transports.africastalking_sms_in import parse_inbound

log = logging.getLogger(__name__)
bp = Blueprint("sms_hooks", __name__)


@bp.post("/hooks/africastalking/sms")
def africastalking_sms() -> Response:
    rt = runtime()
    message = parse_inbound(request.form, rt.settings.DEFAULT_REGION)
    try:
        stored = receive(rt, message)
    except SQLAlchemyError:  # not stored: a 503 makes AT send it again, so nothing is lost
        log.exception("inbound SMS %s could not be stored", message.provider_id)
        return Response("Busy: not stored, please retry\n", 503, mimetype="text/plain")
    return Response("OK" if stored else "OK (already received)", 200, mimetype="text/plain")
