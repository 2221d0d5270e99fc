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
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, delete, insert, or_, select
from sqlalchemy.orm import Session

from app.documents.models import DocumentSetting, PointDocument
from app.i18n.negotiation import LanguagePreference, negotiate
from app.languages.models import Language
from app.public_points.rendering import PointView, Rendered
from app.service_points import offline
from app.service_points import records as repository
from app.service_points.freshness import fresh_since
from app.service_points.models import PointStatus, ServicePoint, ServicePointTranslation
from app.service_points.records import PointRecord
from app.settings import Settings

__all__ = [
    "OFFLINE_VIEW",
    "VIEWS",
    "Parts",
    "built_default_language",
    "parts_of",
    "rebuild",
    "refresh",
    "refresh_language",
    "render_rows",
]

VIEWS: tuple[PointView, ...] = ("full", "summary")
# The offline record of sync pages and bundles, every language in one row (key ``""``).
OFFLINE_VIEW = "sync"
K = TypeVar("K", int, str)
_MARK = b',"lang_fallback":'
_BATCH = 500
_DEFAULT_SETTING = "default_language"
_INFO_DEFAULT = "rumbo.documents.default_language"
_doc: Table = PointDocument.__table__  # type: ignore[assignment]
_setting: Table = DocumentSetting.__table__  # type: ignore[assignment]
_sp: Table = ServicePoint.__table__  # type: ignore[assignment]
_tr: Table = ServicePointTranslation.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Parts:
    """One rendering cut where the request decides: ``head`` + ``true``/``false`` +
    ``tail`` is the static shape without its closing brace."""

    head: bytes
    tail: bytes
    verification: bytes
    served: str


def parts_of(rendered: Rendered) -> Parts:
    """Cut a rendering at its ``lang_fallback`` value (the first such key: inside a JSON
    string a quote is escaped, so the marker cannot occur in a text)."""
    at = rendered.head.index(_MARK) + len(_MARK)
    rest = rendered.head[at:]
    flag = 4 if rest.startswith(b"true") else 5
    return Parts(rendered.head[:at], rest[flag:], rendered.verification, rendered.lang)


def _microseconds(stamp: dt.datetime | None) -> int | None:
    if stamp is None:
        return None
    delta = stamp - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _preferences(
    tags: Iterable[str], default: str
) -> tuple[LanguagePreference, list[tuple[str, LanguagePreference, frozenset[str]]]]:
    """The preference of a request naming no language, and per tag its preference and the
    languages it reads before the default ones (a point with none of them renders as for
    no language, but for ``lang_fallback``, which is spliced at read time)."""
    base = negotiate(lang=None, accept_language=None, default=default, supported=())
    keyed = []
    for tag in sorted(set(tags)):
        pref = negotiate(lang=tag, accept_language=None, default=default, supported=())
        keyed.append((tag, pref, frozenset(pref.requested_expanded)))
    return base, keyed


def render_rows(
    records: Iterable[PointRecord], *, tags: Iterable[str], default: str
) -> Iterator[dict[str, Any]]:
    """The document rows of ``records`` (public records: ``repository.load_records``)."""
    base, keyed = _preferences(tags, default)
    for record in records:
        common = {
            "point_id": record.id,
            "public_id": record.public_id,
            "version": record.version,
            "published": record.status == PointStatus.published.value,
            "opening_hours": record.opening_hours,
            "timezone": record.timezone,
            "country": record.country,
            "fresh_since_us": _microseconds(
                fresh_since(record.last_verified_at, record.source_as_of)
            ),
            "location_precision": record.location_precision,
            "lat": record.lat,
            "lon": record.lon,
        }
        have = record.translations.keys()
        for view in VIEWS:
            plain = parts_of(Rendered.of(record, base, view))
            yield _row(common, view, "", plain)
            for tag, pref, reads in keyed:
                if reads.isdisjoint(have):
                    continue
                parts = parts_of(Rendered.of(record, pref, view))
                if parts != plain:
                    yield _row(common, view, tag, parts)
        stored = offline.stored_parts(record)
        if stored is not None:
            yield {
                **common,
                "view": OFFLINE_VIEW,
                "lang": "",
                "served": record.original_language,
                "head": stored[0],
                "tail": stored[1],
                "verification": b"",
            }


def _row(common: dict[str, Any], view: str, lang: str, parts: Parts) -> dict[str, Any]:
    return {
        **common,
        "view": view,
        "lang": lang,
        "served": parts.served,
        "head": parts.head,
        "tail": parts.tail,
        "verification": parts.verification,
    }


def built_default_language(connection: Connection) -> str | None:
    """The default language the stored documents were built with (None: never built)."""
    found = connection.execute(
        select(DocumentSetting.value).where(DocumentSetting.name == _DEFAULT_SETTING)
    ).scalar()
    return str(found) if found is not None else None


def _default_language(session: Session) -> str:
    """The default language to build with: the one the documents were built with, or
    (never built) the settings' default."""
    found: str | None = session.info.get(_INFO_DEFAULT)
    if found is None:
        connection = session.connection()
        found = built_default_language(connection)
        if found is None:
            found = str(Settings.model_fields["default_language"].default)
            _set_default(connection, found)
        session.info[_INFO_DEFAULT] = found
    return found


def _set_default(connection: Connection, value: str) -> None:
    connection.execute(delete(_setting).where(_setting.c.name == _DEFAULT_SETTING))
    connection.execute(insert(_setting).values(name=_DEFAULT_SETTING, value=value))


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
        rows = list(render_rows(records.values(), tags=tags, default=default))
        if rows:
            connection.execute(insert(_doc), rows)


def refresh_language(session: Session, tag: str) -> None:
    """A language added or enabled: the points it reads differently get their rows."""
    pref = negotiate(lang=tag, accept_language=None, default="und", supported=())
    reads = sorted(set(pref.requested_expanded))
    ids = session.connection().execute(
        select(_tr.c.point_id).where(_tr.c.lang.in_(reads)).distinct()
    )
    refresh(session, point_ids=list(ids.scalars()))


def rebuild(session: Session, *, default_language: str) -> int:
    """Every stored document again (settings changed, or an upgrade): returns how many
    points have documents."""
    connection = session.connection()
    connection.execute(delete(_doc))
    _set_default(connection, default_language)
    session.info[_INFO_DEFAULT] = default_language
    ids = list(
        connection.execute(
            select(_sp.c.id)
            .where(_sp.c.status != PointStatus.draft.value, _sp.c.deleted_at.is_(None))
            .order_by(_sp.c.id)
        ).scalars()
    )
    _write(session, ids)
    return len(ids)
