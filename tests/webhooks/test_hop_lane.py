"""AT's hops are answered straight off WSGI (``HopLane``); whatever the lane does not take goes to
Flask, which answers it as it always did. Both give the same answer, with the same headers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

import pytest
from flask import Flask, request, request_started

from gateway.webhooks.ussd import HopLane, form_fields

SECRET = "lane-test-webhook-key-0123456789"
PHONE = "+254711000444"
URL = f"/hooks/africastalking/ussd?key={SECRET}"


def _form(**fields: str) -> dict[str, str]:
    return {"sessionId": f"ATUid_{uuid.uuid4().hex}", "phoneNumber": PHONE, "networkCode": "63902",
            "serviceCode": "*384*123#", "text": "", **fields}


@contextmanager
def flask_requests(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests Flask itself handled while the block ran."""
    seen: list[str] = []

    def started(_sender: Flask, **_extra: Any) -> None:
        seen.append(request.path)

    request_started.connect(started, app)
    try:
        yield seen
    finally:
        request_started.disconnect(started, app)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(WEBHOOK_SECRET=SECRET)


def test_a_hop_is_answered_without_a_flask_request(app: Flask) -> None:
    client = app.test_client()
    with flask_requests(app) as seen:
        response = client.post(URL, data=_form())
    assert response.status_code == 200 and response.get_data(as_text=True).startswith("CON ")
    assert seen == []


def test_the_lane_and_flask_answer_alike(app: Flask) -> None:
    client = app.test_client()
    with flask_requests(app) as seen:
        lane = client.post(URL, data=_form())
        # a multipart body is not the lane's: Flask reads it
        flask = client.post(URL, data=_form(), content_type="multipart/form-data")
    assert seen == ["/hooks/africastalking/ussd"]
    assert lane.status_code == flask.status_code == 200
    assert lane.get_data() == flask.get_data()
    ignored = {"Vary", "Content-Length"}  # Flask's cookie session says it looked at the cookies
    assert ({k: v for k, v in lane.headers if k not in ignored}
            == {k: v for k, v in flask.headers if k not in ignored})
    assert lane.headers["X-Content-Type-Options"] == "nosniff"


def test_what_the_lane_does_not_take_flask_answers_as_before(make_app: Callable[..., Flask]) -> None:
    app = make_app(WEBHOOK_SECRET=SECRET, MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    with flask_requests(app) as seen:
        assert client.post("/hooks/africastalking/ussd?key=wrong", data=_form()).status_code == 403
        assert client.post("/hooks/africastalking/ussd", data=_form()).status_code == 403
        assert client.post(URL, data=_form(text="1" * 5000)).status_code == 413
        missing = client.post(URL, data={"phoneNumber": PHONE, "text": ""})
        assert missing.status_code == 400 and b"sessionId" in missing.data
        not_utf8 = client.post(URL, data=b"sessionId=\xff&phoneNumber=%2B254711000444&text=",
                               content_type="application/x-www-form-urlencoded")
        assert not_utf8.status_code == 400  # Flask reads no form from it: fields are missing
    assert len(seen) == 5


def test_a_repeated_field_counts_once_as_flask_reads_it(app: Flask) -> None:
    client = app.test_client()
    sid = f"ATUid_{uuid.uuid4().hex}"
    body = f"sessionId={sid}&phoneNumber=%2B254711000444&text=&text=1&sessionId=other".encode()
    with flask_requests(app) as seen:
        response = client.post(URL, data=body, content_type="application/x-www-form-urlencoded")
    assert seen == []
    assert response.get_data(as_text=True).startswith("CON Welcome")  # the first text: home
    again = client.post(URL, data=_form(sessionId=sid), content_type="multipart/form-data")
    assert again.get_data() == response.get_data()  # the same dial (first sessionId), replayed


@pytest.mark.parametrize("encoded", [
    "sessionId=ATUid_1&phoneNumber=%2B254711000444&serviceCode=%2A384%2A123%23&text=1%2A2%2A98",
    "a", "a=&b", "&&a=1&a=2", "x+y=1+2%20", "=v", "text=caf%C3%A9+%E2%82%AC", "a=b=c", "",
])
def test_the_lanes_form_reader_reads_as_urllib_does(encoded: str) -> None:
    expected: dict[str, str] = {}
    for name, value in parse_qsl(encoded, keep_blank_values=True, errors="strict"):
        expected.setdefault(name, value)
    assert form_fields(encoded) == expected


def test_the_lanes_form_reader_refuses_escapes_that_are_not_utf8() -> None:
    with pytest.raises(ValueError):
        form_fields("key=abc%FF")


def test_a_length_that_is_not_ascii_digits_goes_to_flask(app: Flask) -> None:
    handed_on: list[dict[str, Any]] = []

    def flask_app(environ: dict[str, Any], _start: Any) -> list[bytes]:
        handed_on.append(environ)
        return [b"from flask"]

    lane = HopLane(flask_app, app.extensions, SECRET, 4096, [])
    environ = {"PATH_INFO": "/hooks/africastalking/ussd", "REQUEST_METHOD": "POST",
               "QUERY_STRING": f"key={SECRET}", "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "CONTENT_LENGTH": "\u00b2"}  # a digit to str.isdigit, not to int()
    assert lane(environ, None) == [b"from flask"] and handed_on == [environ]
