"""Public reads of service points: search, one point, rendering in a language.

The read path is built for phones on slow links hitting a two-core server: candidates come
from the search backend as ids, the page's points are loaded set-based as plain records
(three queries, no ORM objects), their language-dependent rendering is cached per (point
version, language preference, view) as JSON bytes, and the page is assembled from those
bytes (no pydantic re-validation on the hot path).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.db import Database
from app.geo.base import Candidate, NearestCursor, PostFilter, SearchBackend
from app.geo.corridor import AlongCursor, FetchPieces, RouteCandidate, walk_corridor
from app.i18n.content import body_languages
from app.i18n.negotiation import LanguagePreference
from app.metrics import observe_search
from app.public_points.composition import alerts_on, area_services_near
from app.public_points.dependencies import PointQuery
from app.public_points.rendering import (
    PointView,
    RenderCache,
    Rendered,
    dump,
    finish,
    open_at,
)
from app.public_points.repository import has_open_task, load_rows_with_tasks
from app.service_points import repository
from app.service_points.records import PointRecord, load_children
from app.tasks import service as tasks_service
from app.taxonomy import service as taxonomy_service
from app.web.cursors import decode_cursor, encode_cursor, query_fingerprint

__all__ = [
    "PageOut",
    "read_slots",
    "renderings_of",
    "search",
    "search_points",
]


@dataclass(slots=True)
class PageOut:
    """One page of public points: each item already JSON (``ServicePointRead`` shape, or
    ``ServicePointSummary`` with ``view=summary``)."""

    items: list[bytes]
    next_cursor: str | None
    lang: str
    languages: list[str]
    # ``near`` answers (first page): the services whose area covers the place, apart from
    # the points so that distance order stays honest (``AreaServiceRead`` shape).
    area_services: list[dict[str, Any]] | None = None

    def body(self) -> bytes:
        """The page as JSON (``PointPage`` or ``PointSummaryPage`` shape)."""
        cursor = b'"next_cursor":' + dump(self.next_cursor) + b"," if self.next_cursor else b""
        areas = (
            b'"area_services":' + dump(self.area_services) + b","
            if self.area_services is not None
            else b""
        )
        return (
            b'{"items":['
            + b",".join(self.items)
            + b"],"
            + cursor
            + areas
            + b'"lang":'
            + dump(self.lang)
            + b"}"
        )


def read_slots(database: Database) -> int:
    """How many searches may run at once: the read pool's size. Past it the pool opens and
    closes a connection per request (on SQLite: pragmas and a cold page cache each time)."""
    size = getattr(database.read_engine.pool, "size", None)
    return max(2, int(size())) if callable(size) else 8


def search(
    database: Database,
    backend: SearchBackend,
    query: PointQuery,
    *,
    pref: LanguagePreference,
    stale_after: dt.timedelta,
    cache: RenderCache,
    primary: bool = False,
) -> PageOut:
    """:func:`search_points` in a read session of its own (read replica when configured,
    unless ``primary``: staff read their own writes)."""
    with (
        observe_search(query.mode, database.dialect),
        database.reader(primary=primary)() as session,
    ):
        return search_points(
            session, backend, query, pref=pref, stale_after=stale_after, cache=cache
        )


@dataclass(frozen=True, slots=True)
class FoundPage:
    page: list[Candidate]
    next_cursor: str | None
    categories: set[str]


def find_page(
    session: Session,
    backend: SearchBackend,
    query: PointQuery,
    *,
    post_filter: PostFilter | None = None,
    corridor_source: FetchPieces | None = None,
) -> FoundPage:
    """The candidates of one page of ``query`` (filters, cursor, the search backend) and the
    cursor of the next: shared by the rendering path and the stored documents' hot path.

    ``corridor_source``: where a ``route`` search finds its candidates instead of the
    backend (the grid index, which applies the country and free filters itself; the
    caller passes it only for queries with no other filter)."""
    categories = (
        taxonomy_service.expand_categories(session, query.categories, parameter="category")
        if query.categories
        else set()
    )
    if query.audiences:
        taxonomy_service.validate_audiences(
            session, query.audiences, location="query", name="audience"
        )
    where = repository.filter_clauses(
        categories=categories,
        audiences=query.audiences,
        spoken_languages=query.spoken_languages,
        countries=query.countries,
        free=query.free,
        verified_since=query.verified_since,
    )
    spatial = query.near is not None or query.bbox is not None or query.route is not None
    if query.q and spatial:
        where.append(backend.text_match(session, query.q))
    fingerprint = query_fingerprint(query.fingerprint_parts())
    position = decode_cursor(query.cursor, fingerprint=fingerprint) if query.cursor else {}
    # One extra row tells whether a next page exists.
    fetch = query.limit + 1
    candidates: list[Candidate]
    after = (
        NearestCursor(
            distance_m=float(position["d"]), id=int(position["i"]), span_m=_span(position)
        )
        if position and "d" in position
        else None
    )
    if query.near is not None:
        candidates = backend.nearest(
            session,
            lat=query.near[0],
            lon=query.near[1],
            radius_m=query.radius_m,
            limit=fetch,
            where=where,
            after=after,
            post_filter=post_filter,
        )
    elif query.route is not None:
        along_after = (
            AlongCursor(along_m=float(position["a"]), id=int(position["i"]))
            if "a" in position
            else None
        )
        if corridor_source is not None:
            # The source applies country and free only: no other filter may be asked.
            others = (categories, query.audiences, query.spoken_languages, query.q)
            assert not any(others)
            assert query.verified_since is None
            candidates = list(
                walk_corridor(
                    query.route,
                    query.corridor_m,
                    limit=fetch,
                    fetch=corridor_source,
                    after=along_after,
                    post_filter=post_filter,
                )
            )
        else:
            candidates = list(
                backend.along(
                    session,
                    route=query.route,
                    corridor_m=query.corridor_m,
                    limit=fetch,
                    where=where,
                    after=along_after,
                    post_filter=post_filter,
                )
            )
    elif query.bbox is not None:
        candidates = backend.within(
            session,
            bbox=query.bbox,
            limit=fetch,
            where=where,
            after=after,
            post_filter=post_filter,
        )
    else:
        candidates = _list_all(session, backend, query.q, where, position, fetch, post_filter)
    page, extra = candidates[: query.limit], candidates[query.limit :]
    next_cursor = None
    if extra and page:
        last = page[-1]
        payload: dict[str, object] = {"f": fingerprint, "i": last.id}
        if last.distance_m is not None:
            payload["d"] = last.distance_m
            first = page[0].distance_m if page[0].distance_m is not None else last.distance_m
            # How far this page reached: where the next one starts looking (a hint).
            payload["s"] = round(last.distance_m - first, 3)
        if isinstance(last, RouteCandidate):
            payload["a"] = last.along_m
        next_cursor = encode_cursor(payload)
    return FoundPage(page=page, next_cursor=next_cursor, categories=categories)


def search_points(
    session: Session,
    backend: SearchBackend,
    query: PointQuery,
    *,
    pref: LanguagePreference,
    stale_after: dt.timedelta,
    cache: RenderCache,
) -> PageOut:
    """One page of public points matching ``query``, nearest first when ``near`` is given."""
    post_filter = _open_filter(session, query.at) if query.open_now else None
    found = find_page(session, backend, query, post_filter=post_filter)
    page, next_cursor, categories = found.page, found.next_cursor, found.categories
    rendered, flagged = renderings_of(
        session, [c.id for c in page], pref=pref, cache=cache, view=query.view
    )
    warnings = tasks_service.warnings_for(session, flagged) if flagged else {}
    now = dt.datetime.now(dt.UTC)
    shown = [c for c in page if c.id in rendered]
    alerts = alerts_on(session, [rendered[c.id] for c in shown], now)
    items = [
        finish(
            rendered[c.id],
            # A viewport ranks by distance to its centre, but only ``near`` shows it.
            distance_m=c.distance_m if query.near is not None else None,
            at=query.at,
            now=now,
            stale_after=stale_after,
            warnings=warnings.get(c.id),
            warning_texts=(
                tasks_service.warning_texts(warnings[c.id], pref.chain)
                if c.id in warnings
                else None
            ),
            along=(c.along_m, c.off_route_m) if isinstance(c, RouteCandidate) else None,
            alerts=alerts[index],
        )
        for index, c in enumerate(shown)
    ]
    # Absent when none covers the place (as `alerts` on a point).
    areas = (
        area_services_near(session, query, categories, pref) or None
        if query.near is not None and not query.cursor
        else None
    )
    served = [rendered[c.id].lang for c in page if c.id in rendered]
    served += [a["lang"] for a in areas or []]
    languages = body_languages(pref, served)
    return PageOut(
        items=items,
        next_cursor=next_cursor,
        lang=languages[0],
        languages=languages,
        area_services=areas,
    )


def _span(position: dict[str, object]) -> float | None:
    """The previous page's distance span from a cursor (only a hint: any number is safe)."""
    value = position.get("s")
    if isinstance(value, int | float) and math.isfinite(value):
        return max(0.0, float(value))
    return None


