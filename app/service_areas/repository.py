"""Statements over area services (no business rules here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.service_areas.models import PUBLIC_STATUSES, AreaService

__all__ = [
    "by_external_id",
    "by_ids",
    "by_public_id",
    "committed_version",
    "of_organizations",
    "public",
    "public_heads",
]


def _public() -> list[Any]:
    return [AreaService.status.in_(PUBLIC_STATUSES), AreaService.deleted_at.is_(None)]


def by_public_id(session: Session, public_id: str) -> AreaService | None:
    return session.scalars(
        select(AreaService).where(AreaService.public_id == public_id)
    ).one_or_none()


def by_external_id(session: Session, external_id: str) -> AreaService | None:
    return session.scalars(
        select(AreaService).where(AreaService.external_id == external_id)
    ).one_or_none()


def committed_version(session: Session, public_id: str) -> int | None:
    return session.scalar(select(AreaService.version).where(AreaService.public_id == public_id))


def public_heads(session: Session) -> Sequence[Row[Any]]:
    """What coverage needs of the public area services: no texts, no ORM objects."""
    return session.execute(
        select(
            AreaService.id,
            AreaService.public_id,
            AreaService.area,
            AreaService.countries,
            AreaService.categories,
            AreaService.spoken_languages,
            AreaService.free,
        )
        .where(*_public())
        .order_by(AreaService.id)
    ).all()


def by_ids(session: Session, ids: Iterable[int]) -> dict[int, AreaService]:
    wanted = list(ids)
    if not wanted:
        return {}
    return {s.id: s for s in session.scalars(select(AreaService).where(AreaService.id.in_(wanted)))}


def public(session: Session) -> list[AreaService]:
    """Every public area service (sync, bundles, exports: they are few)."""
    return list(session.scalars(select(AreaService).where(*_public()).order_by(AreaService.id)))


def of_organizations(
    session: Session, *, organization_ids: list[str] | None, after_id: int | None, limit: int
) -> list[AreaService]:
    stmt = (
        select(AreaService)
        .where(AreaService.deleted_at.is_(None))
        .order_by(AreaService.id)
        .limit(limit)
    )
    if organization_ids is not None:
        stmt = stmt.where(AreaService.organization_id.in_(organization_ids))
    if after_id is not None:
        stmt = stmt.where(AreaService.id > after_id)
    return list(session.scalars(stmt))
