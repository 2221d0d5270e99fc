"""Statements over service points. The only module here that builds SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    String,
    bindparam,
    exists,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app.organizations.models import Organization
from app.service_points import visibility
from app.service_points.models import (
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.service_points.precision import LocationPrecision
from app.service_points.rendering import OrganizationStamp, PointRecord
from app.tasks.models import TaskStatus, VerificationTask

__all__ = [
    "PointRow",
    "by_public_id",
    "filter_clauses",
    "hours_of",
    "id_by_public_id",
    "list_ids",
    "load_children",
    "load_points",
    "load_records",
    "load_rows",
]

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


_owner = aliased(Organization, name="owner")
_verifier = aliased(Organization, name="verifier")
_tr = ServicePointTranslation.__table__
_cat = ServicePointCategory.__table__
_aud = ServicePointAudience.__table__
_spoken = ServicePointLanguage.__table__
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def _raw(column: Any) -> Any:
    """A timestamp column read as the driver returns it (a string on SQLite), converted by
    :func:`_utc`: the generic DateTime processor costs microseconds per value."""
    return type_coerce(column, String)


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(stamp, dt.datetime)
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


# Built once: constructing and hashing a statement costs more than running it on SQLite.
_task = VerificationTask.__table__
_OPEN_TASK = (
    exists()
    .where(_task.c.status == TaskStatus.open.value, _task.c.point_id == _sp.c.id)
    .correlate(_sp)
)
_ROWS = (
    select(
        _sp.c.id,
        _sp.c.public_id,
        _sp.c.version,
        _sp.c.external_id,
        # What the public may see of the place (``app.service_points.precision``).
        _sp.c.public_lat,
        _sp.c.public_lon,
        _sp.c.country,
        _sp.c.locality,
        _sp.c.timezone,
        _sp.c.phones,
        _sp.c.email,
        _sp.c.website,
        _sp.c.whatsapp,
        _sp.c.opening_hours,
        _sp.c.free,
        _sp.c.status,
        _sp.c.original_language,
        _sp.c.source_title,
        _sp.c.source_url,
        _sp.c.source_publisher,
        _sp.c.is_sample,
        _raw(_sp.c.last_verified_at),
        _raw(_sp.c.updated_at),
        _owner.slug,
        _owner.name,
        _raw(_owner.updated_at),
        _verifier.slug,
        _verifier.name,
        _raw(_verifier.updated_at),
        _OPEN_TASK,
        _sp.c.source_as_of,
        _sp.c.location_precision,
    )
    .join(_owner, _owner.id == _sp.c.organization_id)
    .outerjoin(_verifier, _verifier.id == _sp.c.verified_by_organization_id)
    .where(_sp.c.id.in_(_IDS))
)
_NO_TEXT = literal(None, String)
# Translations and the category, audience and language links in one round trip:
# (point_id, kind, code or language, position, name, description, address, documents,
# accessibility), kind 0 = translation, 1 = category, 2 = audience, 3 = spoken language.
_CHILDREN = union_all(
    select(
        _tr.c.point_id,
        literal(0),
        _tr.c.lang,
        literal(0),
        _tr.c.name,
        _tr.c.description,
        _tr.c.address,
        _tr.c.documents_required,
        _tr.c.accessibility,
    ).where(_tr.c.point_id.in_(_IDS)),
    select(
        _cat.c.point_id,
        literal(1),
        _cat.c.category_code,
        _cat.c.position,
        *[_NO_TEXT] * 5,
    ).where(_cat.c.point_id.in_(_IDS)),
    select(_aud.c.point_id, literal(2), _aud.c.audience_code, literal(0), *[_NO_TEXT] * 5).where(
        _aud.c.point_id.in_(_IDS)
    ),
    select(_spoken.c.point_id, literal(3), _spoken.c.lang, literal(0), *[_NO_TEXT] * 5).where(
        _spoken.c.point_id.in_(_IDS)
    ),
)


@dataclass(slots=True)
class PointRow:
    """A point's own row as read: the stamp that changes whenever its public rendering may
    change (id, version, public id, its organisations' update times), whether it has an
    open verification task (only those can carry warnings), and :meth:`record` to build
    the record without children when the rendering is not cached."""

    values: tuple[Any, ...]

    @property
    def stamp(self) -> tuple[Any, ...]:
        v = self.values
        return (v[0], v[2], v[1], v[25], v[28])

    @property
    def open_task(self) -> bool:
        return bool(self.values[29])

    def record(self) -> PointRecord:
        v = self.values
        owner = OrganizationStamp(v[23], v[24], _utc(v[25]))
        verifier = OrganizationStamp(v[26], v[27], _utc(v[28])) if v[26] else None
        # Positional: the first 21 columns are PointRecord's first 21 fields, in order.
        fields: tuple[Any, ...] = (*v[:21], _utc(v[21]), _utc(v[22]), owner, verifier)
        record = PointRecord(*fields)
        record.source_as_of = v[30]
        record.location_precision = v[31]
        return record


def load_rows(session: Session, ids: Collection[int]) -> dict[int, PointRow]:
    """The rows of the given points (one query; children not loaded)."""
    if not ids:
        return {}
    rows = session.connection().execute(_ROWS, {"ids": list(ids)}).all()
    return {row[0]: PointRow(tuple(row)) for row in rows}


_EXACT = LocationPrecision.exact.value


def load_children(session: Session, records: dict[int, PointRecord]) -> None:
    """Fill in the translations, categories, audiences and spoken languages of ``records``
    (one query for all of them)."""
    if not records:
        return
    rows = sorted(
        session.connection().execute(_CHILDREN, {"ids": sorted(records)}).all(),
        # Translations by language; categories in their stated order; the rest by code.
        key=lambda r: (r[0], r[1], r[3], r[2]),
    )
    for point_id, kind, code, _position, name, description, address, documents, access in rows:
        record = records[point_id]
        if kind == 0:
            record.translations[code] = {
                "name": name,
                "description": description,
                # A street address would locate an approximate or hidden point.
                "address": address if record.location_precision == _EXACT else None,
                "documents_required": documents,
                "accessibility": access,
            }
        elif kind == 1:
            record.categories.append(code)
        elif kind == 2:
            record.audiences.append(code)
        else:
            record.spoken_languages.append(code)


def load_records(session: Session, ids: Collection[int]) -> dict[int, PointRecord]:
    """The given points as plain records, set-based (two queries, no ORM objects), as the
    public may see them: public coordinates (none when hidden), no street address unless
    the location is exact (``app.service_points.precision``)."""
    records = {point_id: row.record() for point_id, row in load_rows(session, ids).items()}
    load_children(session, records)
    return records


def hours_of(session: Session, ids: Sequence[int]) -> list[tuple[int, str | None, str | None, str]]:
    """(id, opening_hours, timezone, country) for the given ids."""
    if not ids:
        return []
    rows: list[tuple[int, str | None, str | None, str]] = []
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids[chunk_start : chunk_start + 5000]
        stmt = select(_sp.c.id, _sp.c.opening_hours, _sp.c.timezone, _sp.c.country).where(
            _sp.c.id.in_(chunk)
        )
        rows.extend(session.execute(stmt).all())
    return rows


def by_public_id(session: Session, public_id: str) -> ServicePoint | None:
    return session.scalars(select(ServicePoint).where(ServicePoint.public_id == public_id)).first()


def load_points(session: Session, ids: Sequence[int]) -> dict[int, ServicePoint]:
    """The given points with translations, categories, audiences and languages loaded."""
    if not ids:
        return {}
    stmt = select(ServicePoint).where(ServicePoint.id.in_(ids))
    return {p.id: p for p in session.scalars(stmt)}
