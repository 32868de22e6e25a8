"""Abuse limits: hops per phone per minute, webhook bodies capped in size, inputs capped in length."""

from __future__ import annotations

import uuid

from flask import Flask

from gateway.ussd.hop import TOO_FAST, TOO_LONG
from tests.reliability.conftest import check_reply, post_hop

PHONE = "+254711000777"


def test_hops_per_phone_per_minute_are_limited_across_dials(make_app) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(USSD_HOPS_PER_MINUTE=5)
    client = app.test_client()
    for _ in range(5):  # five fresh dials from one phone: a flood opens new sessions, not one
        assert check_reply(post_hop(client, f"ATUid_{uuid.uuid4().hex}", PHONE, "")).startswith("CON ")
    flooded = check_reply(post_hop(client, f"ATUid_{uuid.uuid4().hex}", PHONE, ""))
    assert flooded == f"END {TOO_FAST}"
    other = check_reply(post_hop(client, f"ATUid_{uuid.uuid4().hex}", "+254711000778", ""))
    assert other.startswith("CON "), "one phone's flood must not lock out another"


def test_a_body_over_max_content_length_gets_413_with_a_reason(make_app) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    big = {"sessionId": "ATUid_big", "phoneNumber": PHONE, "text": "1" * 10_000}
    for url in ("/hooks/africastalking/ussd", "/hooks/africastalking/ussd/events"):
        response = client.post(url, data=big)
        assert response.status_code == 413, url
        assert "body too large" in response.get_data(as_text=True)
    assert client.post("/hooks/africastalking/ussd", data={**big, "text": ""}).status_code == 200


def test_the_default_body_cap_is_on(app: Flask) -> None:
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 1024 * 1024
    response = app.test_client().post("/hooks/africastalking/ussd", data={"text": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_an_oversized_text_ends_politely_and_an_oversized_id_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    too_long_text = post_hop(client, "ATUid_1", PHONE, "1*" * 1001)
    assert check_reply(too_long_text) == f"END {TOO_LONG}"  # HTTP 200: the handset shows it
    too_long_id = post_hop(client, "A" * 101, PHONE, "")
    assert too_long_id.status_code == 400
    assert "sessionId is longer than 100" in too_long_id.get_data(as_text=True)
