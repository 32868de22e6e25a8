"""USSD webhooks from Africa's Talking: one hop, and the end-of-session notification. Glue only.

A hop is the request this process answers most, and the console's machinery around each Flask
request (the cookie session, CSRF, sign-in, the rate limiter, URL matching) is no use to it:
``HopLane`` answers a well-formed hop straight off WSGI, with the same parse, key check, hop and
answer as the Flask view below. Anything else (no or a wrong key, a body over the cap, a body that
is not a plain form, one the adapter refuses) goes on to Flask untouched, which answers it as
before: 403, 413, 400 with the reason.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from gateway.core.app_context import runtime
from gateway.core.errors import BodegaError
from gateway.core.runtime import Runtime
from gateway.core.transactions import unit_of_work
from gateway.transports.africastalking_ussd import parse_hop, parse_session_end, render_hop
from gateway.ussd.hop import end_dial, run_hop
from gateway.ussd.request import UssdRequest
from gateway.ussd.session_log import record_session_end
from gateway.webhooks.guard import check_key

log = logging.getLogger(__name__)
bp = Blueprint("ussd_hooks", __name__)

HOP_PATH = "/hooks/africastalking/ussd"
FORM = "application/x-www-form-urlencoded"
SHORT_PART = 120  # fields up to this long are unquoted through a cache of 4096: a few hundred KB at most


@bp.post(HOP_PATH)
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


Wsgi = Any  # a WSGI callable: (environ, start_response) -> iterable of bytes


class HopLane:
    """WSGI middleware: AT's hops answered without a Flask request; everything else to ``app``.

    ``extensions`` is the Flask app's (the runtime is looked up per request, as ``runtime()``
    does), ``headers`` the ones every response of the app carries.
    """

    def __init__(self, app: Wsgi, extensions: Mapping[str, Any], secret: str | None,
                 max_body: int | None, headers: Iterable[tuple[str, str]]) -> None:
        self.app, self.extensions, self.secret, self.max_body = app, extensions, secret, max_body
        self.headers = [("Content-Type", "text/plain; charset=utf-8"), *headers]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if (environ.get("PATH_INFO") != HOP_PATH or environ.get("REQUEST_METHOD") != "POST"
                or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM
                or "HTTP_TRANSFER_ENCODING" in environ or not self._key_fits(environ)):
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH", "")
        readable = length.isascii() and length.isdigit()  # "²" is a digit to isdigit(), not to int()
        if not readable or self.max_body is None or int(length) > self.max_body:
            return self.app(environ, start_response)
        body: bytes = environ["wsgi.input"].read(int(length))
        rt: Runtime = self.extensions["bodega"]
        try:
            req = _parse(body, int(length), rt.settings.DEFAULT_REGION)
        except Exception:  # noqa: BLE001 - Flask parses it again and answers as it always did
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        text = render_hop(run_hop(rt, req)).encode()
        start_response("200 OK", [*self.headers, ("Content-Length", str(len(text)))])
        return [text]

    def _key_fits(self, environ: dict[str, Any]) -> bool:
        if not self.secret:
            return True
        try:
            query = environ.get("QUERY_STRING", "").encode("latin-1").decode()
            check_key(form_fields(query).get("key"), self.secret)
        except (ValueError, BodegaError):
            return False
        return True


def _parse(body: bytes, length: int, region: str) -> UssdRequest:
    """AT's form as Flask reads it (the first of repeated fields); raises on what Flask would
    read differently (a short body, bytes that are not UTF-8) or the adapter refuses."""
    if len(body) != length:
        raise ValueError("the body ended early")
    return parse_hop(form_fields(body.decode()), region)


def form_fields(encoded: str) -> dict[str, str]:
    """``urllib.parse.parse_qsl(encoded, keep_blank_values=True, errors="strict")`` as a dict of
    first values, in half the time; a percent-escape that is not UTF-8 raises ``ValueError``."""
    form: dict[str, str] = {}
    for field in encoded.split("&"):
        if field:
            name, _, value = field.partition("=")
            form.setdefault(_unquote(name), _unquote(value))
    return form


def _unquote(part: str) -> str:
    if "%" not in part and "+" not in part:
        return part
    return _unquote_short(part) if len(part) <= SHORT_PART else _decode(part)


@lru_cache(maxsize=4096)  # a dial's number and code come back on each hop, and common answers repeat
def _unquote_short(part: str) -> str:
    return _decode(part)


def _decode(part: str) -> str:
    return unquote(part.replace("+", " "), errors="strict")
