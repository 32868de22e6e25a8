"""Africa's Talking SMS delivery reports. Glue only: parse, record, answer 200."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from gateway.core.app_context import runtime
from gateway.core.transactions import unit_of_work
from gateway.sms.delivery import record_delivery_report
from gateway.transports.africastalking_sms import parse_delivery_report

log = logging.getLogger(__name__)
bp = Blueprint("sms_delivery_hooks", __name__)


@bp.post("/hooks/africastalking/sms/delivery")
def africastalking_delivery_report() -> Response:
    """Idempotent: a repeated report changes nothing; one for a message not recorded yet is kept
    and applied when the send job stores the message id. 400 names a missing field; 503 when the
    database is down, so AT sends the report again."""
    rt = runtime()
    report = parse_delivery_report(request.form, rt.settings.DEFAULT_REGION)
    try:
        with unit_of_work(rt) as db:
            record_delivery_report(db, report)
    except SQLAlchemyError:
        log.exception("delivery report %s could not be stored", report.message_id)
        return Response("Busy: not stored, please retry\n", 503, mimetype="text/plain")
    return Response("OK", 200, mimetype="text/plain")
