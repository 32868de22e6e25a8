"""Test harness: a real Redis, a real database, and a Dialer that drives the product like a handset.

Redis is ``REDIS_URL`` when set, else a private embedded server for this run; it is flushed before
each test. The database is SQLite by default and PostgreSQL whenever ``TEST_DATABASE_URL`` is set:
then a database of its own is created for this run (so parallel runs never collide), migrated with
Alembic, and emptied before each test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config.settings import ROOT
from gateway.app import create_app
from gateway.commerce.models import Base
from gateway.core import job_lanes, redis_store
from gateway.core.runtime import Runtime
from gateway.jobs import lanes
from tests.fakes import FakeAT, FakeDaraja, FakeInfobip, FakeTwilio
from tests.fakes.fake_airtel import FakeAirtel
from tests.fakes.fake_momo import FakeMomo
from tests.fakes.fake_pagoefectivo import FakePagoEfectivo

DEMO_CSV = ROOT / "config" / "demo_catalog.csv"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    directory = tmp_path_factory.mktemp("redis")
    yield redis_store.start_embedded(directory)
    redis_store.stop_embedded(directory)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bodega.db'}"
        migrate(url)
        yield url
        return
    name = f"bodega_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")


def empty_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def make_app(database_url: str, redis_url: str) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database and Redis, with settings ``overrides`` on top."""
    empty_database(database_url)
    redis.Redis.from_url(redis_url).flushdb()
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        settings = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, **overrides}
        app = create_app("testing", **settings)
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["bodega"].engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def rt(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["bodega"]
    return runtime


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def demo_catalog(app: Flask) -> None:
    """The demo catalog, imported through the real CLI command."""
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)])
    assert result.exit_code == 0, result.output


