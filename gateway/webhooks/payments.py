"""Payment callbacks. Glue only: the raw body is stored and settled by ``gateway.payments``.

Every callback is stored as it came (a malformed one too, then answered 400 with the reason) and
settled by a job; with the database down the answer is 503 and the stale-payment sweep asks the
provider later, so nothing a provider sends is lost. MoMo and Airtel sign nothing: their
callbacks only prompt a status call. PagoEfectivo's ``PE-Signature`` is checked on the raw bytes
before anything is stored (403 with the reason when it does not match).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from gateway.commerce.settlement import PaymentResult
from gateway.core.app_context import runtime
from gateway.payments import airtel, momo, mpesa, pagoefectivo
from gateway.payments.collection import receive_callback

log = logging.getLogger(__name__)
bp = Blueprint("payment_hooks", __name__)
BUSY = "Busy: not stored, please retry\n"


def _store(name: str, body: bytes, parse: Callable[[bytes], PaymentResult]) -> Response | None:
    """Store and queue one callback; a 503 answer when the database cannot take it (else None)."""
    try:
        receive_callback(runtime(), name, body, parse)
    except SQLAlchemyError:
        log.exception("a %s callback could not be stored; the sweep will ask the provider", name)
        return Response(BUSY, 503, mimetype="text/plain")
    return None


@bp.post("/hooks/mpesa/stk")
def mpesa_stk_callback() -> Response:
    """Daraja's STK result; anything well formed gets ``{"ResultCode": 0, "ResultDesc": "Accepted"}``
    (also for an unknown CheckoutRequestID: it is kept for the admin, and Daraja cannot help)."""
    busy = _store(mpesa.NAME, request.get_data(cache=False), mpesa.parse_callback)
    return busy or jsonify(ResultCode=0, ResultDesc="Accepted")


@bp.route("/hooks/momo/collection", methods=["PUT", "POST"])
def momo_callback() -> Response:
    """MTN MoMo's RequestToPayResult (it sends PUT or POST): 200, empty, once stored."""
    busy = _store(momo.NAME, request.get_data(cache=False), momo.parse_callback)
    return busy or Response(status=200)


@bp.post("/hooks/airtel/collection")
def airtel_callback() -> Response:
    """Airtel Money's transaction callback: 200 once stored."""
    busy = _store(airtel.NAME, request.get_data(cache=False), airtel.parse_callback)
    return busy or jsonify(status="received")


@bp.post("/hooks/pagoefectivo")
def pagoefectivo_notification() -> Response:
    """PagoEfectivo's ``cip.paid``: stored only with a valid ``PE-Signature``; 200 once stored."""
    body = request.get_data(cache=False)
    pagoefectivo.check_signature(body, request.headers.get(pagoefectivo.SIGNATURE_HEADER),
                                 runtime().settings.PAGOEFECTIVO_SECRET_KEY)
    busy = _store(pagoefectivo.NAME, body, pagoefectivo.parse_callback)
    return busy or jsonify(status="received")
