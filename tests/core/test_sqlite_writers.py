"""SQLite's writers take turns: a write waits for the transaction writing before it (in this
process or another) to end, and is woken when it does; reads never wait."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

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


def test_two_threads_writing_first_in_a_new_process_take_turns(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The first writes of a process (a web worker just started) may come from two threads at
    once: they still take turns, and both commit without an error (not one thread giving back the
    other's turn, and the other's commit, done, raising "release unlocked lock")."""
    from gateway.core import sqlite_writers

    with sqlite3.connect(tmp_path / "shop.db") as setup:
        setup.execute("CREATE TABLE stock (id INTEGER PRIMARY KEY, units INTEGER)")
        setup.execute("INSERT INTO stock VALUES (1, 10)")
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    both_starting = threading.Barrier(2, timeout=1)
    first: set[int] = set()  # the thread that set the lock up first (and writes for longer)

    def lock_seen_by_both() -> threading.Lock:  # both threads are setting up the process's lock,
        try:  # and one finishes well before the other
            if both_starting.wait() == 0:
                time.sleep(STILL_WAITING)
            else:
                first.add(threading.get_ident())
        except threading.BrokenBarrierError:
            pass
        return threading.Lock()

    monkeypatch.setattr(sqlite_writers, "threading", SimpleNamespace(Lock=lock_seen_by_both))
    failed: list[BaseException] = []

    def write() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("UPDATE stock SET units = units - 1 WHERE id = 1"))
                if threading.get_ident() in first:
                    time.sleep(STILL_WAITING * 2)
        except BaseException as exc:  # noqa: BLE001 - what the writer met is the test's answer
            failed.append(exc)

    threads = [threading.Thread(target=write, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WOKEN * 4)
    monkeypatch.undo()
    assert not failed, failed
    assert _units(engine) == 8
    engine.dispose()



def test_a_forked_child_takes_turns_with_its_parent(tmp_path: Path) -> None:
    """A process forked while its parent holds the turn (an RQ work-horse) has a lock and a lock
    file of its own: it waits for the parent to give the turn back, then takes it."""
    from gateway.core.sqlite_writers import WriterQueue

    queue = WriterQueue(tmp_path / "shop.db.writer-lock", WOKEN)
    queue.take()
    pid = os.fork()
    if pid == 0:  # the child: exit 0 once it had the turn
        code = 1
        try:
            queue.take()
            queue.give_back()
            code = 0
        finally:
            os._exit(code)
    time.sleep(STILL_WAITING)
    waiting = os.waitpid(pid, os.WNOHANG) == (0, 0)
    queue.give_back()
    _, status = os.waitpid(pid, 0)
    assert waiting, "the child wrote while its parent held the turn"
    assert os.waitstatus_to_exitcode(status) == 0
