"""Statements on the journal's tables. The only module of ``app.journal`` that builds SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Select, Table, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from app.journal.models import ChangeCounter, SyncChange
from app.raw_reads import is_lean, reads_of

__all__ = [
    "ChangeRow",
    "Counter",
    "DataVersion",
    "counter",
    "data_version",
    "increment_counter",
    "insert_changes",
    "insert_selected",
    "prune_changes",
]

_counter = cast(Table, ChangeCounter.__table__)
_change = cast(Table, SyncChange.__table__)

DataVersion = tuple[str, int]


class ChangeRow(NamedTuple):
    """One change row before it has its sequence number."""

    kind: str
    key: str
    country: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Counter:
    value: int
    epoch: str
    horizon: int


# Writing (inside the writer's transaction) -------------------------------------------------


def increment_counter(connection: Connection) -> int:
    """Take the next sequence number; on PostgreSQL this locks the row until commit."""
    stmt = (
        update(_counter)
        .where(_counter.c.id == 1)
        .values(value=_counter.c.value + 1)
        .returning(_counter.c.value)
    )
    return int(connection.execute(stmt).scalar_one())


def insert_changes(
    connection: Connection, *, seq: int, at: dt.datetime, rows: Sequence[ChangeRow]
) -> None:
    connection.execute(
        insert(SyncChange),
        [{"seq": seq, "changed_at": at, **row._asdict()} for row in rows],
    )


def insert_selected(
    connection: Connection, *, seq: int, at: dt.datetime, rows: Select[Any]
) -> None:
    """Insert the change rows a query selects: ``(kind, key, country, lat, lon)`` each."""
    found = rows.subquery()
    stmt = select(
        literal(seq),
        *found.c,
        literal(at, type_=_change.c.changed_at.type),
    )
    columns = ["seq", "kind", "key", "country", "lat", "lon", "changed_at"]
    connection.execute(insert(_change).from_select(columns, stmt))


def prune_changes(session: Session, *, before: dt.datetime) -> tuple[int, int]:
    """Drop changes older than ``before``; returns (new horizon, rows deleted)."""
    state = counter(session)
    upto = session.scalar(select(func.max(_change.c.seq)).where(_change.c.changed_at < before))
    if upto is None or upto <= state.horizon:
        return state.horizon, 0
    result = session.execute(delete(_change).where(_change.c.seq <= upto))
    deleted = getattr(result, "rowcount", 0)
    session.execute(update(_counter).where(_counter.c.id == 1).values(horizon=upto))
    return int(upto), int(deleted or 0)


# Reading ------------------------------------------------------------------------------------


def counter(session: Session) -> Counter:
    row = session.execute(
        select(_counter.c.value, _counter.c.epoch, _counter.c.horizon).where(_counter.c.id == 1)
    ).one()
    return Counter(value=int(row.value), epoch=row.epoch, horizon=int(row.horizon))


_DATA_VERSION = select(_counter.c.epoch, _counter.c.value).where(_counter.c.id == 1)
# The same, as constant SQL for a DB-API cursor (app/raw_reads.py).
DATA_VERSION_SQL = "SELECT epoch, value FROM change_counter WHERE id = 1"


def data_version(session: Session) -> DataVersion:
    """The database's epoch and change counter: one primary-key lookup that changes with
    every committed write of journalled data, from any process. In-process caches of such
    data key on it (never on a timer)."""
    if is_lean(session):
        ((epoch, value),) = reads_of(session).rows(DATA_VERSION_SQL, ())
        return str(epoch), int(value)
    row = session.execute(_DATA_VERSION).one()
    return str(row.epoch), int(row.value)
