"""Statements the staff API needs beyond the public ones (drafts and tombstones included)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.service_points.models import ServicePoint

__all__ = ["committed_version", "points_of"]


def points_of(
    session: Session,
    *,
    organization_ids: list[str] | None,
    include_deleted: bool,
    after_id: int | None,
    limit: int,
) -> list[ServicePoint]:
    """Points of the given organisations (every one for ``None``) by id, drafts included."""
    stmt = select(ServicePoint).order_by(ServicePoint.id).limit(limit)
    if organization_ids is not None:
        stmt = stmt.where(ServicePoint.organization_id.in_(organization_ids))
    if not include_deleted:
        stmt = stmt.where(ServicePoint.deleted_at.is_(None))
    if after_id is not None:
        stmt = stmt.where(ServicePoint.id > after_id)
    return list(session.scalars(stmt))


def committed_version(session: Session, public_id: str) -> int | None:
    """The point's version as last committed, read on a separate connection.

    For reporting a lost race: the session's own transaction is already failed by then.
    """
    engine = session.get_bind().engine
    with engine.connect() as connection:
        return connection.execute(
            select(ServicePoint.version).where(ServicePoint.public_id == public_id)
        ).scalar()
