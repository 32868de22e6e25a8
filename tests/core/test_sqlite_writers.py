"""SQLite's writers take turns: a write waits for the transaction writing before it (in this
process or another) to end, and is woken when it does; reads never wait."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from gateway.core.db import make_engine

WOKEN = 5.0  # seconds a woken writer has to finish (it is woken at once; this only bounds a hang)
STILL_WAITING = 0.3  # how long a writer is watched to be sure it waits


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE stock (id INTEGER PRIMARY KEY, units INTEGER)"))
        conn.execute(text("INSERT INTO stock VALUES (1, 10)"))
    yield engine
    engine.dispose()


def _write_in_thread(engine: Engine) -> threading.Event:
    """Start a thread that takes one unit and commits; the event is set once it has."""
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE stock SET units = units - 1 WHERE id = 1"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    return done


def _units(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT units FROM stock WHERE id = 1")).scalar_one())


def test_a_write_waits_for_the_writer_before_it_and_goes_when_it_commits(engine: Engine) -> None:
    first = engine.connect()
    first.execute(text("UPDATE stock SET units = units - 1 WHERE id = 1"))
    second = _write_in_thread(engine)
    assert not second.wait(STILL_WAITING)  # queued behind the open write, not failing or sleeping
    assert _units(engine) == 10  # reads do not wait (and see what is committed)
    first.commit()
    assert second.wait(WOKEN)
    first.close()
    assert _units(engine) == 8


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_rollback_or_a_connection_given_back_ends_the_turn(engine: Engine, end: str) -> None:
    first = engine.connect()
    first.execute(text("UPDATE stock SET units = 0 WHERE id = 1"))
    second = _write_in_thread(engine)
    assert not second.wait(STILL_WAITING)
    getattr(first, end)()
    assert second.wait(WOKEN)
    first.close()
    assert _units(engine) == 9  # the first write was undone, the second applied


def test_a_write_waits_for_another_process(engine: Engine, tmp_path: Path) -> None:
    """Another process writing holds the lock file beside the database (an open file of its own)."""
    with open(tmp_path / "shop.db.writer-lock", "a") as other_process:
        fcntl.flock(other_process.fileno(), fcntl.LOCK_EX)
        waiting = _write_in_thread(engine)
        assert not waiting.wait(STILL_WAITING)
        fcntl.flock(other_process.fileno(), fcntl.LOCK_UN)
        assert waiting.wait(WOKEN)
    assert _units(engine) == 9


def test_a_write_in_autocommit_holds_the_turn_for_that_statement_only(engine: Engine) -> None:
    """A connection in autocommit (the text sender's claims between provider calls) must not keep
    other writers waiting after its statement."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as sender:
        sender.execute(text("UPDATE stock SET units = units - 1 WHERE id = 1"))
        assert _write_in_thread(engine).wait(WOKEN)  # not held while the sender does other work
        with engine.connect() as reader:  # the sender's write is committed by itself
            assert reader.execute(text("SELECT units FROM stock WHERE id = 1")).scalar_one() == 8


def test_a_write_that_fails_outside_a_transaction_gives_the_turn_back(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as sender:
        with pytest.raises(OperationalError):
            sender.execute(text("UPDATE no_such_table SET units = 0"))
        assert _write_in_thread(engine).wait(WOKEN)


def test_a_write_behind_a_stuck_process_gives_up_instead_of_hanging(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process that holds its turn and never ends (a CLI left in a transaction, a stuck
    job) makes a write here fail after the wait, as SQLite's busy timeout did: the hop answers
    with a polite END, instead of a thread waiting forever (and this process's other writers
    behind it)."""
    monkeypatch.setattr("gateway.core.db.SQLITE_WAIT_SECONDS", 1)
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE stock (id INTEGER PRIMARY KEY, units INTEGER)"))
        conn.execute(text("INSERT INTO stock VALUES (1, 10)"))
    failed: list[BaseException] = []
    finished = threading.Event()

    def write() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("UPDATE stock SET units = units - 1 WHERE id = 1"))
        except Exception as exc:  # noqa: BLE001 - what the writer met is the test's answer
            failed.append(exc)
        finished.set()

    with open(tmp_path / "shop.db.writer-lock", "a") as stuck_process:
        fcntl.flock(stuck_process.fileno(), fcntl.LOCK_EX)
        try:
            threading.Thread(target=write, daemon=True).start()
            gave_up = finished.wait(WOKEN)
        finally:
            fcntl.flock(stuck_process.fileno(), fcntl.LOCK_UN)
    finished.wait(WOKEN)
    engine.dispose()
    assert gave_up, "the write waited for the other process's turn without end"
    assert failed and "database is locked" in str(failed[0])
    assert _units(engine) == 10
