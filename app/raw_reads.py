"""Reads on the DB-API cursor of a pooled connection: the hot read path's statements.

SQLAlchemy's statement layer costs 50-60 µs a statement (events, result set-up, compiled
cache look-up), a session another 70 µs to begin and end; the cursor of the same pooled
connection runs a short statement in 1-2 µs. The statements sent here are constant SQL
written (or compiled) once per engine with positional parameters; what the statement
layer did for the request is done here: the request's time budget is checked before each
statement and armed on SQLite's progress handler (``app.budget.guard``), and the
connection goes back to the pool (its transaction rolled back) when the reads end.

Two ways in:

- :func:`lean_session` checks a connection out of the read pool, begins one read
  transaction on it and hands out a :class:`~sqlalchemy.orm.Session` that carries it: code
  that knows (:func:`reads_of`) reads through the cursor; anything else the session is asked
  for (a cache refilled on a data version change, every 30 s a setting) opens the session's
  own connection, as any session would.
- :func:`reads_of` on an ordinary session reads through the cursor of the session's own
  connection, inside its transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app import budget

__all__ = ["RawReads", "Rider", "is_lean", "lean_session", "reads_of"]

_KEY = "rumbo.raw_reads"


class Rider(Protocol):
    """A read joined to a search statement (:meth:`RawReads.carry`): ``wrap`` makes the
    joined statement of a search's SQL (whose first column is a point id), ``params`` are
    its own parameters, ``keep`` takes the joined rows and gives back the search's own."""

    params: dict[str, Any]

    def wrap(self, sql: str) -> str: ...

    def keep(self, rows: list[Any]) -> list[Any]: ...


class RawReads:
    """Statements on one DB-API connection (``dialect``: ``sqlite`` or ``postgresql``)."""

    __slots__ = ("_along", "_connection", "_cursor", "_info", "_kept", "_rider", "dialect")

    def __init__(self, dbapi_connection: Any, info: dict[Any, Any], dialect: str) -> None:
        self._connection = dbapi_connection
        self._cursor = dbapi_connection.cursor()
        self._info = info
        self.dialect = dialect
        self._along: str | None = None
        self._kept: dict[str, list[Any]] = {}
        self._rider: Rider | None = None

    def send_along(self, sql: str) -> None:
        """On PostgreSQL, send ``sql`` (a constant statement without parameters that the
        request will run) in one pipeline with the next statement: one round trip for
        both; its rows wait here for ``rows(sql, ())``. Elsewhere nothing changes."""
        if self.dialect == "postgresql":
            self._along = sql

    def carry(self, rider: Rider) -> None:
        """On PostgreSQL, let the next search statement (:meth:`search_rows`) carry
        ``rider``'s read: one statement, one round trip, for both. Elsewhere nothing."""
        if self.dialect == "postgresql":
            self._rider = rider

    def search_rows(self, sql: str, params: dict[str, Any] | Sequence[Any]) -> list[Any]:
        """Every row of a search statement (named parameters on PostgreSQL), with the read
        of a rider given to :meth:`carry` joined to it the first time."""
        rider, self._rider = self._rider, None
        if rider is None or not isinstance(params, dict):
            return self.rows(sql, params)
        return rider.keep(self.rows(rider.wrap(sql), {**params, **rider.params}))

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any], *, binary: bool = False
    ) -> list[Any]:
        """Every row of ``sql`` (tuples). ``binary``: on PostgreSQL, the rows come in the
        binary format (the same values: for rows of large ``bytea``, half the bytes to send
        and nothing to decode from hex)."""
        kept = self._kept.pop(sql, None) if self._kept and not params else None
        if kept is not None:
            return kept
        budget.guard(self._info)
        cursor = self._cursor
        options = {"binary": True} if binary and self.dialect == "postgresql" else {}
        along, self._along = self._along, None
        if along is not None and along != sql:
            other = self._connection.cursor()
            with self._connection.pipeline():
                other.execute(along)
                cursor.execute(sql, params, **options)
            self._kept[along] = other.fetchall()
        else:
            cursor.execute(sql, params, **options)
        rows: list[Any] = cursor.fetchall()
        return rows


def reads_of(session: Session) -> RawReads:
    """The session's cursor reads: the lean session's own, or the cursor of the connection
    of an ordinary session (in its transaction, begun by SQLAlchemy as usual)."""
    found: RawReads | None = session.info.get(_KEY)
    if found is not None:
        return found
    connection = session.connection()
    fairy = connection.connection
    return RawReads(fairy.driver_connection, fairy.info, connection.dialect.name)


def is_lean(session: Session) -> bool:
    """Whether ``session`` came from :func:`lean_session` (its reads go through the cursor)."""
    return _KEY in session.info


@contextlib.contextmanager
def _carrying(maker: sessionmaker[Session], reads: RawReads) -> Iterator[Session]:
    session = maker()
    session.info[_KEY] = reads
    try:
        yield session
    finally:
        if session.in_transaction():  # it opened its own connection (see above)
            session.close()


@contextlib.contextmanager
def lean_session(maker: sessionmaker[Session]) -> Iterator[Session]:
    """A read session whose statements go through one pooled connection's cursor, in one
    transaction (one snapshot of the database)."""
    bind: Engine | Connection = maker.kw["bind"]
    if isinstance(bind, Connection):
        # Sessions bound to one connection (the tests' rolled-back transaction): its cursor,
        # inside the transaction it is in.
        with _carrying(
            maker,
            RawReads(bind.connection.driver_connection, bind.connection.info, bind.dialect.name),
        ) as session:
            yield session
        return
    engine = bind
    fairy = engine.raw_connection()
    dbapi: Any = fairy.driver_connection
    autocommit = False
    try:
        dialect = engine.dialect.name
        reads = RawReads(dbapi, fairy.info, dialect)
        if dialect == "sqlite":
            # pysqlite leaves transactions to SQLAlchemy here (isolation_level None): one
            # snapshot for all the reads, local and cheap.
            reads._cursor.execute("BEGIN")
        else:
            timeout = budget.local_timeout(fairy.info)
            if timeout is not None:
                reads._cursor.execute(timeout)  # begins the transaction
            else:
                # On PostgreSQL BEGIN and ROLLBACK are two round trips of the five or six a
                # page took: each statement is its own snapshot instead (a point gone
                # between the search and its document sends the request to the route; what
                # a cache keeps under a data version is read by a session of its own).
                autocommit = dbapi.autocommit = True
        with _carrying(maker, reads) as session:
            yield session
    finally:
        if autocommit:
            dbapi.autocommit = False
        # The pool rolls the transaction back as the connection returns (reset on return).
        fairy.close()
