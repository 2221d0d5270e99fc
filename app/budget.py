"""Time budgets: no request holds a worker thread or a database connection past its budget.

Every HTTP request gets a deadline when it arrives (``RUMBO_REQUEST_BUDGET_S``, 5 s; the
streaming exports, the sync feed and bundles, and imports have larger budgets of their
own). The database enforces it, so a runaway query or loop stops even in a worker thread:

- each statement a request sends after its deadline is refused before it reaches the
  database (this ends any loop of statements);
- SQLite: a progress handler interrupts a statement still running at the deadline (it is
  armed while the request's statements run, never during COMMIT or ROLLBACK);
- PostgreSQL: ``statement_timeout`` is the request budget on every connection (set when
  it connects, so it costs no round trip), and ``SET LOCAL`` per transaction where the
  budget differs (the larger budgets; no limit outside a request, e.g. the CLI).

A request over its budget is answered ``503`` problem+json with ``Retry-After`` (and logged
by the access log like any answer); its thread is free at once.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ServiceUnavailable

__all__ = [
    "Budget",
    "BudgetExceeded",
    "BudgetPlan",
    "RequestBudget",
    "current",
    "guard",
    "install",
    "is_budget_error",
    "local_timeout",
    "overrun",
    "within_budget",
]

# How many SQLite virtual machine instructions run between two looks at the clock (each
# look costs well under a microsecond; 10,000 instructions take about 0.1 ms).
PROGRESS_STEPS = 10_000
# What a client waits before trying again after a 503 for time.
RETRY_AFTER_S = 5


@dataclass(slots=True)
class Budget:
    """The time a request may take: ``seconds`` of work, ending at ``deadline``
    (``time.monotonic()``).

    The clock runs while the request works, not while it waits for what holds no thread
    and no connection: it restarts when the request's body has arrived (a slow but steady
    upload is the connection guard's business, app/connection_guard.py), and time spent
    queued for SQLite's write slot on the event loop (app/db.py) is added back.
    """

    seconds: float
    deadline: float

    @classmethod
    def starting_now(cls, seconds: float) -> Budget:
        return cls(seconds, time.monotonic() + seconds)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def restart(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def extend(self, seconds: float) -> None:
        self.deadline += max(0.0, seconds)


_current: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "rumbo_budget", default=None
)


def current() -> Budget | None:
    """The budget of the request this code runs for (None outside requests)."""
    return _current.get()


@contextlib.contextmanager
def within_budget(seconds: float) -> Iterator[Budget]:
    """Run the enclosed work (and the worker threads it starts) under a budget."""
    budget = Budget.starting_now(seconds)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


class BudgetExceeded(ServiceUnavailable):
    slug = "time-budget-exceeded"
    title = "The request took too long"

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The request took longer than its time budget of {seconds:g} s and was stopped; "
            "retry shortly, or narrow it (a smaller area, fewer filters).",
            retry_after=RETRY_AFTER_S,
        )


def overrun(exc: Exception) -> BudgetExceeded | None:
    """The 503 to answer when the database error ``exc`` stopped a request over its
    budget (the error handlers of app/errors.py ask), else None."""
    spent = current()
    if is_budget_error(exc) or (spent is not None and spent.expired()):
        return BudgetExceeded(spent.seconds if spent else 0.0)
    return None


@dataclass(frozen=True, slots=True)
class BudgetPlan:
    """Which budget a request gets, by path."""

    default_s: float
    export_s: float
    sync_s: float
    import_s: float

    def for_request(self, method: str, path: str) -> float:
        if method == "POST" and path in ("/v1/imports", "/console/imports"):
            return self.import_s
        if path.startswith("/v1/exports/"):
            return self.export_s
        if path == "/v1/sync" or path.startswith("/v1/bundles/"):
            return self.sync_s
        return self.default_s


class RequestBudget:
    """Pure ASGI middleware: starts each request's budget."""

    def __init__(self, app: ASGIApp, plan: BudgetPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seconds = self.plan.for_request(scope.get("method", ""), scope.get("path", ""))
        with within_budget(seconds) as budget:

            async def receiving() -> Message:
                message = await receive()
                if message["type"] == "http.request" and not message.get("more_body", False):
                    budget.restart()  # the body has arrived: the work starts now
                return message

            await self.app(scope, receiving, send)


def is_budget_error(exc: BaseException) -> bool:
    """Whether a database error is the budget stopping a statement (SQLite interrupted by
    the progress handler, PostgreSQL ``statement_timeout``: SQLSTATE 57014)."""
    orig = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else exc
    if getattr(orig, "sqlstate", None) == "57014":
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig) == "interrupted"


