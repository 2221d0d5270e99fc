"""Statements of imports and exports. The only module of app.exchange that builds SQL."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    FromClause,
    Integer,
    and_,
    bindparam,
    column,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from app.organizations.models import Organization
from app.service_points.models import (
    PUBLIC_STATUSES,
    PointStatus,
    ServicePoint,
    ServicePointCategory,
    ServicePointTranslation,
)
from app.service_points.precision import LocationPrecision
from app.taxonomy.models import Audience, Category

__all__ = [
    "Box",
    "KeyMatch",
    "Nearby",
    "boxes_around",
    "export_clause",
    "export_languages",
    "iter_points",
    "known_codes",
    "nearby_many",
    "nearby_points",
    "organization_by_key",
    "points_by_keys",
]

_sp = ServicePoint.__table__
_PUBLIC = tuple(s.value for s in PUBLIC_STATUSES)
NEARBY_LIMIT = 50

# (min_lat, max_lat, min_lon, max_lon) in degrees
Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Nearby:
    id: int
    public_id: str
    lat: float
    lon: float
    names: list[str]


def boxes_around(lat: float, lon: float, radius_m: float) -> list[Box]:
    """The (min_lat, max_lat, min_lon, max_lon) boxes holding every point within ``radius_m``
    of (lat, lon): two where the box crosses the antimeridian, the whole band near a pole."""
    dlat = radius_m / 111_320.0
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    low, high, south, north = lon - dlon, lon + dlon, lat - dlat, lat + dlat
    if dlon >= 180:
        return [(south, north, -180.0, 180.0)]
    if low < -180:
        return [(south, north, low + 360, 180.0), (south, north, -180.0, high)]
    if high > 180:
        return [(south, north, low, 180.0), (south, north, -180.0, high - 360)]
    return [(south, north, low, high)]


def _visible_to(organization_id: str) -> list[ColumnElement[bool]]:
    """Points an importer may be shown: not deleted, public or its own drafts, and exact or
    its own (the same rule is applied to rows in ``nearby_many``). A possible duplicate
    reports its distance to the centimetre: another organisation's approximate or hidden
    point would be located by a few creates (``app.service_points.precision``)."""
    own = _sp.c.organization_id == organization_id
    return [
        _sp.c.deleted_at.is_(None),
        or_(_sp.c.status != PointStatus.draft.value, own),
        or_(_sp.c.location_precision == LocationPrecision.exact.value, own),
    ]


def _names(session: Session, point_ids: Sequence[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for point_id, name in session.execute(
        select(ServicePointTranslation.point_id, ServicePointTranslation.name)
        .where(ServicePointTranslation.point_id.in_(sorted(set(point_ids))))
        .order_by(ServicePointTranslation.point_id, ServicePointTranslation.lang)
    ):
        names.setdefault(point_id, []).append(name)
    return names


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
    stmt = select(_sp.c.id, _sp.c.public_id, _sp.c.lat, _sp.c.lon).where(
        or_(
            *(
                and_(_sp.c.lat.between(s, n), _sp.c.lon.between(w, e))
                for s, n, w, e in boxes_around(lat, lon, radius_m)
            )
        ),
        *_visible_to(organization_id),
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
    rows = session.execute(stmt.limit(NEARBY_LIMIT)).all()
    if not rows:
        return []
    names = _names(session, [r[0] for r in rows])
    return [Nearby(r[0], r[1], r[2], r[3], names.get(r[0], [])) for r in rows]


_BOX_FIELDS = ("n", "south", "north", "west", "east")


def _boxes(session: Session, boxes: Sequence[tuple[int, Box]]) -> FromClause:
    """The numbered boxes as a table (n, south, north, west, east), sent as one JSON
    parameter: a statement that is the same whatever the number of boxes."""
    data = bindparam(
        "boxes", [dict(zip(_BOX_FIELDS, (n, *b), strict=True)) for n, b in boxes], type_=JSON
    )
    if session.get_bind().dialect.name == "postgresql":
        return (
            func.json_to_recordset(data)
            .table_valued(column("n", Integer), *(column(name, Float) for name in _BOX_FIELDS[1:]))
            .render_derived(name="box", with_types=True)
        )
    each = func.json_each(data).table_valued("value")
    return select(
        *(func.json_extract(each.c.value, f"$.{name}").label(name) for name in _BOX_FIELDS)
    ).subquery("box")


def nearby_many(
    session: Session,
    boxes: Sequence[tuple[int, Box]],
    *,
    categories: Collection[str],
    organization_id: str,
) -> list[tuple[int, Nearby, frozenset[str]]]:
    """For each numbered box, the points inside it the importer may see that have one of
    ``categories``: (box number, point, its categories). One statement for many boxes
    (the boxes joined on the (lat, lon) index), then their categories and names."""
    if not boxes or not categories:
        return []
    box = _boxes(session, boxes)
    inside = and_(
        _sp.c.lat.between(box.c.south, box.c.north), _sp.c.lon.between(box.c.west, box.c.east)
    )
    columns = (
        _sp.c.id,
        _sp.c.public_id,
        _sp.c.lat,
        _sp.c.lon,
        _sp.c.status,
        _sp.c.organization_id,
        _sp.c.deleted_at,
        _sp.c.location_precision,
    )
    if session.get_bind().dialect.name == "postgresql":
        # A lateral subquery per box, kept apart by OFFSET 0 (a subquery with OFFSET is not
        # merged into the join): otherwise PostgreSQL, whose statistics predate the rows the
        # import adds, scans the whole table once per batch and compares it with every box.
        near = select(*columns).where(inside).offset(0).lateral("near")
        stmt = select(box.c.n, *near.c).join_from(box, near, true())
    else:
        stmt = select(box.c.n, *columns).join_from(box, _sp, inside)
    # Only the boxes are in the statements: with anything more (which points the importer
    # may see, which categories), planners misjudge tables that grow inside the import's
    # transaction and scan far more than the boxes hold. The rest is compared here.
    rows = [
        r
        for r in session.execute(stmt)
        if r.deleted_at is None
        and (
            r.organization_id == organization_id
            or (
                r.status != PointStatus.draft.value
                and r.location_precision == LocationPrecision.exact.value
            )
        )
    ]
    if not rows:
        return []
    codes: dict[int, set[str]] = {}
    wanted = set(categories)
    for point_id, code in session.execute(
        select(ServicePointCategory.point_id, ServicePointCategory.category_code).where(
            ServicePointCategory.point_id.in_(sorted({r.id for r in rows}))
        )
    ):
        if code in wanted:
            codes.setdefault(point_id, set()).add(code)
    rows = [r for r in rows if r.id in codes]
    names = _names(session, [r.id for r in rows]) if rows else {}
    return [
        (r.n, Nearby(r.id, r.public_id, r.lat, r.lon, names.get(r.id, [])), frozenset(codes[r.id]))
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class KeyMatch:
    id: int
    public_id: str
    external_id: str | None
    organization_id: str
    deleted: bool


def _one_of(session: Session, column: ColumnElement[str], values: Collection[str]) -> Any:
    """``column IN (values)`` with the values sent as one JSON parameter: the statement is
    the same for any number of values, and the column's index is probed value by value
    (with a long list and statistics from before an import, SQLite scans the table)."""
    data = bindparam(None, sorted(set(values)), type_=JSON)
    if session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(data).table_valued("value")
    else:
        elements = func.json_each(data).table_valued("value")
    return column.in_(select(elements.c.value))


def points_by_keys(
    session: Session, public_ids: Collection[str], external_ids: Collection[str]
) -> list[KeyMatch]:
    """The points with any of these public ids or external ids (no ORM load): one query per
    kind of key, each on its unique index."""
    columns = (_sp.c.id, _sp.c.public_id, _sp.c.external_id, _sp.c.organization_id)
    found: dict[int, KeyMatch] = {}
    for key, wanted in ((_sp.c.public_id, public_ids), (_sp.c.external_id, external_ids)):
        if not wanted:
            continue
        stmt = select(*columns, _sp.c.deleted_at).where(_one_of(session, key, wanted))
        for r in session.execute(stmt):
            found[r[0]] = KeyMatch(r[0], r[1], r[2], r[3], r[4] is not None)
    return list(found.values())


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
