"""Every change to synced data is logged with its transaction's sequence number.

A ``before_flush`` listener on every :class:`~sqlalchemy.orm.Session` notices new, changed and
deleted rows of the synced records (points and their texts, categories, audiences, feedback
tags, country information, and organisations, whose names points show). The first such flush of
a transaction takes the next value of the change counter, before any row lock, so one
transaction is one sequence number and the counter lock is always taken first. ``after_flush``
then appends one ``sync_change`` row per record touched, with its place (country, coordinates),
plus a row for its *old* place when a point moved or a record was deleted, so clients of the
old scope receive a tombstone.

Writes through the ORM are covered wherever they come from (``writing.py``, seed, staff
routes). Bulk ``INSERT``/``UPDATE``/``DELETE`` statements bypass the ORM: code that issues them
must call :func:`log_points` for the ids it touched, or :func:`log_changes` with the rows the
listener would have written (``app.service_points.bulk`` does, for imports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.alerts.models import Alert, AlertTranslation
from app.countries.models import (
    CountryEmergencyNumber,
    CountryProfile,
    CountrySection,
    CountrySectionSource,
    CountrySectionTranslation,
)
from app.db import utcnow
from app.documents import building as documents
from app.feedback.models import FeedbackTag, FeedbackTagTranslation
from app.organizations.models import Organization
from app.service_areas.models import AreaService, AreaServiceTranslation
from app.service_points.models import (
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.sync import repository
from app.sync.repository import ChangeRow
from app.taxonomy.models import Audience, AudienceTranslation, Category, CategoryTranslation

__all__ = ["current_seq", "data_version", "log_changes", "log_points", "take_seq"]

_SEQ = "rumbo.sync.seq"
_PENDING = "rumbo.sync.pending"
_LOGGED = "rumbo.sync.logged"
_VERSION = "rumbo.sync.data_version"

_POINT_CHILDREN = (
    ServicePointTranslation,
    ServicePointCategory,
    ServicePointAudience,
    ServicePointLanguage,
)
_COUNTRY_PARTS = (
    CountrySection,
    CountrySectionTranslation,
    CountrySectionSource,
    CountryEmergencyNumber,
)
# A point's place as sync scopes see it: its public location (app.service_points.precision),
# never the exact one, or a map-area scope would locate approximate and hidden points.
_SCOPE_ATTRS = ("country", "public_lat", "public_lon")
_TRACKED = (
    ServicePoint,
    *_POINT_CHILDREN,
    Category,
    CategoryTranslation,
    Audience,
    AudienceTranslation,
    FeedbackTag,
    FeedbackTagTranslation,
    CountryProfile,
    *_COUNTRY_PARTS,
    Organization,
    Alert,
    AlertTranslation,
    AreaService,
    AreaServiceTranslation,
)


@dataclass(slots=True)
class _Pending:
    points: list[ServicePoint]
    rows: list[ChangeRow]
    organizations: set[str]
    alerts: list[Alert]
    areas: list[AreaService]


def take_seq(session: Session) -> int:
    """This transaction's sequence number, taken from the counter on first use."""
    seq: int | None = session.info.get(_SEQ)
    if seq is None:
        seq = repository.increment_counter(session.connection())
        session.info[_SEQ] = seq
    return seq


def data_version(session: Session) -> repository.DataVersion:
    """The database's data version (:func:`app.sync.repository.data_version`), read once per
    transaction: alerts and area services on one near-me request share one lookup."""
    found: repository.DataVersion | None = session.info.get(_VERSION)
    if found is None:
        found = session.info[_VERSION] = repository.data_version(session)
    return found


def current_seq(session: Session) -> int | None:
    """The sequence number this transaction took, if it changed synced data."""
    return session.info.get(_SEQ)


