"""Public reads of service points: search, one point, rendering in a language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.geo.base import Candidate, NearestCursor, SearchBackend
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.service_points import repository
from app.service_points.cursor import decode_cursor, encode_cursor, query_fingerprint
from app.service_points.dependencies import PointQuery
from app.service_points.hours import is_open
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus, ServicePoint
from app.service_points.schemas import (
    Contact,
    Location,
    OrganizationRef,
    PointPage,
    ServicePointRead,
    Source,
    Verification,
)
from app.taxonomy import service as taxonomy_service

__all__ = ["get_point", "render_point", "search_points"]


def search_points(
    session: Session,
    backend: SearchBackend,
    query: PointQuery,
    *,
    pref: LanguagePreference,
    stale_after: dt.timedelta,
) -> PointPage:
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
        text=backend.text_match(query.q) if query.q else None,
    )
    fingerprint = query_fingerprint(query.fingerprint_parts())
    position = decode_cursor(query.cursor, fingerprint=fingerprint) if query.cursor else {}
    post_filter = _open_filter(session, query.at) if query.open_now else None
    # One extra row tells whether a next page exists.
    fetch = query.limit + 1
    candidates: list[Candidate]
    if query.near is not None:
        after = (
            NearestCursor(distance_m=float(position["d"]), id=int(position["i"]))
            if position
            else None
        )
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
    elif query.bbox is not None:
        candidates = backend.within(
            session,
            bbox=query.bbox,
            limit=fetch,
            where=where,
            after_id=int(position["i"]) if position else None,
            post_filter=post_filter,
        )
    else:
        candidates = _list_all(session, where, position, fetch, post_filter)
    page, extra = candidates[: query.limit], candidates[query.limit :]
    next_cursor = None
    if extra and page:
        last = page[-1]
        payload: dict[str, object] = {"f": fingerprint, "i": last.id}
        if last.distance_m is not None:
            payload["d"] = last.distance_m
        next_cursor = encode_cursor(payload)
    points = repository.load_points(session, [c.id for c in page])
    now = dt.datetime.now(dt.UTC)
    items = [
        render_point(
            points[c.id],
            pref=pref,
            distance_m=c.distance_m,
            at=query.at,
            now=now,
            stale_after=stale_after,
        )
        for c in page
        if c.id in points
    ]
    return PointPage(items=items, next_cursor=next_cursor, lang=pref.served)


def _list_all(
    session: Session,
    where: Sequence[object],
    position: dict[str, object],
    fetch: int,
    post_filter: object,
) -> list[Candidate]:
    after_id = int(str(position["i"])) if position else None
    out: list[Candidate] = []
    while len(out) < fetch:
        ids = repository.list_ids(session, where=where, after_id=after_id, limit=fetch * 2)  # type: ignore[arg-type]
        if not ids:
            break
        allowed = set(ids) if post_filter is None else post_filter(ids)  # type: ignore[operator]
        out.extend(Candidate(id=i) for i in ids if i in allowed)
        after_id = ids[-1]
    return out[:fetch]


def _open_filter(session: Session, at: dt.datetime):  # type: ignore[no-untyped-def]
    def keep_open(ids: Sequence[int]) -> set[int]:
        return {
            pid
            for pid, hours, tz, country in repository.hours_of(session, ids)
            if is_open(hours, tz, country, at)
        }

    return keep_open


def get_point(
    session: Session, public_id: str, *, pref: LanguagePreference, stale_after: dt.timedelta
) -> ServicePointRead:
    """A public point by id; drafts and deleted points are not found."""
    point = repository.by_public_id(session, public_id)
    if point is None or point.deleted_at is not None or point.status == PointStatus.draft:
        raise NotFound(f"no service point with id {public_id!r}")
    now = dt.datetime.now(dt.UTC)
    return render_point(point, pref=pref, distance_m=None, at=now, now=now, stale_after=stale_after)


def render_point(
    point: ServicePoint,
    *,
    pref: LanguagePreference,
    distance_m: float | None,
    at: dt.datetime,
    now: dt.datetime,
    stale_after: dt.timedelta,
) -> ServicePointRead:
    """A point in the best language for ``pref``, each field falling back on its own."""
    translations = {
        t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in point.translations
    }
    text = localise(translations, TRANSLATABLE_FIELDS, pref.chain_for(point.original_language))
    served = text.lang or point.original_language
    verified_by = point.verified_by
    stale = point.status == PointStatus.published and (
        point.last_verified_at is None or now - point.last_verified_at > stale_after
    )
    contact = Contact(
        phones=list(point.phones) or None,
        email=point.email,
        website=point.website,
        whatsapp=point.whatsapp,
    )
    return ServicePointRead(
        id=point.public_id,
        external_id=point.external_id,
        name=text.values.get("name", ""),
        description=text.values.get("description"),
        address=text.values.get("address"),
        documents_required=text.values.get("documents_required"),
        accessibility=text.values.get("accessibility"),
        lang=served,
        lang_fallback=not pref.requested_expanded or served not in pref.requested_expanded,
        field_lang=text.field_lang or None,
        languages_available=text.available,
        location=Location(lat=point.lat, lon=point.lon),
        distance_m=round(distance_m, 1) if distance_m is not None else None,
        country=point.country,
        locality=point.locality,
        timezone=point.timezone,
        categories=point.category_codes,
        audiences=[a.audience_code for a in point.audiences] or None,
        spoken_languages=[lang.lang for lang in point.spoken_languages] or None,
        contact=contact if contact.model_dump(exclude_none=True) else None,
        opening_hours=point.opening_hours,
        open_now=is_open(point.opening_hours, point.timezone, point.country, at)
        if point.status == PointStatus.published
        else False,
        free=point.free,
        status=PointStatus(point.status).value,
        organization=OrganizationRef(id=point.organization.slug, name=point.organization.name),
        source=Source(
            title=point.source_title,
            url=point.source_url,
            publisher=point.source_publisher,
            sample=point.is_sample,
        ),
        verification=Verification(
            last_verified_at=point.last_verified_at,
            verified_by=OrganizationRef(id=verified_by.slug, name=verified_by.name)
            if verified_by
            else None,
            stale=stale,
        ),
        updated_at=point.updated_at,
    )
