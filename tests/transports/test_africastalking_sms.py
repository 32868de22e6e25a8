"""Outbound SMS through the official AT SDK against a fake AT speaking PROTOCOLS.md verbatim."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from gateway.core.runtime import Runtime
from tests.conftest import run_jobs, run_scheduled_jobs, scheduled_jobs
from tests.fakes import Answer, FakeAT
from tests.transports.conftest import PHONE, message, queue_message


@pytest.fixture
def at_rt(make_app: Callable[..., Flask], fake_at: FakeAT) -> Runtime:
    runtime: Runtime = make_app(**fake_at.settings(AT_SENDER_ID="BODEGA")).extensions["bodega"]
    return runtime


def make_rt(make_app: Callable[..., Flask], **settings: Any) -> Runtime:
    runtime: Runtime = make_app(**settings).extensions["bodega"]
    return runtime


def test_sends_verbatim_form_and_records_the_message_id(at_rt: Runtime, fake_at: FakeAT) -> None:
    message_id = queue_message(at_rt, "Bodega: order K7P2Q is ready.")
    run_jobs(at_rt)
    (request,) = fake_at.messaging_requests
    assert request.headers["apiKey"] == fake_at.api_key
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form == {"username": "bodega", "to": PHONE, "message": "Bodega: order K7P2Q is ready.",
                            "bulkSMSMode": "1", "from": "BODEGA"}
    row = message(at_rt, message_id)
    assert (row.status, row.status_code, row.provider_status) == ("sent", 101, "Success")
    assert row.provider_message_id == fake_at.sent[0].message_id
    assert row.cost == "KES 0.8000" and row.attempts == 1 and row.sent_at is not None


def test_a_5xx_is_retried_with_backoff_then_sent_once(at_rt: Runtime, fake_at: FakeAT) -> None:
    fake_at.script(Answer.text(500, "Internal Server Error"))
    message_id = queue_message(at_rt)
    run_jobs(at_rt)
    row = message(at_rt, message_id)
    assert (row.status, row.attempts, row.provider_status) == ("queued", 1, "HttpError")
    assert "Internal Server Error" in (row.failure_reason or "")
    assert len(scheduled_jobs(at_rt)) == 1  # RQ's retry, waiting out its backoff
    run_scheduled_jobs(at_rt)
    row = message(at_rt, message_id)
    assert (row.status, row.attempts, row.failure_reason) == ("sent", 2, None)
    assert len(fake_at.sent) == 1 and len(fake_at.messaging_requests) == 2


def test_a_recipient_500_is_retried_too(at_rt: Runtime, fake_at: FakeAT) -> None:
    fake_at.recipient_status(500)
    message_id = queue_message(at_rt)
    run_jobs(at_rt)
    assert (message(at_rt, message_id).status, message(at_rt, message_id).status_code) == ("queued", 500)
    run_scheduled_jobs(at_rt)
    assert message(at_rt, message_id).status == "sent"


def test_bad_api_key_keeps_the_message_and_gives_up_after_the_attempt_limit(
        make_app: Callable[..., Flask], fake_at: FakeAT) -> None:
    rt = make_rt(make_app, **fake_at.settings(AT_API_KEY="wrong-key", SMS_MAX_ATTEMPTS=2))
    message_id = queue_message(rt)
    run_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.provider_status) == ("queued", "AuthenticationFailed")
    assert row.failure_reason == "The supplied authentication is invalid"
    run_scheduled_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.attempts) == ("failed", 2)
    assert scheduled_jobs(rt) == [] and fake_at.sent == []


def test_account_level_refusal_in_a_201_fails_for_good(at_rt: Runtime, fake_at: FakeAT) -> None:
    fake_at.account_error("InvalidSenderId")
    message_id = queue_message(at_rt)
    run_jobs(at_rt)
    row = message(at_rt, message_id)
    assert (row.status, row.provider_status) == ("failed", "InvalidSenderId")
    assert "InvalidSenderId" in (row.failure_reason or "")
    assert scheduled_jobs(at_rt) == []


@pytest.mark.parametrize(("code", "word"), [(403, "InvalidPhoneNumber"), (406, "UserInBlacklist")])
def test_a_permanent_recipient_status_fails_without_retry(at_rt: Runtime, fake_at: FakeAT,
                                                         code: int, word: str) -> None:
    fake_at.recipient_status(code)
    message_id = queue_message(at_rt)
    run_jobs(at_rt)
    row = message(at_rt, message_id)
    assert (row.status, row.status_code, row.provider_status) == ("failed", code, word)
    assert row.provider_message_id is None  # AT's "None" is not an id
    assert scheduled_jobs(at_rt) == []


def test_a_timeout_is_retried(make_app: Callable[..., Flask], fake_at: FakeAT) -> None:
    rt = make_rt(make_app, **fake_at.settings(AT_TIMEOUT_SECONDS=0.3))
    fake_at.script(Answer.slow(1.5))
    message_id = queue_message(rt)
    run_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.provider_status) == ("queued", "ReadTimeout")
    run_scheduled_jobs(rt)
    assert message(rt, message_id).status == "sent"


def test_an_unreachable_at_is_retried(make_app: Callable[..., Flask]) -> None:
    rt = make_rt(make_app, AT_USERNAME="bodega", AT_API_KEY="k", AT_API_URL="http://127.0.0.1:9")
    message_id = queue_message(rt)
    run_jobs(rt)
    assert (message(rt, message_id).status, message(rt, message_id).provider_status) == (
        "queued", "ConnectionError")


def test_without_at_username_the_console_records_the_message_as_sent(rt: Runtime) -> None:
    message_id = queue_message(rt)
    run_jobs(rt)
    row = message(rt, message_id)
    assert (row.status, row.provider_status) == ("sent", "Console")
    assert (row.provider_message_id or "").startswith("console-")
