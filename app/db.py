"""Engines, sessions and the declarative base shared by every domain.

A request is one unit of work: :func:`get_session` commits when the handler
returns and rolls back when it raises. Services and repositories only ``flush``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app import budget, pool_ping
from app.sqlite import SQLITE_BUSY_TIMEOUT_S, SqliteSynchronous, configure_sqlite

__all__ = [
    "SQLITE_BUSY_TIMEOUT_S",
    "Base",
    "Database",
    "ReadSessionDep",
    "SessionDep",
    "SqliteSynchronous",
    "UTCDateTime",
    "get_session",
    "make_engine",
    "normalise_url",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# How long a writer queued behind an import's merge may wait in all (the merge of the largest
# accepted file takes well under this; the bound stays, as for every wait).
MERGE_WAIT_S = 300.0


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware, on both engines."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        stamp: dt.datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)


def normalise_url(url: str) -> str:
    """Pick the psycopg 3 driver for bare ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str, *, sqlite_synchronous: SqliteSynchronous = "FULL", **kwargs: Any
) -> Engine:
    """An engine for ``url`` with the pragmas or pool settings Rumbo relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            **kwargs,
        )
        configure_sqlite(engine, sqlite_synchronous)
        return engine
    # Connections are pinged at checkout unless just returned and quiet (app/pool_ping.py).
    ping = kwargs.pop("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_timeout", 5)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    engine = create_engine(url, **kwargs)
    if ping:
        pool_ping.install(engine)
    return engine


def _pool_options(url: str, pool: dict[str, Any]) -> dict[str, Any]:
    return {} if make_url(normalise_url(url)).get_backend_name() == "sqlite" else pool


class Database:
    """The engines of one application instance (primary, and an optional read replica)."""

    def __init__(
        self,
        url: str,
        read_replica_url: str | None = None,
        *,
        pool_size: int = 10,
        max_overflow: int = 20,
        sqlite_synchronous: SqliteSynchronous = "FULL",
        request_budget_s: float | None = None,
    ) -> None:
        # The pool's size applies to PostgreSQL (SQLite keeps SQLAlchemy's file pool).
        pool = {"pool_size": pool_size, "max_overflow": max_overflow}
        self.engine = make_engine(
            url, sqlite_synchronous=sqlite_synchronous, **_pool_options(url, pool)
        )
        self.read_engine = (
            make_engine(
                read_replica_url,
                sqlite_synchronous=sqlite_synchronous,
                **_pool_options(read_replica_url, pool),
            )
            if read_replica_url
            else self.engine
        )
        if request_budget_s is not None:
            # The server's engines: requests' time budgets are enforced in the database.
            budget.install(self.engine, request_budget_s)
            if self.read_engine is not self.engine:
                budget.install(self.read_engine, request_budget_s)
        # Writers take SQLite's write lock up front, so two writers queue on busy_timeout
        # instead of failing when a read transaction tries to upgrade.
        writer = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.engine.dialect.name == "sqlite"
            else self.engine
        )
        self.sessionmaker = sessionmaker(writer, expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(self.read_engine, expire_on_commit=False)
        # Reads on the primary that take no write lock (staging an import): a replica may lag.
        self._primary_reads = (
            None
            if self.read_engine is self.engine
            else sessionmaker(self.engine, expire_on_commit=False)
        )

        # Per event loop: the write sessions of requests queue there (see write_slot).
        self._write_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # Slots held by an import's merge: writers queued behind one wait it out.
        self._merges = 0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.asynccontextmanager
    async def write_slot(self, *, merge: bool = False) -> AsyncIterator[None]:
        """On SQLite, one request's write session at a time, queued on the event loop.

        SQLite has one write lock. Requests that waited for it in worker threads would hold
        the threads and pooled connections the writer in front of them needs to answer and
        commit (its response is validated in the thread pool): a burst of writes would stall
        the server. Waiting here costs no thread and no connection; after the busy timeout
        the request is answered 503 with Retry-After, unless the slot is held by an import's
        merge (``merge=True``): the one long write, which the others wait out (up to
        ``MERGE_WAIT_S``). PostgreSQL needs no slot.
        """
        if self.engine.dialect.name != "sqlite":
            yield
            return
        loop = asyncio.get_running_loop()
        lock = self._write_slots.get(loop)
        if lock is None:
            lock = self._write_slots[loop] = anyio.Lock()
        started = time.monotonic()
        while True:
            with anyio.move_on_after(SQLITE_BUSY_TIMEOUT_S):
                await lock.acquire()
                break
            if not self._merges or time.monotonic() - started > MERGE_WAIT_S:
                raise OperationalError(
                    "BEGIN IMMEDIATE",
                    {},
                    sqlite3.OperationalError("database is locked (queued behind other writers)"),
                )
        # Queued on the event loop, the request held no thread and no connection: that wait
        # does not count against its time budget (app/budget.py).
        spent = budget.current()
        if spent is not None:
            spent.extend(time.monotonic() - started)
        self._merges += merge
        try:
            yield
        finally:
            self._merges -= merge
            lock.release()

    def session(self) -> Session:
        return self.sessionmaker()

    def staging_session(self) -> Session:
        """A read session on the primary (never a replica), taking no write lock."""
        return (self._primary_reads or self.read_sessionmaker)()

    @property
    def has_replica(self) -> bool:
        return self.read_engine is not self.engine

    def reader(self, *, primary: bool = False) -> sessionmaker[Session]:
        """Sessions for reads: the replica's, unless ``primary`` (a caller who must see
        its own writes) or there is no replica. None of them takes SQLite's write lock."""
        if primary and self._primary_reads is not None:
            return self._primary_reads
        return self.read_sessionmaker

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


