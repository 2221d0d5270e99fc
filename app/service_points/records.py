"""A point as plain values: its field list, declared once, and how it is read.

:class:`PointRecord` is the one declaration of a point's public fields. The SQL that reads
records (:data:`ROW_COLUMNS`, each column labelled with its field's name) and the record
built from an ORM object (:func:`record_of`) are derived from it, and :class:`PointRow`
reads its columns by name. The public read face renders records
(``app.public_points.rendering``); the offline bundles (``app.sync``) sign them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    String,
    bindparam,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app.organizations.models import Organization
from app.service_points.models import (
    TRANSLATABLE_FIELDS,
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.service_points.precision import LocationPrecision, public_location
from app.service_points.state import PointState

__all__ = [
    "PLAIN_FIELDS",
    "ROW_COLUMNS",
    "OrganizationStamp",
    "PointRecord",
    "PointRow",
    "load_children",
    "load_records",
    "load_rows",
    "record_of",
    "record_of_state",
    "rows_statement",
]


@dataclass(frozen=True, slots=True)
class OrganizationStamp:
    """An organisation as a point shows it; ``updated_at`` invalidates cached renderings."""

    slug: str
    name: str
    updated_at: dt.datetime | None


@dataclass(slots=True)
class PointRecord:
    """Everything the public shape of one point needs, as plain values."""

    id: int
    public_id: str
    version: int
    external_id: str | None
    # Public records (:func:`load_records`) hold the public location (None when hidden);
    # the staff view of a point's own organisation holds the exact one.
    lat: float | None
    lon: float | None
    country: str
    locality: str | None
    timezone: str | None
    phones: Sequence[str] | None
    email: str | None
    website: str | None
    whatsapp: str | None
    opening_hours: str | None
    free: bool | None
    status: str
    original_language: str
    source_title: str | None
    source_url: str | None
    source_publisher: str | None
    is_sample: bool
    last_verified_at: dt.datetime | None
    updated_at: dt.datetime
    organization: OrganizationStamp
    verified_by: OrganizationStamp | None
    translations: dict[str, dict[str, str | None]] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    spoken_languages: list[str] = field(default_factory=list)
    source_as_of: dt.date | None = None
    location_precision: str = LocationPrecision.exact.value


# The fields read as they are, from the column (or ORM attribute) of the same name: every
# field of the record but the timestamps (read raw, see :func:`_raw`) and the composed ones.
_TIMESTAMPS = ("last_verified_at", "updated_at")
_COMPOSED = (
    "organization",
    "verified_by",
    "translations",
    "categories",
    "audiences",
    "spoken_languages",
)
PLAIN_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(PointRecord) if f.name not in (*_TIMESTAMPS, *_COMPOSED)
)

_sp = ServicePoint.__table__
_owner = aliased(Organization, name="owner")
_verifier = aliased(Organization, name="verifier")
_tr = ServicePointTranslation.__table__
_cat = ServicePointCategory.__table__
_aud = ServicePointAudience.__table__
_spoken = ServicePointLanguage.__table__
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
# What the public may see of the place (``app.service_points.precision``).
_PUBLIC_PLACE = {"lat": _sp.c.public_lat, "lon": _sp.c.public_lon}


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


# A point's row, each column labelled: the record's plain fields, its timestamps, and the
# stamps of its organisations.
ROW_COLUMNS: tuple[ColumnElement[Any], ...] = (
    *(_PUBLIC_PLACE.get(name, _sp.c[name]).label(name) for name in PLAIN_FIELDS),
    *(_raw(_sp.c[name]).label(name) for name in _TIMESTAMPS),
    _owner.slug.label("owner_slug"),
    _owner.name.label("owner_name"),
    _raw(_owner.updated_at).label("owner_updated_at"),
    _verifier.slug.label("verifier_slug"),
    _verifier.name.label("verifier_name"),
    _raw(_verifier.updated_at).label("verifier_updated_at"),
)


def rows_statement(*extra: ColumnElement[Any]) -> Select[Any]:
    """The rows of the points ``:ids`` (:data:`ROW_COLUMNS`, then ``extra`` labelled
    columns a face adds). Build it once: on SQLite, building and hashing a statement costs
    more than running it."""
    return (
        select(*ROW_COLUMNS, *extra)
        .join(_owner, _owner.id == _sp.c.organization_id)
        .outerjoin(_verifier, _verifier.id == _sp.c.verified_by_organization_id)
        .where(_sp.c.id.in_(_IDS))
    )


_ROWS = rows_statement()


@dataclass(slots=True)
class PointRow:
    """A point's own row as read (columns by name): the stamp that changes whenever its
    public rendering may change (id, version, public id, its organisations' update times),
    and :meth:`record` to build the record without children when the rendering is not
    cached. Extra columns of a face's statement are read by name from :attr:`values`."""

    values: Row[Any]

    @property
    def stamp(self) -> tuple[Any, ...]:
        v = self.values
        return (v.id, v.version, v.public_id, v.owner_updated_at, v.verifier_updated_at)

    def record(self) -> PointRecord:
        v = self.values
        mapping = v._mapping
        owner = OrganizationStamp(v.owner_slug, v.owner_name, _utc(v.owner_updated_at))
        verifier = (
            OrganizationStamp(v.verifier_slug, v.verifier_name, _utc(v.verifier_updated_at))
            if v.verifier_slug
            else None
        )
        return PointRecord(
            **{name: mapping[name] for name in PLAIN_FIELDS},
            last_verified_at=_utc(v.last_verified_at),
            updated_at=_utc(v.updated_at),  # type: ignore[arg-type]  # never NULL
            organization=owner,
            verified_by=verifier,
        )


def load_rows(
    session: Session, ids: Collection[int], statement: Select[Any] = _ROWS
) -> dict[int, PointRow]:
    """The rows of the given points (one query; children not loaded), read by
    ``statement`` (:func:`rows_statement`)."""
    if not ids:
        return {}
    rows = session.connection().execute(statement, {"ids": list(ids)}).all()
    return {row.id: PointRow(row) for row in rows}


_NO_TEXT = literal(None, String)
# Translations and the category, audience and language links in one round trip:
# (point_id, kind, code or language, position, *translatable fields), kind 0 =
# translation, 1 = category, 2 = audience, 3 = spoken language.
_NO_TEXTS = [_NO_TEXT] * len(TRANSLATABLE_FIELDS)
_CHILDREN = union_all(
    select(
        _tr.c.point_id,
        literal(0),
        _tr.c.lang,
        literal(0),
        *(_tr.c[name] for name in TRANSLATABLE_FIELDS),
    ).where(_tr.c.point_id.in_(_IDS)),
    select(_cat.c.point_id, literal(1), _cat.c.category_code, _cat.c.position, *_NO_TEXTS).where(
        _cat.c.point_id.in_(_IDS)
    ),
    select(_aud.c.point_id, literal(2), _aud.c.audience_code, literal(0), *_NO_TEXTS).where(
        _aud.c.point_id.in_(_IDS)
    ),
    select(_spoken.c.point_id, literal(3), _spoken.c.lang, literal(0), *_NO_TEXTS).where(
        _spoken.c.point_id.in_(_IDS)
    ),
)
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
    for point_id, kind, code, _position, *texts in rows:
        record = records[point_id]
        if kind == 0:
            translation = dict(zip(TRANSLATABLE_FIELDS, texts, strict=True))
            if record.location_precision != _EXACT:
                # A street address would locate an approximate or hidden point.
                translation["address"] = None
            record.translations[code] = translation
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


def _stamp(org: Any) -> OrganizationStamp:
    return OrganizationStamp(org.slug, org.name, org.updated_at)


def record_of(point: ServicePoint) -> PointRecord:
    """The record of a loaded point, for the staff view of its own organisation: the exact
    place and every translated field (the same field list as the rows)."""
    return PointRecord(
        **{name: getattr(point, name) for name in PLAIN_FIELDS},
        last_verified_at=point.last_verified_at,
        updated_at=point.updated_at,
        organization=_stamp(point.organization),
        verified_by=_stamp(point.verified_by) if point.verified_by else None,
        translations={
            t.lang: {name: getattr(t, name) for name in TRANSLATABLE_FIELDS}
            for t in point.translations
        },
        categories=point.category_codes,
        audiences=[a.audience_code for a in point.audiences],
        spoken_languages=[lang.lang for lang in point.spoken_languages],
    )


# The record's fields a state holds under the same name (the rest: ids, stamps, the place).
_OWN = ("id", "public_id", "version", "lat", "lon")
_STATE_FIELDS = tuple(name for name in PLAIN_FIELDS if name not in _OWN)


def record_of_state(
    point_id: int,
    public_id: str,
    version: int,
    state: PointState,
    *,
    updated_at: dt.datetime,
    organization: OrganizationStamp,
    verified_by: OrganizationStamp | None,
) -> PointRecord:
    """The public record of a point as a bulk write just wrote it, from its state: what
    :func:`load_records` would read back (the public location, no street address unless
    exact, audiences and spoken languages by code), without reading it."""
    shown = public_location(state.lat, state.lon, state.location_precision)
    lat, lon = shown if shown is not None else (None, None)
    hide_address = state.location_precision != _EXACT
    return PointRecord(
        id=point_id,
        public_id=public_id,
        version=version,
        lat=lat,
        lon=lon,
        **{name: getattr(state, name) for name in _STATE_FIELDS},
        last_verified_at=state.last_verified_at,
        updated_at=updated_at,
        organization=organization,
        verified_by=verified_by,
        translations={
            lang: {
                name: None if hide_address and name == "address" else texts.get(name)
                for name in TRANSLATABLE_FIELDS
            }
            for lang, texts in state.translations.items()
        },
        categories=list(state.categories),
        audiences=sorted(state.audiences),
        spoken_languages=sorted(state.spoken_languages),
    )
