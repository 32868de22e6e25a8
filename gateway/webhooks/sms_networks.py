"""SMS webhooks of Twilio and Infobip: inbound texts and delivery reports. Glue only.

Inbound texts go through the same ``receive`` as AT's (idempotent on the provider's id) and reach
the same shop and customer commands; delivery reports go through the same
``record_delivery_report``, matched to the message by the provider's id alone. Every Twilio
webhook must carry a valid ``X-Twilio-Signature`` (403 otherwise), beside the ``?key=`` every
``/hooks/`` URL needs. 400 names what is malformed; 503 when the database is down, so the
provider sends it again.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from gateway.core.app_context import runtime
from gateway.core.errors import Forbidden
from gateway.core.transactions import unit_of_work
from gateway.sms.delivery import record_delivery_report
from gateway.sms.inbox import InboundMessage, receive
from gateway.transports import infobip_sms, twilio_sms
from gateway.transports.base import DeliveryUpdate

log = logging.getLogger(__name__)
bp = Blueprint("sms_network_hooks", __name__)
BUSY = Response("Busy: not stored, please retry\n", 503, mimetype="text/plain")


def _check_twilio_signature() -> None:
    token = runtime().settings.TWILIO_AUTH_TOKEN
    if not token:
        raise Forbidden("TWILIO_AUTH_TOKEN is not set, so Twilio's signature cannot be checked")
    if not twilio_sms.signature_ok(request.url, request.form.items(multi=True),
                                   request.headers.get("X-Twilio-Signature"), str(token)):
        raise Forbidden("X-Twilio-Signature is missing or does not match")


def _receive_all(messages: list[InboundMessage]) -> bool:
    """Store each message; False when the database failed (the provider will send them again)."""
    try:
        for message in messages:
            receive(runtime(), message)
    except SQLAlchemyError:
        log.exception("inbound SMS could not be stored")
        return False
    return True


def _record_all(updates: list[DeliveryUpdate]) -> bool:
    try:
        with unit_of_work(runtime()) as db:
            for update in updates:
                record_delivery_report(db, update)
    except SQLAlchemyError:
        log.exception("delivery reports could not be stored")
        return False
    return True


@bp.post("/hooks/twilio/sms")
def twilio_inbound() -> Response:
    """Answered with empty TwiML: the reply, if any, is sent later from the outbox."""
    _check_twilio_signature()
    if not _receive_all([twilio_sms.parse_inbound(request.form)]):
        return BUSY
    return Response(twilio_sms.EMPTY_TWIML, 200, mimetype="text/xml")


@bp.post("/hooks/twilio/sms/status")
def twilio_status() -> Response:
    _check_twilio_signature()
    if not _record_all([twilio_sms.parse_status_callback(request.form)]):
        return BUSY
    return Response("OK", 200, mimetype="text/plain")


@bp.post("/hooks/infobip/sms")
def infobip_inbound() -> Response:
    if not _receive_all(infobip_sms.parse_inbound(request.get_data(cache=False))):
        return BUSY
    return Response("OK", 200, mimetype="text/plain")


@bp.post("/hooks/infobip/sms/delivery")
def infobip_delivery() -> Response:
    if not _record_all(infobip_sms.parse_delivery_reports(request.get_data(cache=False))):
        return BUSY
    return Response("OK", 200, mimetype="text/plain")
