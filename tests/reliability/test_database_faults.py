"""The database fails: a polite END, nothing half-written, and the dial never points past the
write that failed (so the same answer works once the database is back).

SQLite is broken for real by overwriting a private database file with garbage; PostgreSQL by a
URL on a closed port, and (when the suite runs on PostgreSQL) by refusing connections to the
run's own database mid-dial.
"""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from gateway.commerce.models import CartItem, Order
from gateway.core.runtime import Runtime
from gateway.ussd.hop import SORRY
from tests.conftest import DEMO_CSV, migrate
from tests.reliability.conftest import check_reply, errors_in, post_hop

PHONE = "+254711000444"


def _to_quantity(app: Flask) -> tuple[str, str]:
    """Dial and walk to a product's 'How many?' screen; returns (session id, text so far)."""
    client = app.test_client()
    session_id, typed = f"ATUid_{uuid.uuid4().hex}", ""
    check_reply(post_hop(client, session_id, PHONE, ""))
    for answer in ("1", "1", "1"):
        typed = answer if not typed else f"{typed}*{answer}"
        body = check_reply(post_hop(client, session_id, PHONE, typed))
    assert "How many" in body, body
    return session_id, typed


def _counts(rt: Runtime) -> tuple[int, int]:
    with rt.sessions() as db:
        return (int(db.scalar(select(func.count()).select_from(CartItem)) or 0),
                int(db.scalar(select(func.count()).select_from(Order)) or 0))


def _import_demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(DEMO_CSV)])
    assert result.exit_code == 0, result.output


def test_sqlite_file_broken_mid_dial(make_app: Callable[..., Flask], tmp_path: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    db_file = tmp_path / "shop.db"
    migrate(f"sqlite:///{db_file}")
    app = make_app(DATABASE_URL=f"sqlite:///{db_file}")
    rt: Runtime = app.extensions["bodega"]
    _import_demo(app)
    session_id, typed = _to_quantity(app)

    rt.engine.dispose()
    good = tmp_path / "good.db"
    shutil.copy(db_file, good)  # disposed engine: the WAL is checkpointed into the file
    db_file.write_bytes(b"this is not a database " * 500)
    for extra in ("-wal", "-shm"):
        Path(f"{db_file}{extra}").unlink(missing_ok=True)

    answer = post_hop(app.test_client(), session_id, PHONE, f"{typed}*2")
    assert check_reply(answer) == f"END {SORRY}"
    assert any("USSD hop failed" in r.getMessage() for r in caplog.records)  # logged for the team

    rt.engine.dispose()
    shutil.copy(good, db_file)
    assert _counts(rt) == (0, 0)  # nothing half-written
    again = check_reply(post_hop(app.test_client(), session_id, PHONE, f"{typed}*2"))
    assert "Added 2" in again, again  # the dial still stood in front of the failed write
    assert _counts(rt) == (1, 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_postgres_unreachable_ends_politely(make_app: Callable[..., Flask],
                                            caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/bodega")
    body = check_reply(post_hop(app.test_client(), f"ATUid_{uuid.uuid4().hex}", PHONE, ""))
    assert body == f"END {SORRY}"
    caplog.clear()
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"].startswith("error")
    assert errors_in(caplog) == []


@pytest.fixture
def postgres_gate(database_url: str) -> Iterator[Callable[[bool], None]]:
    """``gate(False)`` refuses new connections to the run's database and drops the open ones."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite is covered by the file test")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database

    def gate(open_: bool) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(open_).lower()}'))
            if not open_:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})

    yield gate
    gate(True)
    admin.dispose()


def test_postgres_lost_mid_dial(make_app: Callable[..., Flask],
                                postgres_gate: Callable[[bool], None]) -> None:
    app = make_app()
    rt: Runtime = app.extensions["bodega"]
    _import_demo(app)
    session_id, typed = _to_quantity(app)

    postgres_gate(False)
    answer = post_hop(app.test_client(), session_id, PHONE, f"{typed}*2")
    assert check_reply(answer) == f"END {SORRY}"
    postgres_gate(True)

    assert _counts(rt) == (0, 0)
    again = check_reply(post_hop(app.test_client(), session_id, PHONE, f"{typed}*2"))
    assert "Added 2" in again, again
    assert _counts(rt) == (1, 0)


def test_every_webhook_answers_clearly_with_the_database_unreachable(
        make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    """With the database gone no webhook answers 500: the hop ends politely, and the callbacks
    that must not be lost answer 503 so their sender retries them (AT's session-end event too)."""
    app = make_app(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/bodega")
    client = app.test_client()
    session_end = {"sessionId": "ATUid_gone", "phoneNumber": PHONE, "serviceCode": "*384*123#",
                   "networkCode": "63902", "status": "Incomplete", "cost": "KES 0.10",
                   "durationInMillis": "23456", "hopsCount": "3", "input": "1*1", "lastAppResponse": "CON x",
                   "errorMessage": "", "date": "2026-11-23 10:00:00"}
    inbound = {"id": "sms-1", "from": PHONE, "to": "12345", "text": "ORDERS", "date": "2026-11-23 10:00:00"}
    report = {"id": "ATXid_1", "status": "Success", "phoneNumber": PHONE}
    stk = b'{"Body": {"stkCallback": {"MerchantRequestID": "m", "CheckoutRequestID": "ws_CO_1", ' \
          b'"ResultCode": 1032, "ResultDesc": "Request cancelled by user"}}}'
    answers = {
        "hop": check_reply(post_hop(client, f"ATUid_{uuid.uuid4().hex}", PHONE, "")),
        "session end": client.post("/hooks/africastalking/ussd/events", data=session_end).status_code,
        "inbound sms": client.post("/hooks/africastalking/sms", data=inbound).status_code,
        "delivery report": client.post("/hooks/africastalking/sms/delivery", data=report).status_code,
        "mpesa": client.post("/hooks/mpesa/stk", data=stk, content_type="application/json").status_code,
    }
    assert answers == {"hop": f"END {SORRY}", "session end": 503, "inbound sms": 503,
                       "delivery report": 503, "mpesa": 503}
