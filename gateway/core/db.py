"""Engine and sessions. Entry points open their transactions with ``gateway.core.transactions``
(which enqueues the jobs a commit asked for); ``session_scope`` is for reading and for test set-up,
and refuses to drop jobs silently.

The boundary owns the transaction: a request, job or CLI command commits; domain functions take
a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gateway.core.pending import PENDING
from gateway.core.sqlite_writers import queue_writers

SQLITE_WAIT_SECONDS = 15  # how long a write waits for another (SQLite's busy timeout too)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout, enforced foreign keys and writers
    that take turns (``sqlite_writers``).

    ``hide_parameters``: a database error's message never carries the values of its statement
    (a stored callback's body holds phone numbers and receipts, and errors are logged)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_WAIT_SECONDS, "check_same_thread": False},
                               hide_parameters=True)
        if parsed.database and parsed.database != ":memory:":
            queue_writers(engine, Path(parsed.database), SQLITE_WAIT_SECONDS)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA cache_size=-16384")  # 16 MB per connection (default 2 MB)
            cur.execute("PRAGMA mmap_size=268435456")  # read pages without a read() each
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def make_sessionmaker(engine: Engine, info: dict[str, Any] | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``; each starts with a copy of ``info`` (e.g. the catalog publisher)."""
    return sessionmaker(engine, expire_on_commit=False, info=info or {})


class ConflictInsert:
    """An ``INSERT ... ON CONFLICT`` built once for each database Bodega runs on (their INSERT
    constructs differ): building such a statement cost more CPU than running it on a hop.
    ``build`` takes the dialect's ``insert`` and returns the statement."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        self._by_dialect = {"postgresql": build(postgresql.insert), "sqlite": build(sqlite.insert)}

    def on(self, db: Session | Connection) -> Any:
        """The statement for the database ``db`` (a session or a connection) talks to."""
        dialect = db.dialect if isinstance(db, Connection) else db.get_bind().dialect
        return self._by_dialect[dialect.name]


class LazySession:
    """A session opened on first use: a USSD hop that only navigates never opens one.

    Stands in for a ``Session`` (every attribute is the real session's). A hop whose SQL is all
    Core statements on ``connection()`` (a caller's card, the cart's upsert) gets a bare
    connection in a transaction and no ORM session, whose set-up and commit cost more CPU than
    the statement; anything else opens the session on that connection, in charge of its
    transaction (``control_fully``), so everything still commits or rolls back as one.
    ``opened`` says whether anything used it; the hop then ends it with ``commit``/``rollback``
    and ``close``.
    """

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._engine = factory.kw.get("bind")  # sessions on one engine (else: always a session)
        self._session: Session | None = None
        self._connection: Connection | None = None

    @property
    def opened(self) -> bool:
        return self._session is not None or self._connection is not None

    @property
    def session(self) -> Session | None:
        """The ORM session, if anything needed one."""
        return self._session

    def connection(self, *args: Any, **kwargs: Any) -> Connection:
        if self._session is not None or args or kwargs or not isinstance(self._engine, Engine):
            return self._opened_session().connection(*args, **kwargs)
        if self._connection is None:
            self._connection = self._engine.connect()
            self._connection.begin()
        return self._connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._opened_session(), name)

    def _opened_session(self) -> Session:
        if self._session is None:
            if self._connection is None:
                self._session = self._factory()
            else:
                self._session = self._factory(bind=self._connection, join_transaction_mode="control_fully")
        return self._session

    def commit(self) -> None:
        """Commit the transaction, through the session when one was opened."""
        if self._session is not None:
            self._session.commit()
        elif self._connection is not None:
            self._connection.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        elif self._connection is not None:
            self._connection.rollback()

    def close(self) -> None:
        """Close the session and give the connection back to the pool (rolling back what was
        not committed)."""
        session, connection, self._session, self._connection = self._session, self._connection, None, None
        if session is not None:
            session.close()
        if connection is not None:
            connection.close()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back when it raises.

    It has no queue: when the block asked for jobs (``after_commit``), it raises ``RuntimeError``
    before committing rather than lose them; use ``gateway.core.transactions.unit_of_work``.
    """
    db = factory()
    try:
        yield db
        if db.info.get(PENDING):
            raise RuntimeError("jobs were asked for in a session_scope; use transactions.unit_of_work")
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()
