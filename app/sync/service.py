"""Delta sync: a snapshot, then the changes since a cursor, for one country or map area.

Without a cursor a client gets a snapshot (``reset: true`` on its first page: replace the
local copy). With one it gets, for every record changed since, either the record as it is
now or a tombstone (``deleted``) when it was deleted, unpublished, permanently closed or left
the scope. Pages follow the change sequence in order and stop at the sequence read when the
delta began, so a change committed meanwhile is delivered by the next sync, never skipped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from typing import Any, ClassVar

import orjson
from sqlalchemy.orm import Session

from app.alerts import offline as alerts_offline
from app.errors import Gone
from app.journal import repository as journal_repository
from app.metrics import observe_sync_build
from app.service_areas import offline as areas_offline
from app.service_points.offline import fragment
from app.signing import validity
from app.sync import cursor as cursors
from app.sync import records, repository
from app.sync.cursor import SyncCursor
from app.sync.scope import Languages, Scope
from app.versioned_cache import VersionedCache

__all__ = [
    "SYNC_FORMAT",
    "SyncExpired",
    "alerts",
    "area_services",
    "countries",
    "prune",
    "sync_page",
    "taxonomy",
]

SYNC_FORMAT = "rumbo-sync/1"
_KIND_LISTS = {
    "point": "points",
    "category": "categories",
    "audience": "audiences",
    "feedback_tag": "feedback_tags",
    "country": "countries",
    "alert": "alerts",
    "area_service": "area_services",
}
# Every snapshot starts with the taxonomy and the country's information, which change
# rarely: kept rendered per data version (so never older than what another process wrote).
_TAXONOMY: VersionedCache[dict[str, Any]] = VersionedCache()
_COUNTRIES: VersionedCache[Any] = VersionedCache()
_ALERTS: VersionedCache[list[tuple[dt.datetime, Any]]] = VersionedCache()
_AREAS: VersionedCache[Any] = VersionedCache()


class SyncExpired(Gone):
    """The cursor predates the retained change history, or comes from another database."""

    slug: ClassVar[str] = "sync-cursor-expired"
    title: ClassVar[str] = "Sync again from the start"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, full_resync=True)


class CursorAhead(SyncExpired):
    """The cursor names changes this database has not seen: on a read replica that lags
    behind the primary (the caller then asks the primary), or a cursor of another server."""


def _check(position: SyncCursor, epoch: str, state: journal_repository.Counter) -> None:
    if not cursors.same_epoch(epoch, state.epoch):
        raise SyncExpired("this cursor comes from another database; sync without `since`")
    if position.since > state.value or (position.high or 0) > state.value:
        raise CursorAhead("this cursor is ahead of the server's history; sync without `since`")
    if not position.in_snapshot and position.since < state.horizon:
        raise SyncExpired(
            "this cursor is older than the change history the server keeps; sync without `since`"
        )


def taxonomy(session: Session, languages: Languages) -> dict[str, Any]:
    """Every category, audience and feedback tag (lists dumped once per data version)."""

    def build() -> dict[str, Any]:
        return {
            "categories": fragment(
                [records.category_record(c, languages) for c in repository.categories(session)]
            ),
            "audiences": fragment(
                [records.audience_record(a, languages) for a in repository.audiences(session)]
            ),
            "feedback_tags": fragment(
                [
                    records.feedback_tag_record(t, languages)
                    for t in repository.feedback_tags(session)
                ]
            ),
        }

    return _TAXONOMY.get(session, (languages.tags, languages.default), build)


def countries(
    session: Session, code: str, languages: Languages, *, supported: frozenset[str]
) -> Any:
    """The list of the one country's record (dumped once per data version)."""

    def build() -> Any:
        return fragment([records.country_record(session, code, languages, supported=supported)])

    return _COUNTRIES.get(session, (code, languages.tags, languages.default, supported), build)


def alerts(session: Session, country: str, languages: Languages) -> list[Any]:
    """The country's alerts that have not expired (rendered once per data version)."""

    def build() -> list[tuple[dt.datetime, Any]]:
        published = alerts_offline.published_records(session, country, languages.pick)
        return [(expires, orjson.Fragment(records.dump(record))) for expires, record in published]

    key = (country, languages.tags, languages.default)
    return alerts_offline.carried_at(_ALERTS.get(session, key, build))


def area_services(session: Session, country: str, languages: Languages) -> Any:
    """The country's area services (dumped once per data version)."""

    def build() -> Any:
        return fragment(areas_offline.country_records(session, country, languages.pick))

    return _AREAS.get(session, (country, languages.tags, languages.default), build)


def _snapshot_page(
    session: Session,
    *,
    scope: Scope,
    languages: Languages,
    position: SyncCursor,
    limit: int,
    supported: frozenset[str],
) -> tuple[dict[str, Any], SyncCursor, bool]:
    assert position.high is not None
    payload: dict[str, Any] = {}
    if not position.after_point:
        payload["reset"] = True
        payload.update(taxonomy(session, languages))
        if scope.country is not None:
            payload["countries"] = countries(session, scope.country, languages, supported=supported)
            payload["alerts"] = alerts(session, scope.country, languages)
            payload["area_services"] = area_services(session, scope.country, languages)
    ids = repository.snapshot_ids(
        session, scope=scope, after_id=position.after_point or 0, limit=limit + 1
    )
    more = len(ids) > limit
    ids = ids[:limit]
    payload["points"] = records.page_points(session, ids, languages)
    if more:
        return payload, replace(position, after_point=ids[-1]), True
    return payload, SyncCursor(since=position.high), False


