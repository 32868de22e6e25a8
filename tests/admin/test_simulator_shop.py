"""The simulator's shop-owner tab and ``make sms``: a shop's number texts the gateway through
AT's inbound SMS form; the reply shows in the polled panel."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from gateway.commerce.models import InboundSms, Shop
from gateway.core.runtime import Runtime
from scripts import sms
from tests.admin.conftest import csrf_of
from tests.conftest import run_jobs


def owner(rt: Runtime) -> str:
    with rt.sessions() as db:
        phone = db.scalar(select(Shop.owner_phone).order_by(Shop.number))
        assert phone is not None
        return phone


def test_shop_owner_texts_orders_and_reads_the_reply(client: FlaskClient, rt: Runtime,
                                                     demo_catalog: None) -> None:
    phone = owner(rt)
    page = client.get("/simulator/shop").get_data(as_text=True)
    assert f'value="{phone}"' in page  # the first shop's owner is picked for you
    sent = client.post("/simulator/shop", data={"csrf_token": csrf_of(page), "phone": phone, "to": "22384",
                                                "text": "ORDERS"})
    assert sent.status_code == 302
    with rt.sessions() as db:
        row = db.scalar(select(InboundSms))
        assert row is not None and (row.from_phone, row.to, row.text) == (phone, "22384", "ORDERS")
        assert row.provider_id.startswith("sim-") and row.link_id
    before = client.get("/simulator/panels", query_string={"phone": phone}).get_data(as_text=True)
    assert "No messages yet." in before
    run_jobs(rt)
    panel = client.get("/simulator/panels", query_string={"phone": phone}).get_data(as_text=True)
    assert "No open orders." in panel and "M-Pesa prompt" not in panel
    assert "ORDERS" in client.get("/simulator/shop", query_string={"phone": phone}).get_data(as_text=True)


def test_an_empty_text_is_refused_and_nothing_is_stored(client: FlaskClient, rt: Runtime,
                                                        demo_catalog: None) -> None:
    token = csrf_of(client.get("/simulator/shop").get_data(as_text=True))
    refused = client.post("/simulator/shop", data={"csrf_token": token, "phone": owner(rt), "text": "  "})
    assert refused.status_code == 400 and "Type a message first." in refused.get_data(as_text=True)
    with rt.sessions() as db:
        assert db.scalar(select(InboundSms)) is None


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_make_sms_posts_ats_form(live_url: str, rt: Runtime, demo_catalog: None,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    phone = owner(rt)
    assert sms.main(["--url", live_url, "--from", phone, "--text", "HELP"]) == 0
    assert "sent as" in capsys.readouterr().out
    run_jobs(rt)
    with rt.sessions() as db:
        row = db.scalar(select(InboundSms))
        assert row is not None and row.text == "HELP" and row.status == "processed"
    assert sms.main(["--url", "http://127.0.0.1:9", "--from", phone, "--text", "HELP"]) == 1
    assert "not sent: cannot reach" in capsys.readouterr().err
