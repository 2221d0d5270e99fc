"""Statements over verification tasks. The only module of the package that builds SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.service_points.models import ServicePoint
from app.tasks.models import TaskStatus, VerificationTask

__all__ = [
    "add_open",
    "by_public_id",
    "last_resolved_at",
    "list_tasks",
    "open_kinds",
    "open_task",
    "open_tasks_for_point",
    "point_by_public_id",
]


def open_task(session: Session, point_id: int, kind: str) -> VerificationTask | None:
    return session.scalars(
        select(VerificationTask).where(
            VerificationTask.point_id == point_id,
            VerificationTask.kind == kind,
            VerificationTask.status == TaskStatus.open.value,
        )
    ).first()


def open_tasks_for_point(session: Session, point_id: int) -> list[VerificationTask]:
    return list(
        session.scalars(
            select(VerificationTask)
            .where(
                VerificationTask.point_id == point_id,
                VerificationTask.status == TaskStatus.open.value,
            )
            .order_by(VerificationTask.id)
        )
    )


def add_open(session: Session, task: VerificationTask) -> bool:
    """Insert an open task; False when another one for the same point and kind won the race."""
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:
        return False
    return True


def last_resolved_at(session: Session, point_id: int, kind: str) -> dt.datetime | None:
    return session.scalars(
        select(func.max(VerificationTask.resolved_at)).where(
            VerificationTask.point_id == point_id,
            VerificationTask.kind == kind,
            VerificationTask.status == TaskStatus.resolved.value,
        )
    ).first()


def open_kinds(session: Session, point_ids: Collection[int]) -> dict[int, list[str]]:
    """point id -> kinds of its open tasks (one indexed query for a page of points)."""
    if not point_ids:
        return {}
    rows = session.execute(
        select(VerificationTask.point_id, VerificationTask.kind)
        .where(
            VerificationTask.status == TaskStatus.open.value,
            VerificationTask.point_id.in_(sorted(point_ids)),
        )
        .order_by(VerificationTask.point_id, VerificationTask.kind)
    )
    out: dict[int, list[str]] = {}
    for point_id, kind in rows:
        out.setdefault(point_id, []).append(kind)
    return out


def point_by_public_id(session: Session, public_id: str) -> ServicePoint | None:
    """A point by its public id, whatever its state (tasks outlive a point's publication)."""
    return session.scalars(select(ServicePoint).where(ServicePoint.public_id == public_id)).first()


def by_public_id(session: Session, public_id: str) -> tuple[VerificationTask, ServicePoint] | None:
    row = session.execute(
        select(VerificationTask, ServicePoint)
        .join(ServicePoint, ServicePoint.id == VerificationTask.point_id)
        .where(VerificationTask.public_id == public_id)
    ).first()
    return (row[0], row[1]) if row else None


def list_tasks(
    session: Session,
    *,
    organization_ids: Collection[str] | None,
    status: str | None,
    kind: str | None,
    point_id: int | None,
    after_id: int | None,
    limit: int,
) -> list[tuple[VerificationTask, ServicePoint]]:
    """Tasks oldest first; ``organization_ids=None`` means every organisation."""
    stmt = (
        select(VerificationTask, ServicePoint)
        .join(ServicePoint, ServicePoint.id == VerificationTask.point_id)
        .order_by(VerificationTask.id)
        .limit(limit)
    )
    if organization_ids is not None:
        stmt = stmt.where(ServicePoint.organization_id.in_(sorted(organization_ids)))
    if status is not None:
        stmt = stmt.where(VerificationTask.status == status)
    if kind is not None:
        stmt = stmt.where(VerificationTask.kind == kind)
    if point_id is not None:
        stmt = stmt.where(VerificationTask.point_id == point_id)
    if after_id is not None:
        stmt = stmt.where(VerificationTask.id > after_id)
    return [(row[0], row[1]) for row in session.execute(stmt)]
