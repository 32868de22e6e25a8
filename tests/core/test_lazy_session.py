"""The hop's lazy session: Core statements run on a bare connection, with no ORM session, and
anything that needs the session later joins the same transaction, so it all commits or rolls back
as one."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from gateway.commerce.models import Customer
from gateway.core.db import LazySession, session_scope
from gateway.core.runtime import Runtime


def _customers(rt: Runtime) -> list[str]:
    with session_scope(rt.sessions) as db:
        return list(db.scalars(select(Customer.phone).order_by(Customer.phone)))


def test_nothing_used_opens_nothing(rt: Runtime) -> None:
    db = LazySession(rt.sessions)
    db.commit()
    db.close()
    assert not db.opened and db.session is None


def test_core_statements_commit_without_an_orm_session(rt: Runtime) -> None:
    db = LazySession(rt.sessions)
    db.connection().execute(insert(Customer).values(phone="+254711000001", language="en"))
    assert db.opened and db.session is None  # a bare connection: no session was built
    db.commit()
    db.close()
    assert _customers(rt) == ["+254711000001"]


def test_the_session_joins_the_connections_transaction(rt: Runtime) -> None:
    db = LazySession(rt.sessions)
    connection = db.connection()
    connection.execute(insert(Customer).values(phone="+254711000001", language="en"))
    db.add(Customer(phone="+254711000002", language="sw"))  # opens the session on that connection
    assert db.session is not None and db.connection() is connection
    assert db.scalar(select(func.count()).select_from(Customer)) == 2  # sees the Core write
    db.commit()
    db.close()
    assert _customers(rt) == ["+254711000001", "+254711000002"]


def test_a_rollback_undoes_the_core_and_the_orm_writes_alike(rt: Runtime) -> None:
    db = LazySession(rt.sessions)
    db.connection().execute(insert(Customer).values(phone="+254711000001", language="en"))
    db.add(Customer(phone="+254711000002", language="sw"))
    db.flush()
    db.rollback()
    db.close()
    assert _customers(rt) == []


def test_closing_without_a_commit_writes_nothing(rt: Runtime) -> None:
    db = LazySession(rt.sessions)
    db.connection().execute(insert(Customer).values(phone="+254711000001", language="en"))
    db.close()
    assert _customers(rt) == []
