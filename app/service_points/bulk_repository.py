"""Statements of bulk writes: many points per statement, as plain rows (no ORM objects).

Inserts and updates are plain ``executemany`` (new points get their ids first, so nothing
needs ``RETURNING``); database triggers and generated columns (SQLite's R*Tree and FTS5,
PostGIS geography and the tsvector) see ordinary rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.service_points.models import (
    TRANSLATABLE_FIELDS,
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.service_points.state import SCALARS, PointState

__all__ = [
    "CHILD_TABLES",
    "Loaded",
    "delete_children",
    "delete_translations",
    "insert_children",
    "insert_points",
    "load",
    "new_ids",
    "update_points",
]

_sp = cast(Table, ServicePoint.__table__)
_translation = cast(Table, ServicePointTranslation.__table__)
_category = cast(Table, ServicePointCategory.__table__)
_audience = cast(Table, ServicePointAudience.__table__)
_language = cast(Table, ServicePointLanguage.__table__)
CHILD_TABLES = {
    "translations": _translation,
    "categories": _category,
    "audiences": _audience,
    "spoken_languages": _language,
}
# The point's columns a bulk update sets (besides the version, bumped by one).
_UPDATED = (*SCALARS, "public_lat", "public_lon", "phones", "search_text", "updated_at")


@dataclass(frozen=True, slots=True)
class Loaded:
    """An existing point as a bulk update needs it."""

    id: int
    public_id: str
    organization_id: str
    version: int
    state: PointState


def new_ids(session: Session, count: int) -> list[int]:
    """Ids for ``count`` new points, as the database would give them: from the column's
    sequence on PostgreSQL; after the largest on SQLite (a writer holds the database's
    write lock from its first statement)."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(_sp.name, _sp.c.id.name)
        stmt = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(int(i) for i in session.scalars(stmt))
    last = int(session.scalar(select(func.coalesce(func.max(_sp.c.id), 0))) or 0)
    return list(range(last + 1, last + 1 + count))


def insert_points(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert points (column values, ``id`` and ``public_id`` included)."""
    if rows:
        session.execute(insert(_sp), list(rows))


def insert_children(session: Session, relation: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of one child table (``translations``, ``categories``...)."""
    if rows:
        session.execute(insert(CHILD_TABLES[relation]), list(rows))


def delete_children(session: Session, relation: str, point_ids: Collection[int]) -> None:
    """Delete every row of one child table of these points."""
    if point_ids:
        table = CHILD_TABLES[relation]
        session.execute(delete(table).where(table.c.point_id.in_(sorted(point_ids))))


def delete_translations(session: Session, keys: Sequence[tuple[int, str]]) -> None:
    """Delete these (point id, language) translations."""
    if keys:
        stmt = delete(_translation).where(
            _translation.c.point_id == bindparam("k_point"),
            _translation.c.lang == bindparam("k_lang"),
        )
        session.execute(stmt, [{"k_point": p, "k_lang": lang} for p, lang in keys])


def update_points(session: Session, rows: Sequence[tuple[int, int, dict[str, Any]]]) -> int:
    """Set the columns of ``_UPDATED`` on each (id, version read, values) point whose version
    is still the one read, and bump its version. Returns how many points matched."""
    if not rows:
        return 0
    stmt = (
        update(_sp)
        .where(_sp.c.id == bindparam("k_id"), _sp.c.version == bindparam("k_version"))
        .values(
            version=_sp.c.version + 1,
            **{name: bindparam(f"v_{name}", type_=_sp.c[name].type) for name in _UPDATED},
        )
    )
    params = [
        {"k_id": point_id, "k_version": version, **{f"v_{n}": values[n] for n in _UPDATED}}
        for point_id, version, values in rows
    ]
    result = session.execute(stmt, params)
    return int(getattr(result, "rowcount", len(rows)))


def load(session: Session, point_ids: Collection[int]) -> dict[int, Loaded]:
    """Points by id with their texts and lists (one query per table)."""
    ids = sorted(set(point_ids))
    if not ids:
        return {}
    columns = [_sp.c[name] for name in SCALARS]
    points = session.execute(
        select(
            _sp.c.id, _sp.c.public_id, _sp.c.organization_id, _sp.c.version, _sp.c.phones, *columns
        ).where(_sp.c.id.in_(ids))
    ).all()
    lists: dict[str, dict[int, list[str]]] = {}
    for relation, table, column, order in (
        ("categories", _category, _category.c.category_code, _category.c.position),
        ("audiences", _audience, _audience.c.audience_code, _audience.c.audience_code),
        ("spoken_languages", _language, _language.c.lang, _language.c.lang),
    ):
        found: dict[int, list[str]] = {}
        for point_id, value in session.execute(
            select(table.c.point_id, column).where(table.c.point_id.in_(ids)).order_by(order)
        ):
            found.setdefault(point_id, []).append(value)
        lists[relation] = found
    texts: dict[int, dict[str, dict[str, str | None]]] = {}
    for row in session.execute(
        select(
            _translation.c.point_id,
            _translation.c.lang,
            *(_translation.c[name] for name in TRANSLATABLE_FIELDS),
        )
        .where(_translation.c.point_id.in_(ids))
        .order_by(_translation.c.point_id, _translation.c.lang)
    ):
        texts.setdefault(row[0], {})[row[1]] = dict(zip(TRANSLATABLE_FIELDS, row[2:], strict=True))
    out: dict[int, Loaded] = {}
    for row in points:
        point_id, public_id, organization_id, version, phones, *values = row
        state = PointState(
            **dict(zip(SCALARS, values, strict=True)),
            phones=list(phones or []),
            categories=lists["categories"].get(point_id, []),
            audiences=lists["audiences"].get(point_id, []),
            spoken_languages=lists["spoken_languages"].get(point_id, []),
            translations=texts.get(point_id, {}),
        )
        out[point_id] = Loaded(point_id, public_id, organization_id, version, state)
    return out
