"""Statements over service points: the search filters, ids, opening hours. A point's rows
and children are read by ``app.service_points.records``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.service_points import visibility
from app.service_points.models import (
    PointStatus,
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
)

__all__ = ["by_public_id", "filter_clauses", "hours_of", "id_by_public_id", "list_ids"]

_sp = ServicePoint.__table__


def filter_clauses(
    *,
    categories: Collection[str] = (),
    audiences: Collection[str] = (),
    spoken_languages: Collection[str] = (),
    countries: Collection[str] = (),
    free: bool | None = None,
    verified_since: dt.date | None = None,
    text: ColumnElement[bool] | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses for the search filters (each list means "any of")."""
    clauses: list[ColumnElement[bool]] = []
    if categories:
        clauses.append(
            _sp.c.id.in_(
                select(ServicePointCategory.point_id).where(
                    ServicePointCategory.category_code.in_(sorted(categories))
                )
            )
        )
    if audiences:
        clauses.append(
            _sp.c.id.in_(
                select(ServicePointAudience.point_id).where(
                    ServicePointAudience.audience_code.in_(sorted(audiences))
                )
            )
        )
    if spoken_languages:
        clauses.append(
            _sp.c.id.in_(
                select(ServicePointLanguage.point_id).where(
                    ServicePointLanguage.lang.in_(sorted(spoken_languages))
                )
            )
        )
    if countries:
        clauses.append(_sp.c.country.in_(sorted(countries)))
    if free is not None:
        clauses.append(_sp.c.free.is_(free))
    if verified_since is not None:
        since = dt.datetime.combine(verified_since, dt.time.min, tzinfo=dt.UTC)
        clauses.append(ServicePoint.last_verified_at >= since)
    if text is not None:
        clauses.append(text)
    return clauses


def list_ids(
    session: Session, *, where: Sequence[ColumnElement[bool]], after_id: int | None, limit: int
) -> list[int]:
    """Visible point ids by id order (no spatial constraint)."""
    stmt = select(_sp.c.id).where(visibility.searchable(), *where).order_by(_sp.c.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(_sp.c.id > after_id)
    return list(session.scalars(stmt).all())


def id_by_public_id(session: Session, public_id: str) -> int | None:
    """The internal id of a point the public may read (``visibility.readable``)."""
    stmt = select(_sp.c.id).where(_sp.c.public_id == public_id, visibility.readable())
    return session.scalars(stmt).first()


def hours_of(session: Session, ids: Sequence[int]) -> list[tuple[int, str | None, str | None, str]]:
    """(id, opening_hours, timezone, country) of the given ids that may be open: published
    ones (a point temporarily closed or closed is not open, whatever its hours say)."""
    if not ids:
        return []
    rows: list[tuple[int, str | None, str | None, str]] = []
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids[chunk_start : chunk_start + 5000]
        stmt = select(_sp.c.id, _sp.c.opening_hours, _sp.c.timezone, _sp.c.country).where(
            _sp.c.id.in_(chunk), _sp.c.status == PointStatus.published.value
        )
        rows.extend(session.execute(stmt).all())
    return rows


def by_public_id(session: Session, public_id: str) -> ServicePoint | None:
    return session.scalars(select(ServicePoint).where(ServicePoint.public_id == public_id)).first()