class _CountingWorker(SimpleWorker):
    """A SimpleWorker that counts the jobs it finished (RQ keeps its own count only in Redis)."""

    succeeded = 0

    def handle_job_success(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> None:
        super().handle_job_success(job, queue, *args, **kwargs)
        self.succeeded += 1


def run_jobs(rt: Runtime) -> int:
    """Run every queued job in this process, as the worker would: the job lanes' batches and RQ's
    jobs (a real RQ worker in burst mode), until neither has work left; returns how many ran
    successfully (a lane's batch counts as one)."""
    succeeded = 0
    while True:
        batches = lanes.drain(rt)
        worker = _CountingWorker([rt.queue], connection=rt.queue.connection)
        worked = worker.work(burst=True)
        succeeded += batches + worker.succeeded
        if not batches and not worked:
            return succeeded


def waiting_jobs(rt: Runtime) -> list[tuple[str, tuple[Any, ...]]]:
    """What waits to run now: each RQ job as ``(name, args)``, then each job lane's ids as
    ``(name, ids)`` (``gateway.core.job_lanes``)."""
    found = [(job.func_name, tuple(job.args)) for job in rt.queue.get_jobs()]
    for name, key in job_lanes.LANES.items():
        ids = rt.queue.connection.lrange(key, 0, -1)
        if ids:
            found.append((name, tuple(int(raw) for raw in ids)))
    return found


def scheduled_jobs(rt: Runtime) -> list[Job]:
    """Jobs waiting for their time: delayed ones and RQ retries waiting out their backoff."""
    registry = ScheduledJobRegistry(queue=rt.queue)
    return [Job.fetch(job_id, connection=rt.queue.connection) for job_id in registry.get_job_ids()]


def run_scheduled_jobs(rt: Runtime) -> int:
    """Enqueue every scheduled job now, as if its time had come, then ``run_jobs``."""
    registry = ScheduledJobRegistry(queue=rt.queue)
    for job in scheduled_jobs(rt):
        registry.remove(job.id)
        rt.queue.enqueue_job(job)
    return run_jobs(rt)


class Dialer:
    """A handset: ``dial()`` starts a dial, ``dial("1")`` answers the current screen.

    Sends AT's form exactly as PROTOCOLS.md shows, with ``text`` growing by ``*`` each hop.
    """

    def __init__(self, client: FlaskClient, phone: str = "+254711000111",
                 service_code: str = "*384*123#", key: str | None = None) -> None:
        self.client = client
        self.phone = phone
        self.service_code = service_code
        self.key = key
        self.session_id = ""
        self.text = ""
        self.screen = ""
        self.ended = True

    def dial(self, answer: str | None = None, *, text: str | None = None,
             service_code: str | None = None) -> str:
        """Without ``answer``: a new dial (``text`` may carry a direct-dial path)."""
        if answer is None:
            self.session_id = f"ATUid_{uuid.uuid4().hex}"
            self.text = text or ""
        else:
            self.text = answer if self.text == "" else f"{self.text}*{answer}"
        return self.post(service_code)

    def post(self, service_code: str | None = None) -> str:
        form = {"sessionId": self.session_id, "phoneNumber": self.phone, "networkCode": "63902",
                "serviceCode": service_code or self.service_code, "text": self.text}
        url = "/hooks/africastalking/ussd" + (f"?key={self.key}" if self.key else "")
        response = self.client.post(url, data=form)
        assert response.status_code == 200, response.data
        body = response.get_data(as_text=True)
        assert body.startswith(("CON ", "END ")), body
        self.screen = body[4:]
        self.ended = body.startswith("END ")
        return body

    def walk(self, *answers: str) -> str:
        """Dial and answer each screen in turn; returns the last reply."""
        reply = self.dial()
        for answer in answers:
            reply = self.dial(answer)
        return reply


@pytest.fixture
def dialer(client: FlaskClient) -> Dialer:
    return Dialer(client)


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def _fake_at_server() -> Iterator[FakeAT]:
    server = FakeAT().start()
    yield server
    server.stop()


@pytest.fixture
def fake_at(_fake_at_server: FakeAT) -> FakeAT:
    """A fake Africa's Talking SMS API on 127.0.0.1 (see tests/fakes/fake_at.py), fresh per test.

    ``make_app(**fake_at.settings())`` sends the gateway's SMS there through the official SDK.
    """
    _fake_at_server.reset()
    return _fake_at_server


@pytest.fixture(scope="session")
def _fake_daraja_server() -> Iterator[FakeDaraja]:
    server = FakeDaraja().start()
    yield server
    server.stop()


@pytest.fixture
def fake_daraja(_fake_daraja_server: FakeDaraja) -> FakeDaraja:
    """A fake M-Pesa Daraja on 127.0.0.1 (see tests/fakes/fake_daraja.py), fresh per test.

    ``make_app(**fake_daraja.settings())`` makes the gateway pay through it.
    """
    _fake_daraja_server.reset()
    return _fake_daraja_server


@pytest.fixture(scope="session")
def _fake_wallet_servers() -> Iterator[tuple[FakeMomo, FakeAirtel, FakePagoEfectivo]]:
    servers = (FakeMomo().start(), FakeAirtel().start(), FakePagoEfectivo().start())
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def fake_momo(_fake_wallet_servers: tuple[FakeMomo, FakeAirtel, FakePagoEfectivo]) -> FakeMomo:
    """A fake MTN MoMo Collection API on 127.0.0.1 (tests/fakes/fake_momo.py), fresh per test."""
    _fake_wallet_servers[0].reset()
    return _fake_wallet_servers[0]


@pytest.fixture
def fake_airtel(_fake_wallet_servers: tuple[FakeMomo, FakeAirtel, FakePagoEfectivo]) -> FakeAirtel:
    """A fake Airtel Money Open API on 127.0.0.1 (tests/fakes/fake_airtel.py), fresh per test."""
    _fake_wallet_servers[1].reset()
    return _fake_wallet_servers[1]


@pytest.fixture
def fake_pagoefectivo(
        _fake_wallet_servers: tuple[FakeMomo, FakeAirtel, FakePagoEfectivo]) -> FakePagoEfectivo:
    """A fake PagoEfectivo API on 127.0.0.1 (tests/fakes/fake_pagoefectivo.py), fresh per test."""
    _fake_wallet_servers[2].reset()
    return _fake_wallet_servers[2]


@pytest.fixture(scope="session")
def _fake_twilio_server() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def fake_twilio(_fake_twilio_server: FakeTwilio) -> FakeTwilio:
    """A fake Twilio Messaging API on 127.0.0.1 (tests/fakes/fake_twilio.py), fresh per test."""
    _fake_twilio_server.reset()
    return _fake_twilio_server


@pytest.fixture(scope="session")
def _fake_infobip_server() -> Iterator[FakeInfobip]:
    server = FakeInfobip().start()
    yield server
    server.stop()


@pytest.fixture
def fake_infobip(_fake_infobip_server: FakeInfobip) -> FakeInfobip:
    """A fake Infobip SMS API on 127.0.0.1 (tests/fakes/fake_infobip.py), fresh per test."""
    _fake_infobip_server.reset()
    return _fake_infobip_server
