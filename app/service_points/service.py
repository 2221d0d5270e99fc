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

from app.alerts.coverage import active_set
from app.db import Database
from app.errors import NotFound
from app.geo.base import Candidate, NearestCursor, PostFilter, SearchBackend
from app.geo.corridor import AlongCursor, RouteCandidate
from app.geo.text import normalise_text, query_tokens
from app.i18n.content import body_languages
from app.i18n.negotiation import LanguagePreference
from app.i18n.texts import Text
from app.metrics import observe_search
from app.service_areas import service as area_services
from app.service_areas.coverage import CoveringFilters
from app.service_areas.schemas import AreaServiceRead
from app.service_points import repository
from app.service_points.dependencies import PointQuery
from app.service_points.models import ServicePoint
from app.service_points.rendering import (
    OrganizationStamp,
    PointRecord,
    PointView,
    RenderCache,
    Rendered,
    dump,
    finish,
    open_at,
)
from app.service_points.schemas import ServicePointRead
from app.tasks import service as tasks_service
from app.taxonomy import service as taxonomy_service
from app.web.cursors import decode_cursor, encode_cursor, query_fingerprint

__all__ = [
    "PageOut",
    "PointItem",
    "get_item",
    "get_point",
    "get_point_item",
    "read_slots",
    "render_point",
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
    mode = (
        "near"
        if query.near
        else "bbox"
        if query.bbox
        else "route"
        if query.route
        else "text"
        if query.q
        else "list"
    )
    with observe_search(mode, database.dialect), database.reader(primary=primary)() as session:
        return search_points(
            session, backend, query, pref=pref, stale_after=stale_after, cache=cache
        )


def get_item(
    database: Database,
    public_id: str,
    *,
    pref: LanguagePreference,
    stale_after: dt.timedelta,
    cache: RenderCache,
    primary: bool = False,
) -> PointItem:
    """:func:`get_point_item` in a read session of its own (as :func:`search`)."""
    with database.reader(primary=primary)() as session:
        return get_point_item(session, public_id, pref=pref, stale_after=stale_after, cache=cache)


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
        where.append(backend.text_match(query.q))
    fingerprint = query_fingerprint(query.fingerprint_parts())
    position = decode_cursor(query.cursor, fingerprint=fingerprint) if query.cursor else {}
    post_filter = _open_filter(session, query.at) if query.open_now else None
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
        candidates = list(
            backend.along(
                session,
                route=query.route,
                corridor_m=query.corridor_m,
                limit=fetch,
                where=where,
                after=AlongCursor(along_m=float(position["a"]), id=int(position["i"]))
                if "a" in position
                else None,
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
    rendered, flagged = _rendered(
        session, [c.id for c in page], pref=pref, cache=cache, view=query.view
    )
    warnings = tasks_service.warnings_for(session, flagged) if flagged else {}
    now = dt.datetime.now(dt.UTC)
    shown = [c for c in page if c.id in rendered]
    alerts = _alerts_on(session, [rendered[c.id] for c in shown], now)
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
        _area_services(session, query, categories, pref) or None
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


def _area_services(
    session: Session, query: PointQuery, categories: set[str], pref: LanguagePreference
) -> list[dict[str, Any]]:
    """The area services covering the ``near`` place that pass the query's filters. Filters
    about doors (audience, open now, verified since) cannot be confirmed for them: with one
    of those, none are listed. ``q`` must match their name or description."""
    assert query.near is not None
    if query.audiences or query.open_now or query.verified_since is not None:
        return []
    filters = CoveringFilters(
        categories=frozenset(categories),
        spoken_languages=query.spoken_languages,
        countries=query.countries,
        free=query.free,
    )
    found = area_services.near_place(session, query.near[0], query.near[1], pref, filters)
    if query.q:
        words = query_tokens(query.q)
        found = [
            a
            for a in found
            if all(w in normalise_text(f"{a['name']} {a.get('description') or ''}") for w in words)
        ]
    return [AreaServiceRead(**a).model_dump(mode="json", exclude_none=True) for a in found]


def _alerts_on(session: Session, points: Sequence[Rendered], now: dt.datetime) -> list[list[str]]:
    """For each point, the ids of the active alerts covering it (one small query for the
    request, then in memory)."""
    current = active_set(session, now)
    if not current or not points:
        return [[] for _ in points]
    nowhere = math.nan  # a hidden point: only alerts of its whole country cover it
    return current.covering_many(
        [nowhere if p.lat is None else p.lat for p in points],
        [nowhere if p.lon is None else p.lon for p in points],
        [p.country for p in points],
    )


def _span(position: dict[str, object]) -> float | None:
    """The previous page's distance span from a cursor (only a hint: any number is safe)."""
    value = position.get("s")
    if isinstance(value, int | float) and math.isfinite(value):
        return max(0.0, float(value))
    return None


def _rendered(
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
    rows = repository.load_rows(session, ids)
    out: dict[int, Rendered] = {}
    missing: dict[int, PointRecord] = {}
    for point_id, row in rows.items():
        found = cache.get(row.stamp, pref, view)
        if found is None:
            missing[point_id] = row.record()
        else:
            out[point_id] = found
    if missing:
        repository.load_children(session, missing)
        for point_id, record in missing.items():
            out[point_id] = cache.put(rows[point_id].stamp, record, pref, view)
    return out, {point_id for point_id, row in rows.items() if row.open_task}


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


@dataclass(frozen=True, slots=True)
class PointItem:
    """One public point as JSON, the language its texts are in and its version."""

    body: bytes
    lang: str
    version: int


def get_point_item(
    session: Session,
    public_id: str,
    *,
    pref: LanguagePreference,
    stale_after: dt.timedelta,
    cache: RenderCache,
) -> PointItem:
    """A public point by id, as JSON; drafts and deleted points are not found."""
    point_id = repository.id_by_public_id(session, public_id)
    rendered, flagged = (
        _rendered(session, [point_id], pref=pref, cache=cache) if point_id else ({}, set())
    )
    if point_id is None or point_id not in rendered:
        raise NotFound(Text("point.not_found", id=public_id))
    now = dt.datetime.now(dt.UTC)
    warnings = tasks_service.warnings_for(session, flagged).get(point_id) if flagged else None
    found = rendered[point_id]
    body = finish(
        found,
        distance_m=None,
        at=now,
        now=now,
        stale_after=stale_after,
        warnings=warnings,
        warning_texts=tasks_service.warning_texts(warnings, pref.chain) if warnings else None,
        alerts=_alerts_on(session, [rendered[point_id]], now)[0],
    )
    return PointItem(body=body, lang=found.lang, version=found.version)


def get_point(
    session: Session, public_id: str, *, pref: LanguagePreference, stale_after: dt.timedelta
) -> ServicePointRead:
    """A public point by id as ``ServicePointRead``; drafts and deleted points are not found."""
    item = get_point_item(
        session, public_id, pref=pref, stale_after=stale_after, cache=RenderCache(max_entries=1)
    )
    return ServicePointRead.model_validate_json(item.body)


def _record_of(point: ServicePoint) -> PointRecord:
    def stamp(org: Any) -> OrganizationStamp:
        return OrganizationStamp(org.slug, org.name, org.updated_at)

    return PointRecord(
        id=point.id,
        public_id=point.public_id,
        version=point.version,
        external_id=point.external_id,
        # The staff view (of the point's own organisation): the exact place.
        lat=point.lat,
        lon=point.lon,
        location_precision=point.location_precision,
        country=point.country,
        locality=point.locality,
        timezone=point.timezone,
        phones=point.phones,
        email=point.email,
        website=point.website,
        whatsapp=point.whatsapp,
        opening_hours=point.opening_hours,
        free=point.free,
        status=point.status,
        original_language=point.original_language,
        source_title=point.source_title,
        source_url=point.source_url,
        source_publisher=point.source_publisher,
        source_as_of=point.source_as_of,
        is_sample=point.is_sample,
        last_verified_at=point.last_verified_at,
        updated_at=point.updated_at,
        organization=stamp(point.organization),
        verified_by=stamp(point.verified_by) if point.verified_by else None,
        translations={
            t.lang: {
                "name": t.name,
                "description": t.description,
                "address": t.address,
                "documents_required": t.documents_required,
                "accessibility": t.accessibility,
            }
            for t in point.translations
        },
        categories=point.category_codes,
        audiences=[a.audience_code for a in point.audiences],
        spoken_languages=[lang.lang for lang in point.spoken_languages],
    )


def render_point(
    point: ServicePoint,
    *,
    pref: LanguagePreference,
    distance_m: float | None,
    at: dt.datetime,
    now: dt.datetime,
    stale_after: dt.timedelta,
    warnings: list[str] | None = None,
) -> ServicePointRead:
    """A point in the best language for ``pref``, each field falling back on its own.

    The same rules as the search (``app.service_points.rendering``), from an ORM object.
    ``warnings``: public warning codes from ``app.tasks`` (e.g. ``reported_closed``).
    """
    item = finish(
        Rendered.of(_record_of(point), pref),
        distance_m=distance_m,
        at=at,
        now=now,
        stale_after=stale_after,
        warnings=warnings,
        warning_texts=tasks_service.warning_texts(warnings, pref.chain) if warnings else None,
    )
    return ServicePointRead.model_validate_json(item)
