"""SMS_ROUTES: each message goes through the carrier its destination's country is routed to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from config.settings import Settings
from gateway.core.runtime import Runtime
from gateway.transports.sms_routes import carrier_for, parse_routes
from tests.admin.conftest import create_user, sign_in
from tests.conftest import run_jobs
from tests.fakes import FakeAT, FakeInfobip, FakeTwilio
from tests.transports.conftest import message, queue_message

NAIROBI, ACCRA, LIMA, TORONTO = "+254711000111", "+233244000111", "+51912345678", "+14165550123"
ROUTES = "+254=africastalking,+233=infobip,+51=twilio,*=console"


def test_routes_pick_the_longest_prefix_then_the_wildcard() -> None:
    routes = parse_routes("+254=africastalking, +2547=twilio ,*=console")
    assert carrier_for(routes, "+254711000111") == "twilio"
    assert carrier_for(routes, "+254111000111") == "africastalking"
    assert carrier_for(routes, "+51912345678") == "console"
    assert carrier_for(parse_routes("+254=africastalking"), "+51912345678") is None
    assert parse_routes(None) == {} == parse_routes("")


@pytest.mark.parametrize("raw", ["+254", "254=africastalking", "+254=pigeon", "+25a=twilio", "=twilio"])
def test_a_malformed_route_stops_the_start(make_app: Callable[..., Flask], raw: str) -> None:
    with pytest.raises(RuntimeError, match="SMS_ROUTES"):
        make_app(SMS_ROUTES=raw)


def test_each_country_goes_through_its_carrier(
    make_app: Callable[..., Flask], fake_at: FakeAT, fake_twilio: FakeTwilio, fake_infobip: FakeInfobip
) -> None:
    app = make_app(
        SMS_ROUTES=ROUTES, **fake_at.settings(), **fake_twilio.settings(), **fake_infobip.settings()
    )
    rt: Runtime = app.extensions["bodega"]
    ids = {phone: queue_message(rt, f"to {phone}", to=phone) for phone in (NAIROBI, ACCRA, LIMA, TORONTO)}
    run_jobs(rt)
    assert [s.to for s in fake_at.sent] == [NAIROBI]
    assert [s.to for s in fake_infobip.sent] == [ACCRA.lstrip("+")]
    assert [s.to for s in fake_twilio.sent] == [LIMA]
    assert {phone: message(rt, i).status for phone, i in ids.items()} == dict.fromkeys(ids, "sent")
    assert message(rt, ids[TORONTO]).provider_status == "Console"
    assert message(rt, ids[LIMA]).provider_message_id == fake_twilio.sent[0].sid


def test_a_carrier_routed_but_not_configured_fails_clearly_in_the_console(
    make_app: Callable[..., Flask], fake_at: FakeAT
) -> None:
    app = make_app(SMS_ROUTES=ROUTES, **fake_at.settings())  # no Twilio or Infobip settings
    rt: Runtime = app.extensions["bodega"]
    lima, nairobi = queue_message(rt, to=LIMA), queue_message(rt, to=NAIROBI)
    run_jobs(rt)
    row = message(rt, lima)
    assert (row.status, row.provider_status) == ("failed", "CarrierNotConfigured")
    assert "twilio is routed but TWILIO_ACCOUNT_SID" in (row.failure_reason or "")
    assert message(rt, nairobi).status == "sent"  # the other routes still work
    create_user(app, "boss")
    page = sign_in(app.test_client(), "boss").get("/admin/sms").get_data(as_text=True)
    assert "CarrierNotConfigured" in page and "twilio is routed but TWILIO_ACCOUNT_SID" in page


def test_a_destination_without_a_route_fails_clearly(make_app: Callable[..., Flask], fake_at: FakeAT) -> None:
    rt: Runtime = make_app(SMS_ROUTES="+254=africastalking", **fake_at.settings()).extensions["bodega"]
    message_id = queue_message(rt, to=LIMA)
    run_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.provider_status) == ("failed", "NoRoute")
    assert fake_at.sent == []


def test_without_routes_the_one_configured_provider_takes_everything(
    make_app: Callable[..., Flask], fake_twilio: FakeTwilio
) -> None:
    rt: Runtime = make_app(**fake_twilio.settings()).extensions["bodega"]
    queue_message(rt, to=NAIROBI)
    run_jobs(rt)
    assert [s.to for s in fake_twilio.sent] == [NAIROBI]


def test_without_routes_a_half_configured_provider_is_refused() -> None:
    from gateway.transports.sms_provider import build_sms_transport

    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN"):
        build_sms_transport(Settings.for_tests(TWILIO_ACCOUNT_SID="AC1", TWILIO_FROM="+15005550006"))
