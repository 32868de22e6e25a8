"""The simulator speaks each network's USSD format, and the console names the dial's network."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from gateway.core.runtime import Runtime
from gateway.ussd import dial_log, session_log
from tests.admin.conftest import form_token


def _field(html: str, name: str) -> str:
    return html.split(f'name="{name}" value="')[1].split('"')[0]


@pytest.mark.parametrize(
    ("provider", "shown"), [("hubtel", "Hubtel"), ("arkesel", "Arkesel"), ("nalo", "Nalo")]
)
def test_a_simulated_dial_on_a_network_shows_up_under_that_network(
    boss: FlaskClient, rt: Runtime, provider: str, shown: str
) -> None:
    token = form_token(boss, "/simulator")
    assert f'<option value="{provider}"' in boss.get("/simulator").get_data(as_text=True)
    first = boss.post(
        "/simulator",
        data={
            "csrf_token": token,
            "phone": "+233246912184",
            "code": "*713*32#",
            "provider": provider,
            "action": "dial",
        },
    ).get_data(as_text=True)
    assert "1. Mama Njeri Groceries" in first and f"via {provider}" in first
    second = boss.post(
        "/simulator",
        data={
            "csrf_token": token,
            "phone": "+233246912184",
            "code": "*713*32#",
            "provider": provider,
            "action": "send",
            "session_id": _field(first, "session_id"),
            "text": "",
            "answer": "1",
        },
    ).get_data(as_text=True)
    assert "Vegetables" in second
    assert dial_log.sweep(rt.redis, idle_seconds=0, now=time.time() + 1) == 1  # the dial went quiet
    assert session_log.drain(rt.redis, rt.sessions) == 2
    dials = boss.get("/admin/dials").get_data(as_text=True)
    assert f"<td>{shown}</td>" in dials
    transcript_id = dials.split('href="/admin/dials/')[1].split('"')[0]
    assert f"<dd>{shown}</dd>" in boss.get(f"/admin/dials/{transcript_id}").get_data(as_text=True)


def test_an_at_dial_is_shown_as_africas_talking(boss: FlaskClient, rt: Runtime) -> None:
    token = form_token(boss, "/simulator")
    boss.post("/simulator", data={"csrf_token": token, "phone": "+254711000441", "action": "dial"})
    dial_log.sweep(rt.redis, idle_seconds=0, now=time.time() + 1)
    assert session_log.drain(rt.redis, rt.sessions) == 1
    assert "<td>Africa&#39;s Talking</td>" in boss.get("/admin/dials").get_data(as_text=True)
