"""``flask --app wsgi doctor`` against the real local PostgreSQL (or SQLite) and Redis, a running
gateway for PUBLIC_URL, and things that are wrong: a bad URL, no worker, half a set of credentials."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from flask import Flask
from rq import SimpleWorker
from werkzeug.serving import make_server

from gateway.core.runtime import Runtime


def doctor(app: Flask) -> Result:
    return app.test_cli_runner().invoke(args=["doctor"])


@pytest.fixture
def serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def worker(rt: Runtime) -> Iterator[SimpleWorker]:
    """A registered RQ worker, as ``python -m gateway.jobs.worker`` registers itself."""
    w = SimpleWorker([rt.queue], connection=rt.redis)
    w.register_birth()
    yield w
    w.register_death()


def test_a_ready_deployment_says_ready(app: Flask, rt: Runtime, serving: str, worker: SimpleWorker) -> None:
    rt.settings = dataclasses.replace(rt.settings, PUBLIC_URL=serving)
    result = doctor(app)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "ready"
    assert any(line.startswith("ok    database") and "schema at 0" in line for line in lines)
    assert any(line.startswith("ok    queue") and "1 worker(s)" in line for line in lines)
    assert f"ok    public url  {serving}/healthz answers 200" in result.output


def test_problems_are_said_in_plain_words(make_app: Callable[..., Flask]) -> None:
    app = make_app(PUBLIC_URL="http://127.0.0.1:9", AT_USERNAME="sandbox", MPESA_CONSUMER_KEY="k")
    result = doctor(app)
    assert result.exit_code == 1
    out = result.output
    assert "FAIL  public url  cannot reach http://127.0.0.1:9 from this machine" in out
    assert "callbacks will not arrive" in out
    assert "FAIL  queue       no RQ worker is running" in out
    assert "FAIL  sms         set both AT_USERNAME and AT_API_KEY" in out
    assert "FAIL  mpesa       Daraja needs MPESA_CONSUMER_SECRET, MPESA_PASSKEY as well" in out
    assert "Traceback" not in out and out.splitlines()[-1] == "4 problem(s) to fix"


def test_an_unreachable_database_and_redis(make_app: Callable[..., Flask]) -> None:
    app = make_app(PUBLIC_URL="http://127.0.0.1:9")
    rt: Runtime = app.extensions["bodega"]
    import redis
    from sqlalchemy import create_engine

    rt.engine = create_engine("postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    rt.redis = redis.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    out = doctor(app).output
    assert "FAIL  database    cannot connect to postgresql+psycopg://nobody:***@127.0.0.1:9/none" in out
    assert "is DATABASE_URL right?" in out and "secret" not in out
    assert "FAIL  redis       cannot reach Redis" in out and "is REDIS_URL right?" in out
