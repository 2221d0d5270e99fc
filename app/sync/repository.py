"""Statements of offline delivery. With :mod:`app.sync.snapshot` (the ids of a snapshot page),
the only module of ``app.sync`` that builds SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, literal, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, lazyload

from app.countries.models import CountryProfile
from app.feedback.models import FeedbackTag
from app.journal.models import SyncChange
from app.service_points.models import ServicePoint
from app.service_points.visibility import searchable
from app.sync.models import SyncBundle
from app.sync.scope import Scope
from app.sync.snapshot import snapshot_ids
from app.taxonomy.models import Audience, Category

__all__ = [
    "BundleMeta",
    "Change",
    "audiences",
    "bundle_body",
    "bundle_meta",
    "categories",
    "changes",
    "country_changed_since",
    "country_has_content",
    "feedback_tags",
    "point_place",
    "points_by_public_id",
    "points_changed_where",
    "snapshot_ids",
    "store_bundle",
    "visible_point_ids",
]

_change = cast(Table, SyncChange.__table__)
_sp = cast(Table, ServicePoint.__table__)
_bundle = cast(Table, SyncBundle.__table__)


class Change(NamedTuple):
    seq: int
    id: int
    kind: str
    key: str


@dataclass(frozen=True, slots=True)
class BundleMeta:
    seq: int
    format: int
    key_id: str
    signature: str
    sha256: str
    raw_size: int
    built_at: dt.datetime


# What the ORM listener (app.sync.tracking) logs, inside the writer's transaction -------------


def point_place(
    connection: Connection, point_id: int
) -> tuple[str, float | None, float | None] | None:
    """Where the public sees a point in the database right now (before this flush moves
    it): its country and public location."""
    row = connection.execute(
        select(_sp.c.country, _sp.c.public_lat, _sp.c.public_lon).where(_sp.c.id == point_id)
    ).first()
    return None if row is None else (row.country, row.public_lat, row.public_lon)


def points_changed_where(
    *, organization_ids: Collection[str] = (), point_ids: Collection[int] = ()
) -> Select[Any] | None:
    """The change rows (``kind, key, country, lat, lon``) of every point of these
    organisations, or with these ids, at its current place; None when there are none."""
    clauses: list[ColumnElement[bool]] = []
    if organization_ids:
        ids = sorted(organization_ids)
        clauses.append(_sp.c.organization_id.in_(ids))
        clauses.append(_sp.c.verified_by_organization_id.in_(ids))
    if point_ids:
        clauses.append(_sp.c.id.in_(sorted(point_ids)))
    if not clauses:
        return None
    return select(
        literal("point").label("kind"),
        _sp.c.public_id.label("key"),
        _sp.c.country,
        _sp.c.public_lat.label("lat"),
        _sp.c.public_lon.label("lon"),
    ).where(or_(*clauses))


# Reading ------------------------------------------------------------------------------------


def _bbox_clause(
    scope: Scope, lat: ColumnElement[float], lon: ColumnElement[float]
) -> ColumnElement[bool]:
    assert scope.bbox is not None
    return or_(
        *(
            and_(lat.between(box.min_lat, box.max_lat), lon.between(box.min_lon, box.max_lon))
            for box in scope.bbox.parts()
        )
    )


def _change_scope(scope: Scope) -> ColumnElement[bool]:
    """Changes a client of ``scope`` must see: its records, and the taxonomy (no country)."""
    if scope.country is not None:
        return or_(_change.c.country == scope.country, _change.c.country.is_(None))
    return or_(
        _bbox_clause(scope, _change.c.lat, _change.c.lon),
        and_(_change.c.country.is_(None), _change.c.lat.is_(None)),
    )


def changes(
    session: Session,
    *,
    scope: Scope,
    since: int,
    high: int,
    after: tuple[int, int] | None,
    limit: int,
) -> list[Change]:
    """Change rows in ``(since, high]`` for ``scope``, in sequence order, after ``after``."""
    stmt = (
        select(_change.c.seq, _change.c.id, _change.c.kind, _change.c.key)
        .where(_change.c.seq > since, _change.c.seq <= high, _change_scope(scope))
        .order_by(_change.c.seq, _change.c.id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(tuple_(_change.c.seq, _change.c.id) > tuple_(*after))
    return [Change(*row) for row in session.execute(stmt)]


def visible_point_ids(
    session: Session, *, scope: Scope, after_id: int | None, limit: int
) -> list[int]:
    """Public points of ``scope`` by id (by their public location, as the change log is
    filtered: a hidden point is in no map area)."""
    place = (
        _sp.c.country == scope.country
        if scope.country is not None
        else _bbox_clause(scope, _sp.c.public_lat, _sp.c.public_lon)
    )
    stmt = select(_sp.c.id).where(searchable(), place).order_by(_sp.c.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(_sp.c.id > after_id)
    return list(session.scalars(stmt))


def points_by_public_id(session: Session, public_ids: Iterable[str]) -> dict[str, ServicePoint]:
    keys = sorted(set(public_ids))
    if not keys:
        return {}
    # Only the row (visibility and place are checked on it; the record loads set-based).
    stmt = select(ServicePoint).where(ServicePoint.public_id.in_(keys)).options(lazyload("*"))
    return {p.public_id: p for p in session.scalars(stmt)}


def categories(session: Session, codes: Iterable[str] | None = None) -> list[Category]:
    stmt = select(Category).order_by(Category.sort_order, Category.code)
    if codes is not None:
        stmt = stmt.where(Category.code.in_(sorted(set(codes))))
    return list(session.scalars(stmt))


def audiences(session: Session, codes: Iterable[str] | None = None) -> list[Audience]:
    stmt = select(Audience).order_by(Audience.sort_order, Audience.code)
    if codes is not None:
        stmt = stmt.where(Audience.code.in_(sorted(set(codes))))
    return list(session.scalars(stmt))


def feedback_tags(session: Session, codes: Iterable[str] | None = None) -> list[FeedbackTag]:
    stmt = select(FeedbackTag).order_by(FeedbackTag.sort_order, FeedbackTag.code)
    if codes is not None:
        stmt = stmt.where(FeedbackTag.code.in_(sorted(set(codes))))
    return list(session.scalars(stmt))


def country_has_content(session: Session, country: str) -> bool:
    """A curated profile, or at least one public point."""
    profile = select(CountryProfile.code).where(CountryProfile.code == country)
    point = select(_sp.c.id).where(searchable(), _sp.c.country == country).limit(1)
    return session.scalar(profile) is not None or session.scalar(point) is not None


def country_changed_since(session: Session, *, country: str, seq: int) -> bool:
    """Whether any change a client of ``country`` sees was logged after ``seq``."""
    stmt = (
        select(_change.c.id)
        .where(_change.c.seq > seq, _change_scope(Scope(country=country)))
        .limit(1)
    )
    return session.scalar(stmt) is not None


# Built bundles -----------------------------------------------------------------------------


def bundle_meta(session: Session, *, country: str, langs: str) -> BundleMeta | None:
    row = session.execute(
        select(
            _bundle.c.seq,
            _bundle.c.format,
            _bundle.c.key_id,
            _bundle.c.signature,
            _bundle.c.sha256,
            _bundle.c.raw_size,
            _bundle.c.built_at,
        ).where(_bundle.c.country == country, _bundle.c.langs == langs)
    ).first()
    if row is None:
        return None
    return BundleMeta(
        seq=int(row.seq),
        format=row.format,
        key_id=row.key_id,
        signature=row.signature,
        sha256=row.sha256,
        raw_size=row.raw_size,
        built_at=row.built_at,
    )


def bundle_body(
    session: Session, *, country: str, langs: str, sha256: str, brotli: bool
) -> bytes | None:
    """The stored compressed body of the bundle with this digest (None if it was replaced)."""
    column = _bundle.c.body_br if brotli else _bundle.c.body_gzip
    body = session.scalar(
        select(column).where(
            _bundle.c.country == country, _bundle.c.langs == langs, _bundle.c.sha256 == sha256
        )
    )
    return None if body is None else bytes(body)


def store_bundle(session: Session, bundle: SyncBundle) -> None:
    """Keep ``bundle`` unless one of a later sequence is stored (atomic upsert: several
    processes may build the same bundle at once)."""
    values = {name: getattr(bundle, name) for name in _bundle.columns.keys()}  # noqa: SIM118
    insert_into = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert_into(_bundle).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_bundle.c.country, _bundle.c.langs],
        set_={name: stmt.excluded[name] for name in values if name not in ("country", "langs")},
        where=_bundle.c.seq <= stmt.excluded.seq,
    )
    session.execute(stmt)
