"""Payment callbacks. Glue only: the raw body is stored and settled by ``gateway.payments``."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from gateway.core.app_context import runtime
from gateway.payments import mpesa
from gateway.payments.collection import receive_callback

log = logging.getLogger(__name__)
bp = Blueprint("payment_hooks", __name__)


@bp.post("/hooks/mpesa/stk")
def mpesa_stk_callback() -> Response:
    """Daraja's STK result. Stored always; a malformed body gets 400 with the reason (after
    storing it), anything well formed gets Daraja's ``{"ResultCode": 0, "ResultDesc": "Accepted"}``
    (also for an unknown CheckoutRequestID: it is kept for the admin, and Daraja cannot help).
    With the database down it answers 503; the stale-payment sweep asks Daraja later."""
    try:
        receive_callback(runtime(), mpesa.NAME, request.get_data(cache=False), mpesa.parse_callback)
    except SQLAlchemyError:
        log.exception("an M-Pesa callback could not be stored; the sweep will query Daraja")
        return Response("Busy: not stored, please retry\n", 503, mimetype="text/plain")
    return jsonify(ResultCode=0, ResultDesc="Accepted")
