"""Shared pieces of the reliability tests: a hop poster, the reply contract, a fresh world."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.commerce.models import Order
from gateway.core import redis_store
from gateway.core.runtime import Runtime
from gateway.ussd import dial_log, session_log
from menus.text import is_gsm7, septets
from tests.conftest import DEMO_CSV, empty_database

HOOK = "/hooks/africastalking/ussd"
#: The malformed requests the webhook documents as 400 (missing/oversized fields, bad phone).
DOCUMENTED_400 = ("Bad request: missing field", "Bad request: sessionId is", "Bad request: not a p")


def post_hop(client: FlaskClient, session_id: str, phone: str, text: str,
             service_code: str = "*384*123#") -> Any:
    """POST one hop exactly as Africa's Talking sends it (form-encoded)."""
    form = {"sessionId": session_id, "phoneNumber": phone, "networkCode": "63902",
            "serviceCode": service_code, "text": text}
    return client.post(HOOK, data=form)


def check_reply(response: Any, max_chars: int = 182) -> str:
    """Assert the USSD reply contract and return the body: 200, CON/END, GSM-7, within the limit."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200, (response.status_code, body)
    assert body.startswith(("CON ", "END ")), body
    screen = body[4:]
    assert is_gsm7(screen), screen
    assert septets(screen) <= max_chars, (septets(screen), screen)
    return body


def check_reply_or_documented_400(response: Any, max_chars: int = 182) -> str:
    """As ``check_reply``, except a documented malformed request may get 400 with its reason."""
    if response.status_code == 400:
        body = response.get_data(as_text=True)
        assert body.startswith(DOCUMENTED_400), body
        return body
    return check_reply(response, max_chars)


def order_count(rt: Runtime) -> int:
    with rt.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Order)) or 0)


def errors_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record at ERROR or above, with its traceback's tail, for a readable failure."""
    return [f"{r.name}: {r.getMessage()} {r.exc_text or ''}"[-600:]
            for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def world(make_app: Callable[..., Flask], database_url: str,
          redis_url: str) -> Iterator[tuple[Flask, Callable[[], None]]]:
    """An app with no hop limit to speak of, and ``reset()`` to give each example a fresh world:
    an empty Redis, an empty database and the demo catalog."""
    app = make_app(USSD_HOPS_PER_MINUTE=100_000)
    rt: Runtime = app.extensions["bodega"]
    runner = app.test_cli_runner()

    def reset() -> None:
        redis.Redis.from_url(redis_url).flushdb()
        empty_database(database_url)
        result = runner.invoke(args=["catalog", "import", str(DEMO_CSV)])
        assert result.exit_code == 0, result.output

    reset()
    yield app, reset
    rt.engine.dispose()


def drain_session_log(rt: Runtime) -> int:
    """Move the logged hops into SQL the way the worker does (every live dial counted as gone
    quiet, so its hops so far are written too); must never fail on any input."""
    while dial_log.sweep(rt.redis, idle_seconds=0, now=time.time() + 1):
        pass
    return session_log.drain(rt.redis, rt.sessions)


class RedisServer:
    """A private redis-server on 127.0.0.1 that a test can kill, freeze and start again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_store.redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_timeout=0.2).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: the server vanishes with everything it held."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=5)

    def freeze(self) -> None:
        """SIGSTOP: the server still accepts connections but never answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


from tests.payments.conftest import mpesa_shop, open_shop, wallet_shop  # noqa: E402, F401 - fixtures shared with payments
