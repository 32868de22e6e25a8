"""The inbound SMS webhook on AT's verbatim form: stored, answered once, never looping."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.commerce import order_states
from gateway.commerce.models import InboundSms, Order, OutboundSms, Shop
from gateway.core.runtime import Runtime
from tests.conftest import run_jobs
from tests.sms.conftest import OWNER, SHORTCODE, Texter, at_inbound

STRANGER = "+254799000999"


def _count(rt: Runtime, model: type) -> int:
    with rt.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_message_is_stored_and_answered_later_by_a_job(client: FlaskClient, rt: Runtime,
                                                         shop: Shop) -> None:
    response = client.post("/hooks/africastalking/sms", data=at_inbound(OWNER, "help", "ATXid_1"))
    assert response.status_code == 200
    assert _count(rt, OutboundSms) == 0  # nothing sent inside the request
    with rt.sessions() as db:
        row = db.scalar(select(InboundSms))
        assert row is not None
        assert (row.provider_id, row.from_phone, row.to, row.text, row.status) == (
            "ATXid_1", OWNER, SHORTCODE, "help", "received")
        assert row.link_id and row.link_id.startswith("SampleLinkId")
    run_jobs(rt)
    with rt.sessions() as db:
        assert db.scalar(select(InboundSms.status)) == "processed"
        reply = db.scalar(select(OutboundSms))
        assert reply is not None and reply.to_phone == OWNER and reply.purpose == "shop_reply"
        assert "OK ref" in reply.body


def test_same_id_twice_changes_nothing_and_replies_once(texter: Texter, rt: Runtime, shop: Shop) -> None:
    assert texter.send("ORDERS", "ATXid_dup") == 200
    assert texter.send("ORDERS", "ATXid_dup") == 200
    assert _count(rt, InboundSms) == 1
    assert len(texter.texts_to()) == 1


def test_a_job_run_twice_answers_once(client: FlaskClient, rt: Runtime, shop: Shop) -> None:
    from gateway.sms import inbox as sms_inbox

    client.post("/hooks/africastalking/sms", data=at_inbound(OWNER, "ORDERS", "ATXid_twice"))
    with rt.sessions() as db:
        inbound_id = db.scalar(select(InboundSms.id))
    assert inbound_id is not None
    assert sms_inbox.handle(rt, inbound_id) == "processed"
    assert sms_inbox.handle(rt, inbound_id) == "skipped"
    run_jobs(rt)  # the job the webhook queued finds the work done
    assert _count(rt, OutboundSms) == 1


def test_missing_link_id_is_fine(client: FlaskClient, rt: Runtime, shop: Shop) -> None:
    form = at_inbound(OWNER, "HELP")
    del form["linkId"]
    assert client.post("/hooks/africastalking/sms", data=form).status_code == 200
    run_jobs(rt)
    assert _count(rt, OutboundSms) == 1


def test_malformed_callbacks_get_400_with_the_reason(client: FlaskClient, rt: Runtime) -> None:
    for field in ("id", "from", "to", "text"):
        form = at_inbound(OWNER, "OK K7P2Q")
        del form[field]
        response = client.post("/hooks/africastalking/sms", data=form)
        assert response.status_code == 400, field
        assert field in response.get_data(as_text=True)
    too_long = client.post("/hooks/africastalking/sms", data=at_inbound(OWNER, "hi", "x" * 101))
    assert too_long.status_code == 400
    assert _count(rt, InboundSms) == 0


def test_webhook_key_required_when_set(make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(WEBHOOK_SECRET="long-secret-key").test_client()
    assert client.post("/hooks/africastalking/sms", data=at_inbound(OWNER, "HELP")).status_code == 403
    ok = client.post("/hooks/africastalking/sms?key=long-secret-key", data=at_inbound(OWNER, "HELP"))
    assert ok.status_code == 200


def test_stranger_gets_one_help_text_a_day(texter: Texter, shop: Shop) -> None:
    for text in ("hello", "OK K7P2Q", "who is this?"):
        assert texter.send(text, phone=STRANGER) == 200
    texts = texter.texts_to(STRANGER)
    assert texts == ["Bodega: to shop, dial our USSD code. To see your orders, text STATUS."]


def test_stranger_help_names_the_dial_code_in_their_language(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(USSD_SERVICE_CODE="*384*123#")
    texter = Texter(app.test_client(), app.extensions["bodega"])
    texter.send("hola", phone="+525512345678")  # a Mexican number: Spanish
    assert texter.texts_to("+525512345678") == [
        "Bodega: para comprar, marca *384*123#. Para ver tus pedidos, envia ESTADO."]


def test_nul_characters_are_dropped_not_fatal(client: FlaskClient, rt: Runtime, shop: Shop) -> None:
    form = at_inbound(OWNER, "ORD\x00ERS", "ATXid_\x00nul")
    assert client.post("/hooks/africastalking/sms", data=form).status_code == 200
    run_jobs(rt)
    with rt.sessions() as db:
        row = db.scalar(select(InboundSms))
        assert row is not None and (row.provider_id, row.text, row.status) == (
            "ATXid_nul", "ORDERS", "processed")


def test_database_down_answers_503_so_at_retries(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(DATABASE_URL="postgresql+psycopg://bodega@127.0.0.1:1/none")
    response = app.test_client().post("/hooks/africastalking/sms", data=at_inbound(OWNER, "ORDERS"))
    assert response.status_code == 503
    assert "retry" in response.get_data(as_text=True)


def test_never_answers_short_codes_alphanumeric_senders_or_ourselves(texter: Texter, rt: Runtime) -> None:
    for sender in (SHORTCODE, "MPESA", "40404", "+22384"):
        assert texter.send("HELP", phone=sender) == 200
    assert _count(rt, OutboundSms) == 0
    with rt.sessions() as db:
        assert set(db.scalars(select(InboundSms.status))) == {"ignored"}


def test_local_format_sender_is_read_as_e164(texter: Texter, shop: Shop) -> None:
    texter.send("ORDERS", phone="0722000101")
    assert texter.texts_to(OWNER) == ["No open orders."]


def test_reply_limit_per_hour_stops_a_loop(make_app, shop: Shop) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SMS_REPLIES_PER_HOUR=3)
    texter = Texter(app.test_client(), app.extensions["bodega"])
    for _ in range(5):
        texter.send("ORDERS")
    assert len(texter.texts_to()) == 3


def test_the_reply_cap_limits_replies_never_commands(make_app, shop: Shop, order_factory,  # type: ignore[no-untyped-def]
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """30 HELPs from a shop's (spoofable) number once silenced its OK for an hour."""
    app = make_app(SMS_REPLIES_PER_HOUR=3)
    rt: Runtime = app.extensions["bodega"]
    texter = Texter(app.test_client(), rt)
    order = order_factory()
    for _ in range(5):
        texter.send("HELP")
    with caplog.at_level(logging.WARNING, logger="gateway.sms.inbox"):
        texter.send(f"OK {order.reference}")
    with rt.sessions() as db:
        assert db.get(Order, order.id).status == order_states.CONFIRMED  # type: ignore[union-attr]
        assert set(db.scalars(select(InboundSms.status))) == {"processed"}
    assert len(texter.texts_to(purpose="shop_reply")) == 3
    assert "flood" in caplog.text and OWNER not in caplog.text


def test_lost_job_is_enqueued_again_by_the_sweep(client: FlaskClient, rt: Runtime, shop: Shop) -> None:
    from datetime import UTC, datetime, timedelta

    from gateway.sms.inbox import stuck_messages

    client.post("/hooks/africastalking/sms", data=at_inbound(OWNER, "ORDERS"))
    rt.queue.empty()  # the process died between commit and enqueue
    with rt.sessions() as db:
        assert stuck_messages(db, datetime.now(UTC)) == []  # not yet: give the job a minute
        ids = stuck_messages(db, datetime.now(UTC) + timedelta(minutes=2))
    assert len(ids) == 1
    rt.queue.enqueue("gateway.jobs.requeue_inbound_sms")
    run_jobs(rt)
    assert _count(rt, OutboundSms) == 0  # the sweep only takes messages over a minute old
    with rt.sessions() as db:
        row = db.get(InboundSms, ids[0])
        assert row is not None
        row.received_at = datetime.now(UTC) - timedelta(minutes=5)
        db.commit()
    rt.queue.enqueue("gateway.jobs.requeue_inbound_sms")
    run_jobs(rt)
    assert _count(rt, OutboundSms) == 1
