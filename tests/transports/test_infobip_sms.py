"""Infobip: sending through the fake Infobip, delivery reports and inbound texts, verbatim."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from gateway.commerce.models import InboundSms, OutboundSms
from gateway.core.runtime import Runtime
from gateway.transports.base import ACCEPTED, DELIVERED, PERMANENT, RETRY, UNDELIVERED
from gateway.transports.infobip_sms import parse_delivery_reports, read_reply
from tests.conftest import run_jobs
from tests.fakes import Answer, FakeInfobip
from tests.fakes.fake_infobip import API_KEY, delivery_report, inbound
from tests.sms.conftest import make_shop
from tests.transports.conftest import message, queue_message

ACCRA = "+233244000111"
KEY = "s3cret-webhook-key"


@pytest.fixture
def infobip_app(make_app: Callable[..., Flask], fake_infobip: FakeInfobip) -> Flask:
    return make_app(**fake_infobip.settings(WEBHOOK_SECRET=KEY, PUBLIC_URL="https://bodega.example"))


def _status(group: int, name: str) -> str:
    return json.dumps(
        {
            "bulkId": "b1",
            "messages": [
                {
                    "to": "233244000111",
                    "messageId": "m1",
                    "status": {"groupId": group, "groupName": "x", "id": 7, "name": name, "description": "d"},
                }
            ],
        }
    )


# (HTTP status, body, outcome, status word) - Infobip's answers to a send
REPLIES = [
    (200, _status(1, "PENDING_ACCEPTED"), ACCEPTED, "PENDING_ACCEPTED"),
    (200, _status(3, "DELIVERED_TO_HANDSET"), ACCEPTED, "DELIVERED_TO_HANDSET"),
    (200, _status(5, "REJECTED_DESTINATION"), PERMANENT, "REJECTED_DESTINATION"),
    (200, _status(2, "UNDELIVERABLE_NOT_DELIVERED"), PERMANENT, "UNDELIVERABLE_NOT_DELIVERED"),
    (
        400,
        '{"requestError":{"serviceException":{"messageId":"BAD_REQUEST","text":"Bad request"}}}',
        PERMANENT,
        "BAD_REQUEST",
    ),
    (
        401,
        '{"requestError":{"serviceException":{"messageId":"UNAUTHORIZED","text":"Invalid login details"}}}',
        RETRY,
        "UNAUTHORIZED",
    ),
    (500, "oops", RETRY, "UnreadableReply"),
    (200, '{"messages": []}', RETRY, "200"),
]


@pytest.mark.parametrize(("status", "body", "outcome", "word"), REPLIES)
def test_infobips_answers_to_a_send(status: int, body: str, outcome: str, word: str) -> None:
    receipt = read_reply(status, body)
    assert (receipt.outcome, receipt.status) == (outcome, word)


# (report, status word kept, meaning, reason)
REPORTS = [
    (delivery_report("m1", 3), "DELIVERED", DELIVERED, None),
    (delivery_report("m1", 1), "PENDING", None, None),
    (
        delivery_report("m1", 2, error_name="EC_ABSENT_SUBSCRIBER"),
        "UNDELIVERABLE",
        UNDELIVERED,
        "EC_ABSENT_SUBSCRIBER",
    ),
    (delivery_report("m1", 4), "EXPIRED", UNDELIVERED, "EXPIRED_EXPIRED"),
    (delivery_report("m1", 5), "REJECTED", UNDELIVERED, "REJECTED_NETWORK"),
]


@pytest.mark.parametrize(("report", "word", "meaning", "reason"), REPORTS)
def test_delivery_reports_mean_what_ats_mean(
    report: dict[str, Any], word: str, meaning: str | None, reason: str | None
) -> None:
    [update] = parse_delivery_reports(json.dumps(report).encode())
    assert (update.message_id, update.status, update.meaning, update.failure_reason, update.phone) == (
        "m1",
        word,
        meaning,
        reason,
        "+233244000111",
    )


def test_a_message_goes_out_through_infobip_and_its_report_delivers_it(
    infobip_app: Flask, fake_infobip: FakeInfobip
) -> None:
    rt: Runtime = infobip_app.extensions["bodega"]
    message_id = queue_message(rt, "Bodega: order K7P2Q is ready.", to=ACCRA)
    run_jobs(rt)
    [request] = [r for r in fake_infobip.requests if r.path == "/sms/2/text/advanced"]
    assert request.headers["Authorization"] == f"App {API_KEY}"
    assert request.json == {
        "messages": [
            {
                "destinations": [{"to": "233244000111"}],
                "text": "Bodega: order K7P2Q is ready.",
                "from": "Bodega",
                "notifyUrl": f"https://bodega.example/hooks/infobip/sms/delivery?key={KEY}",
                "notifyContentType": "application/json",
            }
        ]
    }
    [sent] = fake_infobip.sent
    assert message(rt, message_id).provider_message_id == sent.message_id
    client = infobip_app.test_client()
    hook = f"/hooks/infobip/sms/delivery?key={KEY}"
    assert client.post(hook, json=delivery_report(sent.message_id, 3)).status_code == 200
    assert message(rt, message_id).status == "delivered"
    assert client.post(hook, json=delivery_report(sent.message_id, 3)).status_code == 200  # repeated: nothing
    assert client.post(hook, json=delivery_report(sent.message_id, 2)).status_code == 200
    assert message(rt, message_id).status == "delivered"


def test_a_report_matches_by_message_id_only(infobip_app: Flask, fake_infobip: FakeInfobip) -> None:
    rt: Runtime = infobip_app.extensions["bodega"]
    first, second = queue_message(rt, to=ACCRA), queue_message(rt, "another", to=ACCRA)
    run_jobs(rt)
    target = message(rt, second).provider_message_id
    assert target is not None
    report = delivery_report(target, 2, error_name="EC_ABSENT_SUBSCRIBER")
    assert (
        infobip_app.test_client().post(f"/hooks/infobip/sms/delivery?key={KEY}", json=report).status_code
        == 200
    )
    assert (message(rt, first).status, message(rt, second).status) == ("sent", "failed")
    assert message(rt, second).failure_reason == "EC_ABSENT_SUBSCRIBER"


def test_a_rejected_send_fails_for_good(infobip_app: Flask, fake_infobip: FakeInfobip) -> None:
    rt: Runtime = infobip_app.extensions["bodega"]
    fake_infobip.script(Answer(extra={"groupId": 5, "name": "REJECTED_DESTINATION"}))
    message_id = queue_message(rt, to=ACCRA)
    run_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.provider_status) == ("failed", "REJECTED_DESTINATION")


def test_an_inbound_text_reaches_the_shop_commands(infobip_app: Flask, fake_infobip: FakeInfobip) -> None:
    rt: Runtime = infobip_app.extensions["bodega"]
    make_shop(rt, "Accra Provisions", 1, [(ACCRA, "owner")])
    client = infobip_app.test_client()
    body = inbound(ACCRA, "HELP", message_id="817790313235066447")
    assert client.post(f"/hooks/infobip/sms?key={KEY}", json=body).status_code == 200
    assert client.post(f"/hooks/infobip/sms?key={KEY}", json=body).status_code == 200  # resent: stored once
    run_jobs(rt)
    with rt.sessions() as db:
        [row] = db.scalars(select(InboundSms))
        assert (row.provider_id, row.from_phone, row.text) == ("infobip:817790313235066447", ACCRA, "HELP")
        reply = db.scalar(select(OutboundSms).where(OutboundSms.to_phone == ACCRA))
        assert reply is not None and reply.purpose == "shop_reply"
    assert [sent.to for sent in fake_infobip.sent] == ["233244000111"]


MALFORMED = [
    ("/hooks/infobip/sms", b"{", "not JSON"),
    ("/hooks/infobip/sms", b'{"results": []}', "results"),
    ("/hooks/infobip/sms", b'{"results": [{"from": "233244000111", "to": "1", "text": "x"}]}', "messageId"),
    ("/hooks/infobip/sms", b'{"results": [{"messageId": "m", "from": "233244000111", "to": "1"}]}', "text"),
    ("/hooks/infobip/sms/delivery", b'{"results": [{"messageId": "m"}]}', "status"),
    ("/hooks/infobip/sms/delivery", b'{"results": [1]}', "object"),
    ("/hooks/infobip/sms/delivery", json.dumps({"results": [{}] * 101}).encode(), "100"),
]


@pytest.mark.parametrize(("path", "body", "reason"), MALFORMED)
def test_malformed_infobip_webhooks_get_400_with_the_reason(
    infobip_app: Flask, path: str, body: bytes, reason: str
) -> None:
    response = infobip_app.test_client().post(f"{path}?key={KEY}", data=body, content_type="application/json")
    assert response.status_code == 400 and reason in response.get_data(as_text=True)


def test_infobip_webhooks_keep_the_webhook_key(infobip_app: Flask) -> None:
    response = infobip_app.test_client().post("/hooks/infobip/sms/delivery", json=delivery_report("m1"))
    assert response.status_code == 403