def _coded_records(
    session: Session, kind: str, codes: list[str], languages: Languages
) -> dict[str, dict[str, Any]]:
    """Categories, audiences or feedback tags by code (absent codes were deleted)."""
    if kind == "category":
        return {
            c.code: records.category_record(c, languages)
            for c in repository.categories(session, codes)
        }
    if kind == "audience":
        return {
            a.code: records.audience_record(a, languages)
            for a in repository.audiences(session, codes)
        }
    return {
        t.code: records.feedback_tag_record(t, languages)
        for t in repository.feedback_tags(session, codes)
    }


def _resolve(
    session: Session,
    keys: dict[str, list[str]],
    *,
    scope: Scope,
    languages: Languages,
    supported: frozenset[str],
) -> dict[str, Any]:
    """Each changed key as its current record, or a tombstone."""
    payload: dict[str, Any] = {}
    deleted: dict[str, list[str]] = defaultdict(list)
    for kind, wanted in keys.items():
        name = _KIND_LISTS[kind]
        out: list[Any] = []
        if kind == "point":
            points = repository.points_by_public_id(session, wanted)
            shown = {
                key: point.id
                for key, point in points.items()
                if records.is_public(point)
                and scope.contains(point.country, point.public_lat, point.public_lon)
            }
            stored = records.point_records(session, list(shown.values()), languages)
            for key in wanted:
                if key in shown and shown[key] in stored:
                    out.append(stored[shown[key]])
                else:
                    deleted[name].append(key)
        elif kind == "alert":
            out, gone = alerts_offline.resolve(session, wanted, scope.country, languages.pick)
            deleted[name].extend(gone)
        elif kind == "area_service":
            out, gone = areas_offline.resolve(session, wanted, scope.country, languages.pick)
            deleted[name].extend(gone)
        elif kind == "country":
            out = [
                records.country_record(session, key, languages, supported=supported)
                for key in wanted
                if key == scope.country
            ]
        else:
            found = _coded_records(session, kind, wanted, languages)
            for key in wanted:
                if key in found:
                    out.append(found[key])
                else:
                    deleted[name].append(key)
        payload[name] = out
    payload["deleted"] = dict(deleted)
    return payload


def _delta_page(
    session: Session,
    *,
    scope: Scope,
    languages: Languages,
    position: SyncCursor,
    limit: int,
    supported: frozenset[str],
) -> tuple[dict[str, Any], SyncCursor, bool]:
    assert position.high is not None
    rows = repository.changes(
        session,
        scope=scope,
        since=position.since,
        high=position.high,
        after=position.after_change,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    keys: dict[str, dict[str, None]] = defaultdict(dict)
    for row in rows:
        if row.kind in _KIND_LISTS:
            keys[row.kind][row.key] = None
    payload = _resolve(
        session,
        {kind: list(found) for kind, found in keys.items()},
        scope=scope,
        languages=languages,
        supported=supported,
    )
    if more:
        return payload, replace(position, after_change=(rows[-1].seq, rows[-1].id)), True
    if scope.country is not None and (
        expired := alerts_offline.expired_ids(session, scope.country)
    ):
        # Expiry is not a write: the last page of a delta names the recently expired.
        gone = payload["deleted"].setdefault("alerts", [])
        gone.extend(key for key in expired if key not in gone)
    return payload, SyncCursor(since=position.high), False


def sync_page(
    session: Session,
    *,
    scope: Scope,
    languages: Languages,
    since: str | None,
    limit: int,
    supported: frozenset[str],
    valid_days: int,
) -> dict[str, Any]:
    """One page of a sync: records, tombstones, the next ``cursor`` and whether ``more``;
    when it was made (to the hour, so an unchanged page keeps its ETag) and until when it
    holds, both signed with it."""
    # Read first: every change numbered up to this value is committed and visible below.
    state = journal_repository.counter(session)
    fingerprint = cursors.fingerprint(scope, languages)
    if since is None:
        position = SyncCursor(since=0, high=state.value, after_point=0)
    else:
        epoch, position = cursors.decode(since, fingerprint=fingerprint)
        _check(position, epoch, state)
    if position.high is None:
        position = replace(position, high=state.value)
    page = _snapshot_page if position.in_snapshot else _delta_page
    kind = "snapshot_page" if position.in_snapshot else "delta_page"
    with observe_sync_build(kind):
        payload, following, more = page(
            session,
            scope=scope,
            languages=languages,
            position=position,
            limit=limit,
            supported=supported,
        )
    head: dict[str, Any] = {"format": SYNC_FORMAT}
    if scope.country is not None:
        head["country"] = scope.country
    if languages.tags is not None:
        head["langs"] = list(languages.tags)
    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return {
        **head,
        **payload,
        **validity.window(hour, valid_days),
        "cursor": cursors.encode(following, epoch=state.epoch, fingerprint=fingerprint),
        "more": more,
    }


def prune(session: Session, *, older_than: dt.timedelta) -> tuple[int, int]:
    """Forget changes older than ``older_than``; returns (horizon, rows removed)."""
    return journal_repository.prune_changes(session, before=dt.datetime.now(dt.UTC) - older_than)
