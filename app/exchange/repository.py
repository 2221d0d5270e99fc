"""Statements of imports and exports. The only module of app.exchange that builds SQL."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.organizations.models import Organization
from app.service_points.models import (
    PUBLIC_STATUSES,
    PointStatus,
    ServicePoint,
    ServicePointCategory,
    ServicePointTranslation,
)
from app.taxonomy.models import Audience, Category

__all__ = [
    "KeyMatch",
    "Nearby",
    "export_clause",
    "export_languages",
    "iter_points",
    "known_codes",
    "load_point",
    "nearby_points",
    "organization_by_key",
    "points_by_keys",
]

_sp = ServicePoint.__table__
_PUBLIC = tuple(s.value for s in PUBLIC_STATUSES)


@dataclass(frozen=True, slots=True)
class Nearby:
    id: int
    public_id: str
    lat: float
    lon: float
    names: list[str]


def _lon_window(lon: float, dlon: float) -> ColumnElement[bool]:
    low, high = lon - dlon, lon + dlon
    if dlon >= 180:
        return _sp.c.lon.is_not(None)
    if low < -180:
        return or_(_sp.c.lon >= low + 360, _sp.c.lon <= high)
    if high > 180:
        return or_(_sp.c.lon >= low, _sp.c.lon <= high - 360)
    return _sp.c.lon.between(low, high)


def nearby_points(
    session: Session,
    *,
    lat: float,
    lon: float,
    radius_m: float,
    categories: Sequence[str],
    organization_id: str,
    exclude_id: int | None,
) -> list[Nearby]:
    """Points sharing a category inside the box around (lat, lon) the importer may see."""
    dlat = radius_m / 111_320.0
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    stmt = select(_sp.c.id, _sp.c.public_id, _sp.c.lat, _sp.c.lon).where(
        _sp.c.lat.between(lat - dlat, lat + dlat),
        _lon_window(lon, dlon),
        _sp.c.deleted_at.is_(None),
        or_(_sp.c.status != PointStatus.draft.value, _sp.c.organization_id == organization_id),
        # Correlated, so the planner walks the (lat, lon) index, not every point of a category.
        select(ServicePointCategory.point_id)
        .where(
            ServicePointCategory.point_id == _sp.c.id,
            ServicePointCategory.category_code.in_(list(categories)),
        )
        .exists(),
    )
    if exclude_id is not None:
        stmt = stmt.where(_sp.c.id != exclude_id)
    rows = session.execute(stmt.limit(50)).all()
    if not rows:
        return []
    names: dict[int, list[str]] = {}
    for point_id, name in session.execute(
        select(ServicePointTranslation.point_id, ServicePointTranslation.name).where(
            ServicePointTranslation.point_id.in_([r[0] for r in rows])
        )
    ):
        names.setdefault(point_id, []).append(name)
    return [Nearby(r[0], r[1], r[2], r[3], names.get(r[0], [])) for r in rows]


@dataclass(frozen=True, slots=True)
class KeyMatch:
    id: int
    public_id: str
    external_id: str | None
    organization_id: str
    deleted: bool


def points_by_keys(
    session: Session, public_id: str | None, external_id: str | None
) -> list[KeyMatch]:
    """The points (at most two) with this public id or this external id (no ORM load)."""
    clauses = []
    if public_id:
        clauses.append(_sp.c.public_id == public_id)
    if external_id:
        clauses.append(_sp.c.external_id == external_id)
    if not clauses:
        return []
    stmt = select(
        _sp.c.id, _sp.c.public_id, _sp.c.external_id, _sp.c.organization_id, _sp.c.deleted_at
    ).where(or_(*clauses))
    return [KeyMatch(r[0], r[1], r[2], r[3], r[4] is not None) for r in session.execute(stmt)]


def load_point(session: Session, point_id: int) -> ServicePoint:
    point = session.get(ServicePoint, point_id)
    assert point is not None
    return point


def known_codes(session: Session) -> tuple[set[str], set[str]]:
    """(category codes, audience codes)."""
    return set(session.scalars(select(Category.code))), set(session.scalars(select(Audience.code)))


def organization_by_key(session: Session, key: str) -> Organization | None:
    """An organisation by slug or id."""
    return session.scalars(
        select(Organization).where(or_(Organization.slug == key, Organization.id == key))
    ).first()


def export_clause(
    *,
    draft_organizations: Sequence[str] | None,
    organization_id: str | None,
    country: str | None,
) -> list[ColumnElement[bool]]:
    """Points an export includes: public ones, plus drafts of ``draft_organizations``
    (``None``: no drafts; ``["*"]``: every draft, for the command line)."""
    visible: ColumnElement[bool] = _sp.c.status.in_(_PUBLIC)
    if draft_organizations == ["*"]:
        visible = _sp.c.status.is_not(None)
    elif draft_organizations:
        visible = or_(
            visible,
            and_(
                _sp.c.status == PointStatus.draft.value,
                _sp.c.organization_id.in_(list(draft_organizations)),
            ),
        )
    clauses = [visible, _sp.c.deleted_at.is_(None)]
    if organization_id is not None:
        clauses.append(_sp.c.organization_id == organization_id)
    if country is not None:
        clauses.append(_sp.c.country == country)
    return clauses


def export_languages(session: Session, where: Sequence[ColumnElement[bool]]) -> list[str]:
    """Every language some exported point has a translation in."""
    stmt = (
        select(ServicePointTranslation.lang)
        .where(ServicePointTranslation.point_id.in_(select(_sp.c.id).where(*where)))
        .distinct()
    )
    return sorted(session.scalars(stmt))


def iter_points(
    session: Session, where: Sequence[ColumnElement[bool]], *, batch: int = 500
) -> Iterator[ServicePoint]:
    """Every matching point by id, ``batch`` at a time (keyset), released after each batch."""
    after = 0
    while True:
        ids = list(
            session.scalars(
                select(_sp.c.id).where(*where, _sp.c.id > after).order_by(_sp.c.id).limit(batch)
            )
        )
        if not ids:
            return
        points = {
            p.id: p for p in session.scalars(select(ServicePoint).where(ServicePoint.id.in_(ids)))
        }
        for point_id in ids:
            yield points[point_id]
        session.expunge_all()
        after = ids[-1]
