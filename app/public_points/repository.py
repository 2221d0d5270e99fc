"""The rows the public search renders: a point's record columns
(``app.service_points.records``) and whether it has an open verification task (only those
can carry warnings, ``app.tasks``)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists
from sqlalchemy.orm import Session

from app.service_points.models import ServicePoint
from app.service_points.records import PointRow, load_rows, rows_statement
from app.tasks.models import TaskStatus, VerificationTask

__all__ = ["has_open_task", "load_rows_with_tasks"]

_sp = ServicePoint.__table__
_task = VerificationTask.__table__
# Built once: constructing and hashing a statement costs more than running it on SQLite.
_OPEN_TASK = (
    exists()
    .where(_task.c.status == TaskStatus.open.value, _task.c.point_id == _sp.c.id)
    .correlate(_sp)
    .label("open_task")
)
_ROWS = rows_statement(_OPEN_TASK)


def load_rows_with_tasks(session: Session, ids: Collection[int]) -> dict[int, PointRow]:
    """The rows of the given points with their ``open_task`` column (one query)."""
    return load_rows(session, ids, _ROWS)


def has_open_task(row: PointRow) -> bool:
    """Whether a row read by :func:`load_rows_with_tasks` has an open verification task."""
    return bool(row.values.open_task)