def renderings_of(
    session: Session,
    ids: Sequence[int],
    *,
    pref: LanguagePreference,
    cache: RenderCache,
    view: PointView = "full",
) -> tuple[dict[int, Rendered], set[int]]:
    """The renderings of ``ids`` in ``view`` (cached ones whose stamps still match, the
    others rendered from their rows and children, and cached), and the ids that may carry
    warnings."""
    rows = load_rows_with_tasks(session, ids)
    out: dict[int, Rendered] = {}
    missing: dict[int, PointRecord] = {}
    for point_id, row in rows.items():
        found = cache.get(row.stamp, pref, view)
        if found is None:
            missing[point_id] = row.record()
        else:
            out[point_id] = found
    if missing:
        load_children(session, missing)
        for point_id, record in missing.items():
            out[point_id] = cache.put(rows[point_id].stamp, record, pref, view)
    return out, {point_id for point_id, row in rows.items() if has_open_task(row)}


def _list_all(
    session: Session,
    backend: SearchBackend,
    text: str | None,
    where: Sequence[Any],
    position: dict[str, object],
    fetch: int,
    post_filter: PostFilter | None,
) -> list[Candidate]:
    """Points by id; a text search is driven by the full-text index (matches in id order)."""
    after_id = int(str(position["i"])) if position else None
    out: list[Candidate] = []
    batch = fetch if post_filter is None else fetch * 2
    while len(out) < fetch:
        ids = (
            backend.text_ids(session, text, where=where, after_id=after_id, limit=batch)
            if text
            else repository.list_ids(session, where=where, after_id=after_id, limit=batch)
        )
        if not ids:
            break
        allowed = set(ids) if post_filter is None else post_filter(ids)
        out.extend(Candidate(id=i) for i in ids if i in allowed)
        if len(ids) < batch:
            break
        after_id = ids[-1]
    return out[:fetch]


def _open_filter(session: Session, at: dt.datetime) -> PostFilter:
    def keep_open(ids: Sequence[int]) -> set[int]:
        return {
            pid
            for pid, hours, tz, country in repository.hours_of(session, ids)
            if open_at(hours, tz, country, at)
        }

    return keep_open
