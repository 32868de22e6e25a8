"""Property tests of the USSD webhook on the real app, Redis and database.

Whatever arrives (any text, any session id, hops in any order, replays) the handset gets HTTP 200
with ``CON``/``END`` in GSM-7 within ``USSD_MAX_CHARS``, or a documented 400 with its reason; no
exception is logged; no order exists unless its dial answered a confirmation screen; and the
session log those hops produced can always be written to SQL.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.commerce.models import Order, UssdHop
from tests.reliability.conftest import (
    check_reply,
    check_reply_or_documented_400,
    drain_session_log,
    errors_in,
    post_hop,
)

PHONE = "+254711000111"
FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
JOURNEYS = settings(FAST, max_examples=15)

keypad = st.sampled_from(["1", "2", "3", "4", "5", "0", "00", "98", "99", "9", "10", "", "*", "#"])
hostile = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="*#0123456789", max_size=60),
    st.integers(0, 3000).map(lambda n: "*" * n),
    st.builds(lambda ch, n: ch * n, st.characters(), st.integers(150, 2500)),
    st.sampled_from(["²", "١", "٣", "1\x00", "9" * 40, "1" + "0" * 30, "-1", "1e3", " 1 ", "\r\n",
                     "😀", "Ω", "ñ", "%s%s", "{name}", "<script>", "'; DROP TABLE orders;--"]),
)
answer = st.one_of(keypad, keypad, keypad, hostile)
session_ids = st.one_of(st.text(max_size=120), st.from_regex(r"ATUid_[0-9a-f]{32}", fullmatch=True))
service_codes = st.one_of(st.just("*384*123#"), st.text(alphabet="*#0123456789", max_size=30),
                          st.text(max_size=50))


@FAST
@given(session_id=session_ids, text=hostile, service_code=service_codes)
@example(session_id="   ", text="", service_code="*384*123#")
@example(session_id="s", text="²", service_code="*384*123#")
@example(session_id="s", text="9" * 30, service_code="*384*123#")
@example(session_id="s", text="", service_code="*384*123*99999999999999999999#")
@example(session_id="s", text="1*1*1*1*²", service_code="*384*123#")
def test_any_first_hop_gets_a_screen_or_a_reason(world, caplog, session_id: str, text: str,  # type: ignore[no-untyped-def]
                                                 service_code: str) -> None:
    app, reset = world
    reset()
    caplog.clear()
    response = post_hop(app.test_client(), session_id, PHONE, text, service_code)
    check_reply_or_documented_400(response)
    if not session_id.strip():
        assert response.status_code == 400, "a blank sessionId would share one dial among callers"
    assert errors_in(caplog) == []
    drain_session_log(app.extensions["bodega"])


@JOURNEYS
@given(steps=st.lists(st.tuples(st.sampled_from(["type", "type", "type", "replay", "rewind"]), answer),
                      max_size=14))
def test_any_journey_is_answered_and_orders_need_a_confirm(world, caplog, steps) -> None:  # type: ignore[no-untyped-def]
    """A customer typing anything, with the aggregator replaying and reordering hops."""
    app, reset = world
    reset()
    caplog.clear()
    client = app.test_client()
    session_id = f"ATUid_{uuid.uuid4().hex}"
    sent: list[str] = [""]
    confirmed = False
    body = check_reply(post_hop(client, session_id, PHONE, ""))
    for kind, typed in steps:
        if kind == "type":
            text = typed if sent[-1] == "" else f"{sent[-1]}*{typed}"
        elif kind == "replay":
            text = sent[-1]
        else:
            text = sent[len(sent) // 2]
        if kind == "type" and body.startswith("CON ") and "confirm" in body.lower():
            confirmed = True
        response = post_hop(client, session_id, PHONE, text)
        body = check_reply_or_documented_400(response)
        if response.status_code == 200 and kind == "type":
            sent.append(text)
    assert errors_in(caplog) == []
    with app.extensions["bodega"].sessions() as db:
        orders = db.scalars(select(Order)).all()
    assert confirmed or orders == [], "an order exists although no confirmation screen was answered"
    drain_session_log(app.extensions["bodega"])


@pytest.mark.parametrize("typed", ["x" * 1999, "7\x00" * 300, "😀" * 500, "*" * 1999])
def test_the_session_log_takes_any_typed_input(world, caplog, typed: str) -> None:  # type: ignore[no-untyped-def]
    """A long or odd answer must not jam the session-log stream (``ussd_hops.input`` is 200 wide)."""
    app, _ = world
    client = app.test_client()
    session_id = f"ATUid_{uuid.uuid4().hex}"
    check_reply(post_hop(client, session_id, PHONE, ""))
    check_reply(post_hop(client, session_id, PHONE, typed))
    assert drain_session_log(app.extensions["bodega"]) == 2
    with app.extensions["bodega"].sessions() as db:
        inputs = [h.input for h in db.scalars(select(UssdHop).order_by(UssdHop.seq))]
    assert all(i is None or (len(i) <= 200 and "\x00" not in i) for i in inputs), inputs
    assert app.extensions["bodega"].redis.xlen("ussd:v1:hops") == 0
    assert errors_in(caplog) == []


EVENT_FIELDS = ("date", "sessionId", "serviceCode", "networkCode", "phoneNumber", "status", "cost",
                "durationInMillis", "hopsCount", "input", "lastAppResponse", "errorMessage")


@FAST
@given(form=st.dictionaries(st.sampled_from(EVENT_FIELDS),
                            st.one_of(st.text(max_size=400), st.sampled_from(
                                ["1e300", "inf", "nan", "-5", "KES 0.10", "+254711000111", "Success"])),
                            max_size=len(EVENT_FIELDS)))
@example(form={"sessionId": "ATUid_1", "status": "Failed", "durationInMillis": "1e300",
               "hopsCount": "inf", "input": "1*2\x00*4821"})
def test_end_of_session_notification_never_fails(world, caplog, form) -> None:  # type: ignore[no-untyped-def]
    """AT's end-of-session notice (unsigned, so possibly forged): 200 or a 400 with a reason."""
    app, reset = world
    reset()
    caplog.clear()
    response = app.test_client().post("/hooks/africastalking/ussd/events", data=form)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        assert response.get_data(as_text=True).startswith("Bad request: ")
    assert errors_in(caplog) == []
