"""Writing the stored documents: rendered by the API's own rendering code, in the same
transaction as the change that made them out of date.

:func:`refresh` is the one entry point of every write path: the session listener of
``app.sync.tracking`` calls it for the points (and organisations) an ORM flush touched,
``app.service_points.bulk`` for each import batch, the language listener in
:mod:`app.documents.hooks` for the points a new language reads differently, and
:func:`rebuild` for all of them (``rumbo documents rebuild``, ``rumbo migrate``, seed).

A point's documents are rendered from the same :class:`~app.service_points.rendering.
PointRecord` the search renders from (``repository.load_records``: the public location, no
street address unless exact), for each view and for each language key whose rendering can
differ from the one for a request naming no language (see :mod:`app.documents.models`),
and its offline record for sync pages and bundles (:data:`OFFLINE_VIEW`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from app.documents.models import DocumentSetting, PointDocument
from app.documents.rows import (
    FORMAT,
    FORMAT_SETTING,
    OFFLINE_VIEW,
    VIEWS,
    current_format,
    render_rows,
)
from app.i18n.negotiation import negotiate
from app.languages.models import Language
from app.organizations.models import Organization
from app.service_points import opening_weeks
from app.service_points import records as repository
from app.service_points.bulk import WrittenBatch
from app.service_points.models import PointStatus, ServicePoint, ServicePointTranslation
from app.service_points.records import OrganizationStamp, record_of_state
from app.settings import Settings
from app.sqlite import refresh_statistics

__all__ = [
    "OFFLINE_VIEW",
    "built_default_language",
    "rebuild",
    "rebuild_in_batches",
    "refresh",
    "refresh_batch",
    "refresh_hours",
    "refresh_language",
]

K = TypeVar("K", int, str)
_BATCH = 500
_DEFAULT_SETTING = "default_language"
# Present while ``rumbo documents rebuild`` runs batch after batch: the stored documents are
# incomplete, so readers serve from the rendering path (and a crashed rebuild is redone).
_REBUILDING_SETTING = "rebuilding"
_FORMAT_SETTING = FORMAT_SETTING
_INFO_DEFAULT = "rumbo.documents.default_language"
_doc: Table = PointDocument.__table__  # type: ignore[assignment]
_setting: Table = DocumentSetting.__table__  # type: ignore[assignment]
_sp: Table = ServicePoint.__table__  # type: ignore[assignment]
_tr: Table = ServicePointTranslation.__table__  # type: ignore[assignment]


def built_default_language(connection: Connection) -> str | None:
    """The default language the stored documents were built with (None: never built, built
    by a release that stored another format, or a rebuild is under way or was cut short:
    they are incomplete)."""
    rows = connection.execute(
        select(_setting.c.name, _setting.c.value).where(
            _setting.c.name.in_((_DEFAULT_SETTING, _REBUILDING_SETTING, _FORMAT_SETTING))
        )
    )
    found = {row[0]: row[1] for row in rows}
    if _REBUILDING_SETTING in found or not current_format(found.get(_FORMAT_SETTING)):
        return None
    value = found.get(_DEFAULT_SETTING)
    return str(value) if value is not None else None


def _stored_default(connection: Connection) -> str | None:
    """The default language documents are written with (a rebuild's, while it runs)."""
    found = connection.execute(
        select(_setting.c.value).where(_setting.c.name == _DEFAULT_SETTING)
    ).scalar()
    return str(found) if found is not None else None


def _default_language(session: Session) -> str:
    """The default language to build with: the one the documents were built with, or
    (never built) the settings' default."""
    found: str | None = session.info.get(_INFO_DEFAULT)
    if found is None:
        connection = session.connection()
        found = _stored_default(connection)
        if found is None:
            found = str(Settings.model_fields["default_language"].default)
            _set_default(connection, found)
            _set_rebuilding(connection, False)
        session.info[_INFO_DEFAULT] = found
    return found


def _set_default(connection: Connection, value: str) -> None:
    connection.execute(delete(_setting).where(_setting.c.name == _DEFAULT_SETTING))
    connection.execute(insert(_setting).values(name=_DEFAULT_SETTING, value=value))


def _set_rebuilding(connection: Connection, rebuilding: bool) -> None:
    """Mark the documents incomplete, or complete and in this release's format."""
    names = (_REBUILDING_SETTING, _FORMAT_SETTING)
    connection.execute(delete(_setting).where(_setting.c.name.in_(names)))
    if rebuilding:
        connection.execute(insert(_setting).values(name=_REBUILDING_SETTING, value="1"))
    else:
        connection.execute(insert(_setting).values(name=_FORMAT_SETTING, value=str(FORMAT)))


def _tags(connection: Connection) -> list[str]:
    """Every language of the catalogue, enabled or not (reads only ever ask for enabled
    ones, a subset, however stale a process's list of them is)."""
    return list(connection.execute(select(Language.tag)).scalars())


def _chunks(ids: Sequence[K], size: int = _BATCH) -> Iterator[list[K]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def refresh(
    session: Session,
    *,
    point_ids: Collection[int] = (),
    public_ids: Collection[str] = (),
    organization_ids: Collection[str] = (),
) -> None:
    """Make the stored documents of these points current, in ``session``'s transaction:
    points by id, points deleted (by public id: their rows may be gone), and every point
    of these organisations (owner or verifier: both names are shown)."""
    if not (point_ids or public_ids or organization_ids):
        return
    connection = session.connection()
    if public_ids:
        for chunk in _chunks(sorted(set(public_ids))):
            connection.execute(delete(_doc).where(_doc.c.public_id.in_(chunk)))
    ids: set[int] = set(point_ids)
    if organization_ids:
        owners = sorted(organization_ids)
        ids.update(
            connection.execute(
                select(_sp.c.id).where(
                    or_(
                        _sp.c.organization_id.in_(owners),
                        _sp.c.verified_by_organization_id.in_(owners),
                    )
                )
            ).scalars()
        )
    if ids:
        _write(session, sorted(ids))


def _write(session: Session, ids: Sequence[int]) -> None:
    connection = session.connection()
    default = _default_language(session)
    tags = _tags(connection)
    for chunk in _chunks(ids):
        connection.execute(delete(_doc).where(_doc.c.point_id.in_(chunk)))
        shown = list(
            connection.execute(
                select(_sp.c.id).where(
                    _sp.c.id.in_(chunk),
                    _sp.c.status != PointStatus.draft.value,
                    _sp.c.deleted_at.is_(None),
                )
            ).scalars()
        )
        if not shown:
            continue
        records = repository.load_records(session, shown)
        _insert(connection, render_rows(records.values(), tags=tags, default=default))


def refresh_batch(session: Session, batch: WrittenBatch) -> None:
    """The documents of the points a bulk write batch wrote (an import), from the states it
    wrote: :func:`refresh` without reading them back, in a few statements per batch."""
    connection = session.connection()
    changed = [p.id for p in batch.points if not p.created]
    for chunk in _chunks(changed):
        connection.execute(delete(_doc).where(_doc.c.point_id.in_(chunk)))
    shown = [
        p
        for p in batch.points
        if p.state.status != PointStatus.draft.value and p.state.deleted_at is None
    ]
    if not shown:
        return
    wanted = {batch.organization_id}
    wanted.update(v for p in shown if (v := p.state.verified_by_organization_id))
    stamps = _organizations(connection, wanted)
    owner = stamps[batch.organization_id]
    records = (
        record_of_state(
            p.id,
            p.public_id,
            p.version,
            p.state,
            updated_at=batch.updated_at,
            organization=owner,
            verified_by=stamps[v] if (v := p.state.verified_by_organization_id) else None,
        )
        for p in shown
    )
    _insert(
        connection,
        render_rows(records, tags=_tags(connection), default=_default_language(session)),
    )


def _organizations(connection: Connection, ids: Collection[str]) -> dict[str, OrganizationStamp]:
    found = connection.execute(
        select(
            Organization.id, Organization.slug, Organization.name, Organization.updated_at
        ).where(Organization.id.in_(sorted(ids)))
    )
    return {row.id: OrganizationStamp(row.slug, row.name, row.updated_at) for row in found}


# The insert of document rows as the driver runs it, per dialect: the bytes go to the
# driver as they are (SQLAlchemy's binary processing costs more than the insert itself).
_INSERTS: dict[str, tuple[str, tuple[str, ...] | None]] = {}
_ROWS_PER_STATEMENT = 2000


def _insert(connection: Connection, rendered: Iterable[dict[str, Any]]) -> None:
    rows = iter(rendered)
    dialect = connection.dialect
    found = _INSERTS.get(dialect.name)
    if found is None:
        compiled = insert(_doc).compile(dialect=dialect)
        names = tuple(compiled.positiontup or ()) if compiled.positional else None
        found = _INSERTS[dialect.name] = (compiled.string, names)
    sql, names = found
    # A few thousand rows per statement: a batch's rows are never all in memory at once.
    while chunk := list(islice(rows, _ROWS_PER_STATEMENT)):
        params = [tuple(row[n] for n in names) for row in chunk] if names is not None else chunk
        connection.exec_driver_sql(sql, params)


def refresh_language(session: Session, tag: str) -> None:
    """A language added or enabled: the points it reads differently get their rows."""
    pref = negotiate(lang=tag, accept_language=None, default="und", supported=())
    reads = sorted(set(pref.requested_expanded))
    ids = session.connection().execute(
        select(_tr.c.point_id).where(_tr.c.lang.in_(reads)).distinct()
    )
    refresh(session, point_ids=list(ids.scalars()))


def _shown_ids(connection: Connection) -> list[int]:
    return list(
        connection.execute(
            select(_sp.c.id)
            .where(_sp.c.status != PointStatus.draft.value, _sp.c.deleted_at.is_(None))
            .order_by(_sp.c.id)
        ).scalars()
    )


def rebuild(session: Session, *, default_language: str) -> int:
    """Every stored document again (settings changed, or an upgrade), in ``session``'s
    transaction: returns how many points have documents."""
    connection = session.connection()
    connection.execute(delete(_doc))
    _set_default(connection, default_language)
    _set_rebuilding(connection, False)
    session.info[_INFO_DEFAULT] = default_language
    ids = _shown_ids(connection)
    _write(session, ids)
    return len(ids)


def rebuild_in_batches(
    sessions: Callable[[], Session], *, default_language: str, per_transaction: int
) -> int:
    """:func:`rebuild` in one short transaction per ``per_transaction`` points (a large
    database's rebuild neither holds the write lock for minutes nor grows SQLite's
    write-ahead log past what its lookups afford: they cost time in its size).

    The first transaction empties the documents and marks them incomplete, so that readers
    serve from the rendering path meanwhile (:func:`built_default_language` is None); writes
    meanwhile store their points' documents as usual, with ``default_language``, and a batch
    renders its points from their state when it runs. The last transaction marks the
    documents complete; a rebuild cut short leaves them marked incomplete, and
    ``rumbo migrate`` (:func:`app.documents.cli.ensure_built`) runs it again."""
    with sessions() as session, session.begin():
        connection = session.connection()
        connection.execute(delete(_doc))
        _set_default(connection, default_language)
        _set_rebuilding(connection, True)
        ids = _shown_ids(connection)
    for start in range(0, len(ids), per_transaction):
        with sessions() as session, session.begin():
            session.info[_INFO_DEFAULT] = default_language
            _write(session, ids[start : start + per_transaction])
    with sessions() as session, session.begin():
        _set_rebuilding(session.connection(), False)
    with sessions() as session, session.begin():
        refresh_statistics(session.connection(), _doc.name)
    return len(ids)


def refresh_hours(
    session: Session, *, now: dt.datetime, within: dt.timedelta, limit: int | None = None
) -> int:
    """Precompute again the opening hours of the points (at most ``limit``) whose horizon
    ends before ``now + within`` (or was never computed), over the weeks from ``now``;
    returns how many points.
    A point written meanwhile keeps what its writer stored: a row is updated only while it
    still holds the hours it was computed from."""
    connection = session.connection()
    horizon = opening_weeks.horizon_at(now)
    cutoff = opening_weeks.epoch_minute(now + within)
    due = connection.execute(
        select(_doc.c.point_id, _doc.c.opening_hours, _doc.c.timezone, _doc.c.country)
        .where(
            _doc.c.view == VIEWS[0],
            _doc.c.lang == "",
            or_(_doc.c.hours_until.is_(None), _doc.c.hours_until < min(cutoff, horizon[1])),
        )
        .order_by(_doc.c.point_id)
        .limit(limit)
    ).all()
    statement = (
        update(_doc)
        .where(
            _doc.c.point_id == bindparam("pid"),
            _doc.c.opening_hours.is_not_distinct_from(bindparam("oh")),
            _doc.c.timezone.is_not_distinct_from(bindparam("tz")),
            _doc.c.country == bindparam("cc"),
        )
        .values(hours=bindparam("h"), hours_until=bindparam("u"))
    )
    for start in range(0, len(due), _BATCH):
        rows = [
            {
                "pid": pid,
                "oh": expression,
                "tz": timezone,
                "cc": country,
                "h": opening_weeks.week_changes(expression, timezone, country, horizon),
                "u": horizon[1],
            }
            for pid, expression, timezone, country in due[start : start + _BATCH]
        ]
        connection.execute(statement, rows)
    return len(due)