class _Armed:
    """The deadline a SQLite connection's progress handler checks (None: not armed)."""

    __slots__ = ("deadline",)

    def __init__(self) -> None:
        self.deadline: float | None = None

    def check(self) -> int:
        deadline = self.deadline
        return 1 if deadline is not None and time.monotonic() >= deadline else 0


_ARMED = "rumbo_budget_armed"


def install(engine: Engine, default_s: float) -> None:
    """Enforce request budgets on ``engine``'s connections."""
    event.listen(engine, "before_cursor_execute", _before_execute)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        for name in ("commit", "rollback"):
            event.listen(engine, name, _disarm)
        event.listen(engine.pool, "checkin", _disarm_record)
        event.listen(engine.pool, "reset", _disarm_reset)
    else:
        default_ms = _milliseconds(default_s)
        event.listen(engine, "connect", _postgres_connect(default_ms))
        event.listen(engine, "begin", _postgres_begin(default_ms))


def _milliseconds(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


# Statements that end (part of) a transaction always run: a request over its budget must
# still be able to let go of what it holds.
_ENDINGS = ("ROLLBACK", "RELEASE", "COMMIT")


def _before_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    budget = _current.get()
    if budget is None:
        return
    armed = conn.connection.info.get(_ARMED)
    if statement.lstrip()[:8].upper().startswith(_ENDINGS):
        if armed is not None:
            armed.deadline = None
        return
    if budget.expired():
        raise BudgetExceeded(budget.seconds)
    if armed is not None:
        armed.deadline = budget.deadline


def guard(info: dict[Any, Any]) -> None:
    """What :func:`_before_execute` does, for a statement sent on a DB-API cursor directly
    (``app/raw_reads.py``): refused past the deadline, else SQLite's handler armed with it
    (``info``: the pooled connection's). The pool disarms it when the connection returns."""
    budget = _current.get()
    if budget is None:
        return
    if budget.expired():
        raise BudgetExceeded(budget.seconds)
    armed = info.get(_ARMED)
    if armed is not None:
        armed.deadline = budget.deadline


_TIMEOUT_MS = "rumbo_budget_timeout_ms"


def local_timeout(info: dict[Any, Any]) -> str | None:
    """On PostgreSQL, the ``SET LOCAL statement_timeout`` that a transaction begun on a
    DB-API cursor directly needs, as :func:`_postgres_begin` sends it: None when the
    request's budget is the connection's default (``info``: the pooled connection's)."""
    default_ms = info.get(_TIMEOUT_MS)
    if default_ms is None:
        return None
    budget = _current.get()
    wanted = _milliseconds(budget.seconds) if budget is not None else 0
    return None if wanted == default_ms else f"SET LOCAL statement_timeout = {int(wanted)}"


def _sqlite_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    armed = record.info[_ARMED] = _Armed()
    dbapi_connection.set_progress_handler(armed.check, PROGRESS_STEPS)


def _disarm(conn: Any, *args: Any) -> None:
    armed = conn.connection.info.get(_ARMED)
    if armed is not None:
        armed.deadline = None


def _disarm_record(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    armed = record.info.get(_ARMED)
    if armed is not None:
        armed.deadline = None


def _disarm_reset(dbapi_connection: Any, record: ConnectionPoolEntry, _state: Any) -> None:
    _disarm_record(dbapi_connection, record)


def _postgres_connect(default_ms: int) -> Any:
    def connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # A session default, so a request with the default budget needs no round trip.
        record.info[_TIMEOUT_MS] = default_ms
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.execute(f"SET statement_timeout = {default_ms}")
        finally:
            dbapi_connection.autocommit = autocommit

    return connect


def _postgres_begin(default_ms: int) -> Any:
    def begin(conn: Any) -> None:
        budget = _current.get()
        wanted = _milliseconds(budget.seconds) if budget is not None else 0
        if wanted != default_ms:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(wanted)}")

    return begin
