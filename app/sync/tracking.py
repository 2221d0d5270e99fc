"""Every ORM change to synced data is written to the journal (:mod:`app.journal`).

A ``before_flush`` listener notices new, changed and deleted rows of the synced records
(points and their texts, categories, audiences, feedback tags, country information, alerts,
area services, and organisations, whose names points show). The first such flush of a
transaction takes the next value of the change counter, before any row lock, so one
transaction is one sequence number and the counter lock is always taken first. ``after_flush``
then records (:func:`app.journal.record`, the function bulk writers call too) one change row
per record touched, with its place (country, coordinates), plus a row for its *old* place when
a point moved or a record was deleted, so clients of the old scope receive a tombstone.

The listeners are installed by :func:`install` (idempotent), which ``create_app``, the
``rumbo`` command line, the seed loader and the test harness call; importing this module
registers nothing. Once installed, writes through the ORM are covered wherever they come
from (``writing.py``, seed, staff routes). Bulk ``INSERT``/``UPDATE``/``DELETE`` statements
bypass the ORM: code that issues them calls :func:`app.journal.record` with the rows this
listener would have written (``app.service_points.bulk`` does, for imports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app import journal
from app.alerts.models import Alert, AlertTranslation
from app.countries.models import (
    CountryEmergencyNumber,
    CountryProfile,
    CountrySection,
    CountrySectionSource,
    CountrySectionTranslation,
)
from app.documents import building as documents
from app.documents import hooks as documents_hooks
from app.feedback.models import FeedbackTag, FeedbackTagTranslation
from app.journal import ChangeRow
from app.journal.session import INFO_PREFIX
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
from app.tasks.models import VerificationTask
from app.taxonomy.models import Audience, AudienceTranslation, Category, CategoryTranslation

__all__ = ["install", "installed", "log_points", "uninstall"]

# Forgotten with the journal's own keys when a transaction rolls back or ends.
_PENDING = INFO_PREFIX + "pending"

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

# Records that change what the public sees without a synced record of their own (a point's
# warnings come from its open tasks): their writes move the data version (map tiles key on
# it) and log nothing.
_VERSION_ONLY = (VerificationTask,)


@dataclass(slots=True)
class _Pending:
    points: list[ServicePoint]
    rows: list[ChangeRow]
    organizations: set[str]
    alerts: list[Alert]
    areas: list[AreaService]


def log_points(session: Session, point_ids: Iterable[int]) -> None:
    """Log points changed by a bulk statement (the ORM listener cannot see those)."""
    rows = repository.points_changed_where(point_ids=list(point_ids))
    if rows is not None:
        journal.record_selected(session, rows)


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
    if any(isinstance(o, _VERSION_ONLY) for o in (*session.new, *session.dirty, *session.deleted)):
        journal.take_seq(session)  # no record to send offline, but what the public sees changed
    if pending.points or pending.rows or pending.organizations or pending.alerts or pending.areas:
        # Taken before the flush writes anything: the counter is every writer's first lock.
        journal.take_seq(session)
        session.info.setdefault(_PENDING, []).append(pending)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    batches: list[_Pending] = session.info.pop(_PENDING, [])
    if not batches:
        return
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
    journal.record(session, rows)
    renamed = repository.points_changed_where(organization_ids=organizations)
    if renamed is not None:
        journal.record_selected(session, renamed)
    # Read model (issue #15): the stored documents of what this flush touched, every time
    # (not only what is logged for the first time in the transaction).
    documents.refresh(
        session,
        point_ids=[p.id for batch in batches for p in batch.points],
        public_ids=[r.key for batch in batches for r in batch.rows if r.kind == "point"],
        organization_ids=organizations,
    )


def _bulk_statement(state: ORMExecuteState) -> None:
    """An ORM ``UPDATE``/``DELETE`` of alerts (no flush sees it) still moves the data version,
    so the alerts cached by :mod:`app.alerts.coverage` in every process are read again."""
    mapper = state.bind_mapper
    writes = state.is_update or state.is_delete
    if writes and mapper is not None and mapper.class_ in (Alert, AlertTranslation):
        journal.take_seq(state.session)


_LISTENERS = (
    ("before_flush", _before_flush),
    ("do_orm_execute", _bulk_statement),
    ("after_flush", _after_flush),
)


def install(target: Any = Session) -> None:
    """Log every ORM write of synced data through sessions of ``target`` (the ``Session``
    class: every session of the process), with the journal's own listeners. Idempotent."""
    journal.install(target)
    documents_hooks.install(target)
    for name, fn in _LISTENERS:
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def installed(target: Any = Session) -> bool:
    return journal.installed(target) and all(
        event.contains(target, name, fn) for name, fn in _LISTENERS
    )


def uninstall(target: Any = Session) -> None:
    """Remove the listeners :func:`install` registered (tests of the uninstalled state)."""
    for name, fn in _LISTENERS:
        if event.contains(target, name, fn):
            event.remove(target, name, fn)
    documents_hooks.uninstall(target)
    journal.uninstall(target)
