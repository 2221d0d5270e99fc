"""The journal inside a writer's transaction: one sequence number, each change row once.

Every writer of journalled data calls :func:`record` with the rows it touched (the bulk
import path directly, the ORM path from the flush listener of :mod:`app.sync.tracking`), so
both log the same way: under the transaction's sequence number, taken from the counter on
first use (the counter lock is every writer's first lock), each row once per transaction.

The transaction's number and memory live in ``session.info`` and are forgotten when a
(sub)transaction rolls back or the outer one ends, by two session listeners that
:func:`install` registers. Nothing registers them at import: the application, the command
line and the test harness call :func:`install` (idempotent) before they write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.orm import Session

from app.db import utcnow
from app.journal import repository
from app.journal.repository import ChangeRow, DataVersion

__all__ = [
    "INFO_PREFIX",
    "current_seq",
    "data_version",
    "install",
    "installed",
    "record",
    "record_selected",
    "take_seq",
    "uninstall",
]

# Every key the journal (and its listeners) keeps in ``session.info`` starts with this; all
# of them are forgotten together.
INFO_PREFIX = "rumbo.journal."
_SEQ = INFO_PREFIX + "seq"
_LOGGED = INFO_PREFIX + "logged"
_VERSION = INFO_PREFIX + "data_version"


def take_seq(session: Session) -> int:
    """This transaction's sequence number, taken from the counter on first use."""
    seq: int | None = session.info.get(_SEQ)
    if seq is None:
        seq = repository.increment_counter(session.connection())
        session.info[_SEQ] = seq
    return seq


def current_seq(session: Session) -> int | None:
    """The sequence number this transaction took, if it changed journalled data."""
    return session.info.get(_SEQ)


def data_version(session: Session) -> DataVersion:
    """The database's data version (:func:`app.journal.repository.data_version`), read once per
    transaction: alerts and area services on one near-me request share one lookup."""
    found: DataVersion | None = session.info.get(_VERSION)
    if found is None:
        found = session.info[_VERSION] = repository.data_version(session)
    return found


def record(
    session: Session, rows: Iterable[ChangeRow], *, remember: Iterable[ChangeRow] | None = None
) -> None:
    """Log changed records under this transaction's sequence number, each row once per
    transaction. ``remember``: the rows to keep in the transaction's memory of what it logged
    (all of them by default); an import leaves out its new points, which nothing else writes
    in the transaction, so that memory does not grow with the file."""
    logged: set[ChangeRow] = session.info.setdefault(_LOGGED, set())
    fresh = [row for row in dict.fromkeys(rows) if row not in logged]
    if fresh:
        seq = take_seq(session)
        repository.insert_changes(session.connection(), seq=seq, at=utcnow(), rows=fresh)
    logged.update(fresh if remember is None else remember)


def record_selected(session: Session, rows: Select[Any]) -> None:
    """Log the change rows a query selects (``kind, key, country, lat, lon``), for changes
    that reach many records at once (every point of a renamed organisation)."""
    repository.insert_selected(session.connection(), seq=take_seq(session), at=utcnow(), rows=rows)


# Forgetting: a rollback (even of a savepoint) may undo the counter increment, so a new
# number is taken after it; the outer transaction's end forgets everything.


def _forget(session: Session, *_args: object) -> None:
    for name in [k for k in session.info if isinstance(k, str) and k.startswith(INFO_PREFIX)]:
        del session.info[name]


def _transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _forget(session)


_LISTENERS = (("after_soft_rollback", _forget), ("after_transaction_end", _transaction_end))


def install(target: Any = Session) -> None:
    """Register the journal's session listeners on ``target`` (a ``Session`` class or
    ``sessionmaker``); registering twice is a no-op."""
    for name, fn in _LISTENERS:
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def installed(target: Any = Session) -> bool:
    return all(event.contains(target, name, fn) for name, fn in _LISTENERS)


def uninstall(target: Any = Session) -> None:
    for name, fn in _LISTENERS:
        if event.contains(target, name, fn):
            event.remove(target, name, fn)