def log_points(session: Session, point_ids: Iterable[int]) -> None:
    """Log points changed by a bulk statement (the ORM listener cannot see those)."""
    ids = list(point_ids)
    if ids:
        repository.log_points_where(
            session.connection(), seq=take_seq(session), at=utcnow(), point_ids=ids
        )


def log_changes(
    session: Session, rows: Iterable[ChangeRow], *, remember: Iterable[ChangeRow] | None = None
) -> None:
    """Log records changed by bulk statements, as the listener logs ORM flushes: under this
    transaction's sequence number, each row once per transaction. ``remember``: the rows to
    keep in the transaction's memory of what it logged (all of them by default); an import
    leaves out its new points, which nothing else writes in the transaction, so that memory
    does not grow with the file."""
    logged: set[ChangeRow] = session.info.setdefault(_LOGGED, set())
    fresh = [row for row in dict.fromkeys(rows) if row not in logged]
    if fresh:
        seq = take_seq(session)
        repository.insert_changes(session.connection(), seq=seq, at=utcnow(), rows=fresh)
    logged.update(fresh if remember is None else remember)


def _point_row(point: ServicePoint) -> ChangeRow:
    return ChangeRow("point", point.public_id, point.country, point.public_lat, point.public_lon)


def _changed(session: Session, obj: Any) -> bool:
    return session.is_modified(obj, include_collections=True)


def _old_place(session: Session, point: ServicePoint) -> ChangeRow | None:
    """The row for where a point was, when this flush moves it."""
    state = inspect(point)
    if not any(state.attrs[name].history.has_changes() for name in _SCOPE_ATTRS):
        return None
    before = repository.point_place(session.connection(), point.id)
    if before is None or before == (point.country, point.public_lat, point.public_lon):
        return None
    return ChangeRow("point", point.public_id, *before)


def _row_of(obj: object) -> ChangeRow | None:
    """The change row of a taxonomy, feedback tag or country information object."""
    if isinstance(obj, Category):
        return ChangeRow("category", obj.code)
    if isinstance(obj, CategoryTranslation):
        return ChangeRow("category", obj.category_code)
    if isinstance(obj, Audience):
        return ChangeRow("audience", obj.code)
    if isinstance(obj, AudienceTranslation):
        return ChangeRow("audience", obj.audience_code)
    if isinstance(obj, FeedbackTag):
        return ChangeRow("feedback_tag", obj.code)
    if isinstance(obj, FeedbackTagTranslation):
        return ChangeRow("feedback_tag", obj.tag_code)
    if isinstance(obj, CountryProfile):
        return ChangeRow("country", obj.code, obj.code)
    if isinstance(obj, _COUNTRY_PARTS):
        return ChangeRow("country", obj.country_code, obj.country_code)
    return None