async def _end(session: Session, outcome: Callable[[], None]) -> None:
    """Commit or roll back, then close, in a worker thread, shielded from cancellation.

    Were the teardown cancelled (the server shutting down) or starved of a worker thread,
    the session's connection would stay checked out with its transaction open (on SQLite
    holding the write lock, on PostgreSQL "idle in transaction") until the pool ran dry.
    """

    def run() -> None:
        try:
            outcome()
        finally:
            session.close()

    # A limiter of its own, as Starlette gives a context manager's exit: when every token of
    # the shared thread pool is held by requests waiting for a connection or for the SQLite
    # write gate, the request that holds them must still be able to commit and let go.
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(run, limiter=anyio.CapacityLimiter(1))


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request on the primary: commit on success, roll back on error
    (a cancelled request is rolled back: its client never had an answer)."""
    database: Database = request.app.state.database
    async with database.write_slot():
        session = database.session()
        try:
            yield session
        except BaseException:
            await _end(session, session.rollback)
            raise
        await _end(session, session.commit)


# Credentials of staff (API clients and the console): whoever sends them may just have
# written, and must read their own writes.
_CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")
_SESSION_COOKIES = frozenset({"rumbo_console", "__Host-rumbo_console"})


def reads_primary(request: Request) -> bool:
    """True when the request carries staff credentials: its reads go to the primary, so
    a staff member never reads an older state than the one they wrote (replication lag)."""
    for name, _ in request.scope.get("headers", ()):
        if name in _CREDENTIAL_HEADERS:
            return True
    return not _SESSION_COOKIES.isdisjoint(request.cookies)


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session on the read replica when one is configured (read-only handlers); on the
    primary for requests with staff credentials (:func:`reads_primary`)."""
    database: Database = request.app.state.database
    session = database.reader(primary=reads_primary(request))()
    try:
        yield session
    finally:
        await _end(session, session.rollback)


# scope="function": the session is committed (or rolled back) and closed when the handler
# returns, BEFORE the response is sent, so a 2xx always means the change is durable and a
# failed commit is reported to the client, not swallowed after the response went out.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
