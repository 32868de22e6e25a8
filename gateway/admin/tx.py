"""The console's transaction boundary: one session per request, committed by the view.

``request_db()`` opens the request's session (closed at teardown); ``commit(db)`` commits and
then enqueues the jobs the transaction asked for (SMS notices, resends) through
``gateway.core.transactions``, as every boundary does.
"""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.orm import Session

from gateway.core import transactions
from gateway.core.app_context import runtime

_KEY = "bodega_admin_db"


def request_db() -> Session:
    """The session of the current request (opened on first use)."""
    db: Session | None = g.get(_KEY)
    if db is None:
        db = runtime().sessions()
        setattr(g, _KEY, db)
    return db


def commit(db: Session) -> None:
    """Commit, then hand the jobs asked for in this transaction to the queue."""
    transactions.commit(runtime(), db)


def install(app: Flask) -> None:
    @app.teardown_appcontext
    def _close_db(_exc: BaseException | None) -> None:
        db: Session | None = g.pop(_KEY, None)
        if db is not None:
            db.close()
