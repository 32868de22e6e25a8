"""``make run``'s terminal: Bodega at INFO, RQ's and granian's internals at WARNING; each hop and
each SMS is one line a person can follow, with masked numbers."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config.log_levels import configure_logging, one_line
from config.settings import ROOT, Settings
from gateway.jobs.worker import FLUSH_EVERY_SECONDS
from tests.conftest import Dialer
from tests.test_run_script import free_port, like_a_terminal, wait_healthy

CALLER = "+254711000441"
STRANGER = "+254799000123"


def test_library_loggers_are_quiet_and_bodega_speaks() -> None:
    configure_logging(Settings().LOG_LEVEL)
    assert logging.getLogger("gateway.ussd").getEffectiveLevel() == logging.INFO
    for name in ("rq.worker", "rq.scheduler", "_granian", "urllib3"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    assert one_line("CON 1. Shop\n2. My cart\n\n3. Help") == "CON 1. Shop / 2. My cart / 3. Help"
    assert one_line("x" * 200, 10) == "x" * 9 + "…"


def test_a_hop_is_one_line_with_a_masked_number(client: FlaskClient, demo_catalog: None,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gateway.ussd.hop")
    Dialer(client, phone=CALLER).walk("1")
    hops = [r.getMessage() for r in caplog.records if r.name == "gateway.ussd.hop"]
    assert len(hops) == 2, hops
    assert hops[0].startswith("USSD +2547****441 dialled -> home (") and "Welcome to Bodega / 1. " in hops[0]
    assert hops[1].startswith("USSD +2547****441 typed '1' -> ")
    assert all("\n" not in h and CALLER not in h for h in hops)


def test_production_leaves_out_the_hop_lines(make_app: Callable[..., Flask], demo_catalog: None,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """Every hop is in the session log; a terminal line each is left to development."""
    assert Settings().LOG_HOPS  # development shows them (production's default: tests/security)
    caplog.set_level(logging.INFO, logger="gateway.ussd.hop")
    Dialer(make_app(LOG_HOPS=False).test_client(), phone=CALLER).walk("1")
    assert [r for r in caplog.records if r.name == "gateway.ussd.hop"] == []


def _post(url: str, form: dict[str, str]) -> None:
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
        assert response.status == 200


def test_make_run_terminal_shows_hops_and_sms_not_rq_chatter(database_url: str, redis_url: str,
                                                             tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "BIN": str(Path(sys.executable).parent), "WEB_WORKERS": "1",
           "DATABASE_URL": database_url, "REDIS_URL": redis_url, "GRANIAN_LOG_LEVEL": "warning"}
    env.pop("LOG_LEVEL", None)
    out = tmp_path / "run.log"
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=out.open("wb"),
                            stderr=subprocess.STDOUT, preexec_fn=like_a_terminal)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(f"{base}/healthz", proc, 120), out.read_text()
        for text in ("", "1"):
            form = {"sessionId": "ATUid_quiet", "serviceCode": "*384*123#", "phoneNumber": CALLER,
                    "text": text, "networkCode": "63902"}
            _post(f"{base}/hooks/africastalking/ussd", form)
        _post(f"{base}/hooks/africastalking/sms", {"from": STRANGER, "to": "22384", "text": "hello\nthere",
                                                   "id": "quiet-1", "date": "2026-12-01 12:00:00"})
        deadline = time.monotonic() + 30
        while "SMS to +2547****123" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(FLUSH_EVERY_SECONDS + 1)  # at least one of the worker's periodic ticks
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=90)
    lines = out.read_text().splitlines()
    hops = [line for line in lines if " gateway.ussd.hop: USSD " in line]
    assert len(hops) == 2, lines
    assert any(" gateway.sms.inbox: SMS from +2547****123: hello / there (ignored)" in line for line in lines)
    assert sum(" SMS to +2547****123 (console outbox, not sent): " in line for line in lines) == 1
    noisy = [line for line in lines if "rq." in line or "Job OK" in line or "default:" in line
             or "[INFO]" in line or "Spawning" in line or "Listening" in line]
    assert noisy == [], noisy
    assert CALLER not in out.read_text() and STRANGER not in out.read_text()
