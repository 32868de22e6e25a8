"""AT's delivery reports on POST /hooks/africastalking/sms/delivery, in AT's verbatim form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.core.runtime import Runtime
from tests.conftest import run_jobs
from tests.fakes import Answer, FakeAT, delivery_report
from tests.transports.conftest import message, queue_message, reports

URL = "/hooks/africastalking/sms/delivery"


@pytest.fixture
def at_app(make_app: Callable[..., Flask], fake_at: FakeAT) -> Flask:
    return make_app(**fake_at.settings())


def _sent(app: Flask, fake_at: FakeAT) -> tuple[Runtime, FlaskClient, int, str]:
    rt: Runtime = app.extensions["bodega"]
    message_id = queue_message(rt)
    run_jobs(rt)
    return rt, app.test_client(), message_id, fake_at.sent[-1].message_id


def test_success_marks_the_message_delivered_and_repeats_change_nothing(at_app: Flask,
                                                                        fake_at: FakeAT) -> None:
    rt, client, message_id, at_id = _sent(at_app, fake_at)
    for _ in range(2):
        response = client.post(URL, data=delivery_report(at_id, "Success"))
        assert response.status_code == 200
    row = message(rt, message_id)
    assert (row.status, row.provider_status) == ("delivered", "Success") and row.delivered_at
    assert len(reports(rt)) == 1


def test_under_way_statuses_only_update_the_word(at_app: Flask, fake_at: FakeAT) -> None:
    rt, client, message_id, at_id = _sent(at_app, fake_at)
    client.post(URL, data=delivery_report(at_id, "Buffered"))
    assert (message(rt, message_id).status, message(rt, message_id).provider_status) == ("sent", "Buffered")


def test_failed_keeps_failure_reason_as_is_even_when_unknown(at_app: Flask, fake_at: FakeAT) -> None:
    rt, client, message_id, at_id = _sent(at_app, fake_at)
    client.post(URL, data=delivery_report(at_id, "Failed", failure_reason="SomeNewReason"))
    row = message(rt, message_id)
    assert (row.status, row.provider_status, row.failure_reason) == ("failed", "Failed", "SomeNewReason")
    assert reports(rt)[0].failure_reason == "SomeNewReason"


def test_a_failed_after_success_does_not_undo_delivery(at_app: Flask, fake_at: FakeAT) -> None:
    rt, client, message_id, at_id = _sent(at_app, fake_at)
    client.post(URL, data=delivery_report(at_id, "Success"))
    client.post(URL, data=delivery_report(at_id, "Failed", failure_reason="DeliveryFailure"))
    assert message(rt, message_id).status == "delivered"
    assert [r.status for r in reports(rt)] == ["Success", "Failed"]  # both kept as they came


def test_a_success_after_failed_means_it_arrived(at_app: Flask, fake_at: FakeAT) -> None:
    rt, client, message_id, at_id = _sent(at_app, fake_at)
    client.post(URL, data=delivery_report(at_id, "Failed", failure_reason="UserIsInactive"))
    client.post(URL, data=delivery_report(at_id, "Success"))
    assert message(rt, message_id).status == "delivered"


def test_a_report_that_beats_the_send_job_is_applied_when_the_id_is_stored(
        at_app: Flask, fake_at: FakeAT) -> None:
    rt: Runtime = at_app.extensions["bodega"]
    client = at_app.test_client()
    message_id = queue_message(rt)
    # AT will hand out this id, and its report arrives before our job records AT's reply
    fake_at_id = "ATXid_early"
    response = client.post(URL, data=delivery_report(fake_at_id, "Success"))
    assert response.status_code == 200
    fake_at.script(Answer(extra={"messageId": fake_at_id}))
    run_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.provider_message_id) == ("delivered", fake_at_id)


@pytest.mark.parametrize("missing", ["id", "status"])
def test_a_report_without_id_or_status_is_refused_with_the_reason(client: FlaskClient, missing: str) -> None:
    form = {k: v for k, v in delivery_report("ATXid_1").items() if k != missing}
    response = client.post(URL, data=form)
    assert response.status_code == 400
    assert missing in response.get_data(as_text=True)


def test_a_report_without_the_webhook_key_is_forbidden(make_app: Callable[..., Flask]) -> None:
    app = make_app(WEBHOOK_SECRET="a-long-random-secret")
    client = app.test_client()
    assert client.post(URL, data=delivery_report("ATXid_1")).status_code == 403
    assert client.post(URL + "?key=a-long-random-secret", data=delivery_report("ATXid_1")).status_code == 200


def test_database_down_answers_503_so_at_sends_the_report_again(make_app: Callable[..., Flask]) -> None:
    app = make_app(DATABASE_URL="postgresql+psycopg://bodega@127.0.0.1:1/none")
    response = app.test_client().post(URL, data=delivery_report("ATXid_1"))
    assert response.status_code == 503 and "retry" in response.get_data(as_text=True)