def _collect(session: Session) -> _Pending:
    pending = _Pending(points=[], rows=[], organizations=set(), alerts=[], areas=[])
    touched_points: dict[int, ServicePoint] = {}

    def add_point(point: ServicePoint | None) -> None:
        if point is not None:
            touched_points[id(point)] = point

    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, _TRACKED):
            continue
        deleted = obj in session.deleted
        if not deleted and obj not in session.new and not _changed(session, obj):
            continue
        if isinstance(obj, ServicePoint):
            if deleted:
                pending.rows.append(_point_row(obj))
            else:
                add_point(obj)
                if obj not in session.new and (moved := _old_place(session, obj)):
                    pending.rows.append(moved)
        elif isinstance(obj, _POINT_CHILDREN):
            if obj.point_id is not None:
                with session.no_autoflush:
                    add_point(session.get(ServicePoint, obj.point_id))
        elif isinstance(obj, Alert):
            pending.alerts.append(obj)
        elif isinstance(obj, AlertTranslation):
            if obj.alert_id is not None:
                with session.no_autoflush:
                    alert = session.get(Alert, obj.alert_id)
                if alert is not None:
                    pending.alerts.append(alert)
        elif isinstance(obj, AreaService):
            pending.areas.append(obj)
            if obj not in session.new:  # the countries it left hear that it left
                old = inspect(obj).attrs.countries.history.deleted
                before = old[0] if old and isinstance(old[0], list) else []
                pending.rows.extend(ChangeRow("area_service", obj.public_id, c) for c in before)
        elif isinstance(obj, AreaServiceTranslation):
            if obj.area_service_id is not None:
                with session.no_autoflush:
                    area_service = session.get(AreaService, obj.area_service_id)
                if area_service is not None:
                    pending.areas.append(area_service)
        elif (row := _row_of(obj)) is not None:
            # A child appended through its parent has no key yet; the parent is logged.
            if row.key is not None:
                pending.rows.append(row)
        elif isinstance(obj, Organization) and not deleted and obj not in session.new:
            state = inspect(obj)
            if state.attrs.name.history.has_changes() or state.attrs.slug.history.has_changes():
                pending.organizations.add(obj.id)
    for point in touched_points.values():
        if point in session.deleted:
            pending.rows.append(_point_row(point))
        else:
            pending.points.append(point)
    return pending


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    pending = _collect(session)
    if pending.points or pending.rows or pending.organizations or pending.alerts or pending.areas:
        # Taken before the flush writes anything: the counter is every writer's first lock.
        take_seq(session)
        session.info.setdefault(_PENDING, []).append(pending)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    batches: list[_Pending] = session.info.pop(_PENDING, [])
    if not batches:
        return
    seq = take_seq(session)
    logged: set[ChangeRow] = session.info.setdefault(_LOGGED, set())
    rows: list[ChangeRow] = []
    organizations: set[str] = set()
    for batch in batches:
        # Points get their public id on insert, so their rows are built after the flush.
        rows.extend(batch.rows)
        rows.extend(_point_row(p) for p in batch.points)
        # An alert reaches the clients of every country it touches (its area never
        # changes once published, so there is no old place to tell).
        rows.extend(ChangeRow("alert", a.public_id, c) for a in batch.alerts for c in a.countries)
        # An area service reaches every country its area touches (public ids are given on
        # insert, so these rows too are built after the flush).
        rows.extend(
            ChangeRow("area_service", a.public_id, c) for a in batch.areas for c in a.countries
        )
        organizations |= batch.organizations
    fresh = [row for row in dict.fromkeys(rows) if row not in logged]
    connection = session.connection()
    now = utcnow()
    if fresh:
        repository.insert_changes(connection, seq=seq, at=now, rows=fresh)
        logged.update(fresh)
    if organizations:
        repository.log_points_where(connection, seq=seq, at=now, organization_ids=organizations)
    # Read model (issue #15): the stored documents of what this flush touched, every time
    # (not only what is logged for the first time in the transaction).
    documents.refresh(
        session,
        point_ids=[p.id for batch in batches for p in batch.points],
        public_ids=[r.key for batch in batches for r in batch.rows if r.kind == "point"],
        organization_ids=organizations,
    )


def _forget(session: Session, *_args: object) -> None:
    for name in (_SEQ, _PENDING, _LOGGED, _VERSION):
        session.info.pop(name, None)


def _transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _forget(session)


def _bulk_statement(state: ORMExecuteState) -> None:
    """An ORM ``UPDATE``/``DELETE`` of alerts (no flush sees it) still moves the data version,
    so the alerts cached by :mod:`app.alerts.coverage` in every process are read again."""
    mapper = state.bind_mapper
    writes = state.is_update or state.is_delete
    if writes and mapper is not None and mapper.class_ in (Alert, AlertTranslation):
        take_seq(state.session)


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "do_orm_execute", _bulk_statement)
event.listen(Session, "after_flush", _after_flush)
# A rollback (even of a savepoint) may undo the counter increment: take a new number after it.
event.listen(Session, "after_soft_rollback", _forget)
event.listen(Session, "after_transaction_end", _transaction_end)
