"""SQLite connections as Rumbo runs them: WAL and durable pragmas, a bounded busy timeout,
``BEGIN`` emitted by SQLAlchemy (so writers can ``BEGIN IMMEDIATE``), and one writer at a
time within a process (:class:`SqliteWriteGate`). :func:`configure_sqlite` installs all of
it on an engine; nothing is installed at import."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "SQLITE_BUSY_TIMEOUT_S",
    "SqliteSynchronous",
    "SqliteWriteGate",
    "configure_sqlite",
    "refresh_statistics",
]

# SQLite's busy timeout (seconds): how long a writer waits for the write lock.
SQLITE_BUSY_TIMEOUT_S = 10.0

SqliteSynchronous = Literal["FULL", "NORMAL"]


def _sqlite_pragmas(synchronous: SqliteSynchronous) -> Callable[[Any, ConnectionPoolEntry], None]:
    """The pragmas of every SQLite connection. ``synchronous=FULL`` (the default) syncs the
    WAL at every commit, so a power cut cannot lose an acknowledged edit; ``NORMAL`` is
    faster and only as durable as the last checkpoint (see ``bench/durability.py``)."""
    level = {"FULL": "FULL", "NORMAL": "NORMAL"}[synchronous]

    def apply(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        _apply_pragmas(dbapi_connection, level)

    return apply


def _apply_pragmas(dbapi_connection: Any, synchronous: str) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    # Reads go through a memory map of the file (the OS page cache, shared by every
    # connection and process, capped by SQLite at 2 GiB); each connection's own page cache
    # (pages written, or beyond the map) stays small, as a pool holds several connections.
    cursor.execute("PRAGMA cache_size=-8192")
    cursor.execute("PRAGMA mmap_size=2147418112")
    cursor.close()


# Rows ANALYZE samples per index when it runs (bounds its cost on a large database).
_ANALYSIS_LIMIT = 2000


def refresh_statistics(connection: Connection, table: str) -> None:
    """After a bulk write to ``table`` (a rebuild of the stored documents): SQLite's planner
    statistics of it again, sampled (a second or so at a million points). Statistics gathered
    when it was nearly empty would steer the planner into scanning it (SQLite 3.40's
    ``PRAGMA optimize`` looks only at tables its own connection has queried). PostgreSQL's
    autovacuum keeps its own."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql(f"PRAGMA analysis_limit={_ANALYSIS_LIMIT}")
    connection.exec_driver_sql(f'ANALYZE "{table}"')


def configure_sqlite(engine: Engine, synchronous: SqliteSynchronous) -> None:
    """Install the pragmas, SQLAlchemy-emitted ``BEGIN`` and the write gate on ``engine``."""
    event.listen(engine, "connect", _sqlite_pragmas(synchronous))
    # Let SQLAlchemy emit BEGIN itself, so write transactions can be ``BEGIN IMMEDIATE``
    # (queued behind the other writers of this process).
    event.listen(engine, "connect", _disable_pysqlite_begin)
    SqliteWriteGate().install(engine)


def _disable_pysqlite_begin(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None


class SqliteWriteGate:
    """One writer at a time within a process, queued in order on a lock.

    SQLite has one write lock per database. Writers that all try ``BEGIN IMMEDIATE`` at once
    wait in SQLite's busy handler, which sleeps and retries with growing pauses: under a
    burst (a crowd sending feedback) most of them sleep past the moment the lock is free and
    some reach the busy timeout. Queued here instead, the next writer starts the moment the
    previous one commits. Other processes (a second worker, the CLI) still meet at SQLite's
    own lock.
    """

    def __init__(self, timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
        self._lock = threading.Lock()
        self.timeout_s = timeout_s

    def install(self, engine: Engine) -> None:
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)
        # A connection returned to the pool mid-transaction (an error) lets go as well.
        event.listen(engine.pool, "checkin", self._checkin)

    def _begin(self, conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_begin", "DEFERRED") != "IMMEDIATE":
            conn.exec_driver_sql("BEGIN")
            return
        if not self._lock.acquire(timeout=self.timeout_s):
            # What SQLite itself would say after its busy timeout: answered as a 503.
            raise OperationalError(
                "BEGIN IMMEDIATE",
                {},
                sqlite3.OperationalError(
                    "database is locked (waited for the other writers of this process)"
                ),
            )
        conn.info["rumbo_write_gate"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self._release(conn.info)
            raise

    def _end(self, conn: Any) -> None:
        self._release(conn.info)

    def _checkin(self, _dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        self._release(record.info)

    def _release(self, info: dict[Any, Any]) -> None:
        if info.pop("rumbo_write_gate", False):
            self._lock.release()
