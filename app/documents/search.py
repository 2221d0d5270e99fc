"""The lean search: candidates from the search backend -> one indexed read of stored
documents -> splice -> the page's bytes.

The same steps as ``app.service_points.service.search_points`` (filters, candidates,
cursors, area services, ``Content-Language``), with the page's points read from the stored
documents instead of loaded and rendered. Returns None when a candidate has no stored
document (documents not built yet): the caller then answers through the rendering path.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.documents.areas import area_services_near
from app.documents.reading import by_public_id, carry_documents, documents_for
from app.documents.splicing import Splicer, open_filter, splice
from app.geo.base import SearchBackend
from app.geo.corridor import FetchPieces, RouteCandidate
from app.i18n.content import body_languages
from app.i18n.negotiation import LanguagePreference
from app.journal.repository import DATA_VERSION_SQL
from app.maps.corridor import grid_candidates
from app.maps.filters import MapFilters
from app.maps.refresh import PointGrid
from app.public_points import service as points_service
from app.public_points.dependencies import PointQuery
from app.public_points.item import PointItem
from app.public_points.service import PageOut
from app.raw_reads import is_lean, reads_of

__all__ = ["get_item", "lean_route", "search_page"]

_ANY_CANDIDATE = 1_000_000


def search_page(
    session: Session,
    backend: SearchBackend,
    query: PointQuery,
    *,
    pref: LanguagePreference,
    key: str,
    stale_after: dt.timedelta,
    grid: PointGrid | None = None,
) -> PageOut | None:
    """One page of public points (``near``, ``bbox``, ``route``, text or all by id,
    ``open_now`` at ``at``). ``open_now=true`` filters the candidates as the rendering path
    does, with the stored precomputed hours. A ``route`` search with no filter but country
    and free finds its candidates in the grid index (``grid``), when it is at the session's
    data version."""
    now = dt.datetime.now(dt.UTC)
    splicer = Splicer.of(pref, at=query.at, now=now, stale_after=stale_after)
    if is_lean(session):
        # The data version (alerts and area services key their caches on it) goes with
        # the search's first statement: on PostgreSQL one round trip fewer.
        reads_of(session).send_along(DATA_VERSION_SQL)
    # A page of nearest points is, but for ties, the search's first candidates; a viewport
    # drops those outside the box, so any may be on its page.
    wanted = query.limit + 2 if query.bbox is None else _ANY_CANDIDATE
    carried = carry_documents(session, query.view, key, wanted) if query.route is None else None
    post_filter = open_filter(session, splicer) if query.open_now else None
    found = points_service.find_page(
        session,
        backend,
        query,
        post_filter=post_filter,
        corridor_source=_corridor_source(session, query, grid),
    )
    page, next_cursor, categories = found.page, found.next_cursor, found.categories
    docs = documents_for(session, [c.id for c in page], view=query.view, key=key, carried=carried)
    if len(docs) != len(page):
        return None
    shown = [docs[c.id] for c in page]
    items = splice(
        session,
        shown,
        [c.distance_m if query.near is not None else None for c in page],
        splicer,
        now,
        alongs=[(c.along_m, c.off_route_m) for c in page if isinstance(c, RouteCandidate)]
        if query.route is not None
        else None,
    )
    areas = (
        area_services_near(session, query, categories, pref) or None
        if query.near is not None and not query.cursor
        else None
    )
    served = [d.served for d in shown] + [a["lang"] for a in areas or []]
    languages = body_languages(pref, served)
    return PageOut(
        items=items,
        next_cursor=next_cursor,
        lang=languages[0],
        languages=languages,
        area_services=areas,
    )


def _grid_answers(query: PointQuery) -> bool:
    """Whether a ``route`` search's filters are the grid index's (country, free)."""
    return not (
        query.categories
        or query.audiences
        or query.spoken_languages
        or query.q
        or query.verified_since is not None
    )


def lean_route(query: PointQuery, grid: PointGrid | None) -> bool:
    """Whether a ``route`` search is read whole through one connection's cursor
    (``app.raw_reads.lean_session``): its candidates come from a built grid index, its
    documents as a nearest page's (no ``open_now``, whose filter reads through the
    session)."""
    return (
        query.route is not None
        and grid is not None
        and grid.ready()
        and _grid_answers(query)
        and not query.open_now
    )


def _corridor_source(
    session: Session, query: PointQuery, grid: PointGrid | None
) -> FetchPieces | None:
    if query.route is None or grid is None or not _grid_answers(query):
        return None
    filters = MapFilters(countries=query.countries, free=query.free)
    points = grid.current(session)
    return (
        None if points is None else grid_candidates(points, query.route, query.corridor_m, filters)
    )


def get_item(
    session: Session,
    public_id: str,
    *,
    pref: LanguagePreference,
    key: str,
    stale_after: dt.timedelta,
) -> PointItem | None:
    """A public point by id from its stored document; None when there is none (not found,
    or not built: the rendering path answers)."""
    doc = by_public_id(session, public_id, key=key)
    if doc is None:
        return None
    now = dt.datetime.now(dt.UTC)
    splicer = Splicer.of(pref, at=now, now=now, stale_after=stale_after)
    (body,) = splice(session, [doc], [None], splicer, now)
    return PointItem(body=body, lang=doc.served, version=doc.version)
