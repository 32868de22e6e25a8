"""Logs are read by people: phone numbers appear masked (``+2547****666``), secrets never.

Journeys run with every logger at DEBUG (USSD orders, their jobs, AT's end-of-session notice
carrying a PIN-shaped input, a malformed number); no record may hold the full number in any of
the shapes a provider uses, nor the webhook key. gunicorn's access log, which ``make run`` turns
on, must not print the ``?key=`` of webhook URLs either.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.conftest import DEMO_CSV, Dialer, run_jobs

PHONE = "+254711000666"
LEAKS = (PHONE, PHONE[1:], "0711000666")
SECRET = "webhook-key-that-must-not-be-logged"


def _logged_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def test_no_full_phone_number_or_key_in_the_logs(make_app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    app: Flask = make_app(WEBHOOK_SECRET=SECRET)
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)]).exit_code == 0
    client = app.test_client()
    dialer = Dialer(client, phone=PHONE, key=SECRET)
    dialer.walk("1", "1", "1", "2", "1", "3", "2", "1")  # cash pick-up order
    dialer.walk("2", "1", "1", "1", "1", "2", "2", "Next to the big mosque", "3", "1", "1")  # M-Pesa
    dialer.walk("2", "x" * 300)
    dialer.walk("92", "1")  # my orders
    client.post(f"/hooks/africastalking/ussd/events?key={SECRET}", data={
        "sessionId": dialer.session_id, "phoneNumber": PHONE, "status": "Failed", "input": "1*2*4821",
        "errorMessage": f"timeout for {PHONE}", "date": "2025-09-29 12:00:00"})
    client.post(f"/hooks/africastalking/ussd?key={SECRET}", data={
        "sessionId": "s", "phoneNumber": PHONE + "999999", "text": ""})  # 400: not a number
    client.post("/hooks/africastalking/ussd?key=wrong", data={"sessionId": "s", "phoneNumber": PHONE})
    run_jobs(app.extensions["bodega"])
    time.sleep(0.1)

    logged = _logged_text(caplog)
    assert caplog.records, "nothing was logged: the test would prove nothing"
    for leak in (*LEAKS, SECRET):
        assert leak not in logged, f"{leak!r} appears in the logs"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gunicorn_access_log_keeps_the_webhook_key_out(database_url: str, redis_url: str,
                                                       tmp_path: Path, root: Path) -> None:
    port = _free_port()
    log_file = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "WEBHOOK_SECRET": SECRET}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # The same flags as scripts/run.sh; gunicorn reads gunicorn.conf.py from the working directory.
    server = subprocess.Popen([str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--access-logfile", str(log_file), "wsgi:app"],
                              cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/hooks/africastalking/ussd?key={SECRET}"
        deadline = time.monotonic() + 20
        while True:
            try:
                response = requests.post(url, data={"sessionId": "ATUid_log", "phoneNumber": PHONE,
                                                    "text": ""}, timeout=10)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert response.status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    logged = log_file.read_text()
    assert "/hooks/africastalking/ussd" in logged
    assert SECRET not in logged
    assert PHONE not in logged
