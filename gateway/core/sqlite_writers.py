"""SQLite's writers take turns in a queue instead of sleeping in SQLite's busy handler.

SQLite lets one transaction write at a time. A connection that finds the write lock taken sleeps
and tries again (1, 2, 5, 10 ... 100 ms), so under a steady stream of hops that write (the cart's
upsert, Confirm) the slowest one in a hundred waited 80-100 ms and some nearly a second, though
each transaction holds the lock for about a millisecond. Here a transaction that is about to
write first takes its process's writer lock, then an exclusive ``flock`` on a file beside the
database shared by every process (web workers, the RQ worker, CLI commands). The next writer of
this process is woken as soon as the holder commits or rolls back; another process's is retried
every millisecond (``flock`` cannot wait with a timeout), and a turn not had within the wait
raises "database is locked" as SQLite did, rather than hanging behind a stuck process. Measured
with two processes of four threads writing short transactions (before the retry): p99 80-105 ms
-> 8-10 ms, and the same work in two thirds of the time.

The turn is taken before the first statement that is not a read (SQLite begins its write
transaction there too) and given back after the commit or rollback, or when the connection goes
back to the pool; a write that leaves no transaction open (a connection in autocommit, a statement
that failed before SQLite began one) gives it back at once. Reads never wait. A process that dies
drops its ``flock`` with it; a forked child gets a lock and a lock file of its own as it starts
(the parent's lock may be held by a thread the child lacks).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, event

# How long a turn another process holds may keep a write of this one waiting, beyond which the
# write fails with "database is locked" as SQLite's busy handler did: a stuck process (a CLI left
# in a transaction) must not hang this one's hops, and every writer of this process behind them.
READS = ("SELECT", "PRAGMA", "EXPLAI")  # the first six letters of a statement that only reads
HELD = "bodega_writer_turn"  # in a pooled connection's info while it holds the turn


class WriterQueue:
    """One writer at a time, across the threads of every process using the database at ``path``.

    ``wait_seconds`` bounds the wait (SQLite's own busy timeout), for the other threads of this
    process and then for the other processes, each woken at once when the turn is free. A turn
    not had in time raises "database is locked", as SQLite's busy handler did."""

    def __init__(self, path: Path, wait_seconds: float) -> None:
        self.path, self.wait_seconds = path, wait_seconds
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        # Set up here and in a forked child before it runs anything, not at a first write that two
        # threads may make at once (each would set up a lock of its own and both write).
        queue = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forked(queue()))

    def forked(self) -> None:
        """In a forked child: a lock of its own (the parent's may be held by a thread the child
        lacks) and a file of its own (a flock belongs to the open file, shared with the parent)."""
        self._lock, self._file = threading.Lock(), None

    def take(self) -> None:
        deadline = time.monotonic() + self.wait_seconds
        if not self._lock.acquire(timeout=self.wait_seconds):
            raise sqlite3.OperationalError("database is locked (waited for this process's writer)")
        try:
            if self._file is None:
                self._file = open(self.path, "a")  # noqa: SIM115 - kept open: the flock lives on it
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another process writes: wait in the kernel, woken as it ends
                if not _FlockWait(self._file).within(deadline):
                    self._file = None  # the abandoned wait keeps (and closes) that file
                    raise sqlite3.OperationalError(
                        "database is locked (waited for another process's writer)") from None
        except BaseException:
            self._lock.release()
            raise

    def give_back(self) -> None:
        try:
            if self._file is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._lock.release()


class _FlockWait:
    """A blocking ``flock`` on ``file`` that its caller can stop waiting for.

    ``flock`` has no timeout, and polling it with ``LOCK_NB`` loses most races to the process
    that holds the turn (it hands its lock from thread to thread): the wait runs in a helper
    thread, woken by the kernel the moment the holder lets go. A caller that gives up leaves the
    file to the helper, which lets the lock go and closes the file if it is granted later."""

    def __init__(self, file: IO[str]) -> None:
        self.file, self.granted, self.abandoned = file, threading.Event(), False
        self.guard = threading.Lock()

    def within(self, deadline: float) -> bool:
        threading.Thread(target=self._wait, name="sqlite-writer-turn", daemon=True).start()
        if self.granted.wait(max(0.0, deadline - time.monotonic())):
            return True
        with self.guard:
            if self.granted.is_set():  # granted just as the wait ran out
                return True
            self.abandoned = True
            return False

    def _wait(self) -> None:
        fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)
        with self.guard:
            if not self.abandoned:
                self.granted.set()
                return
        fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
        self.file.close()


def queue_writers(engine: Engine, database: Path, wait_seconds: float) -> WriterQueue:
    """Make ``engine``'s write transactions take turns (see the module's text)."""
    queue = WriterQueue(database.with_name(database.name + ".writer-lock"), wait_seconds)

    @event.listens_for(engine, "before_cursor_execute")
    def _take_turn(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        info = conn.connection.info
        if not info.get(HELD) and not statement.lstrip()[:6].upper().startswith(READS):
            queue.take()
            info[HELD] = True

    def _give_back(info: dict[str, Any]) -> None:
        if info.pop(HELD, False):
            queue.give_back()

    @event.listens_for(engine, "after_cursor_execute")
    def _statement_done(conn: Any, *_args: Any) -> None:
        _unless_in_transaction(conn)

    @event.listens_for(engine, "handle_error")
    def _statement_failed(context: Any) -> None:
        if context.connection is not None:
            _unless_in_transaction(context.connection)

    def _unless_in_transaction(conn: Any) -> None:
        """A write that left no transaction open (autocommit, or one SQLite refused) is over."""
        info = conn.connection.info
        if info.get(HELD) and not conn.connection.dbapi_connection.in_transaction:
            _give_back(info)

    def _then_give_back(end: Callable[[Any], None]) -> Callable[[Any], None]:
        def ended(dbapi_connection: Any) -> None:
            try:
                end(dbapi_connection)
            finally:
                _give_back(_info(dbapi_connection))
        return ended

    dialect = engine.dialect  # after the commit or rollback, not before (the engine's events)
    dialect.do_commit = _then_give_back(dialect.do_commit)  # type: ignore[method-assign, assignment]
    dialect.do_rollback = _then_give_back(dialect.do_rollback)  # type: ignore[method-assign, assignment]

    def _returned(_dbapi_connection: Any, record: Any) -> None:
        _give_back(record.info)  # a connection given back or closed without commit or rollback

    event.listen(engine, "checkin", _returned)
    event.listen(engine, "close", _returned)

    return queue


def _forked(queue: WriterQueue | None) -> None:
    if queue is not None:
        queue.forked()


def _info(connection: Any) -> dict[str, Any]:
    """The pool's ``info`` of the connection SQLAlchemy commits or rolls back (its pooled proxy,
    whose ``info`` is what ``before_cursor_execute`` marked)."""
    try:
        info = connection.info
    except (AttributeError, NotImplementedError):  # a bare DBAPI connection (the dialect's first look)
        return {}
    return info if isinstance(info, dict) else {}
