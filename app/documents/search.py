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
from app.documents.reading import Splicer, by_public_id, documents_for, open_filter, splice
from app.geo.base import SearchBackend
from app.i18n.content import body_languages
from app.i18n.negotiation import LanguagePreference
from app.public_points import service as points_service
from app.public_points.dependencies import PointQuery
from app.public_points.item import PointItem
from app.public_points.service import PageOut

__all__ = ["get_item", "search_page"]


def search_page(
    session: Session,
    backend: SearchBackend,
    query: PointQuery,
    *,
    pref: LanguagePreference,
    key: str,
    stale_after: dt.timedelta,
) -> PageOut | None:
    """One page of public points (``near``, ``bbox``, text or all by id, ``open_now`` at
    ``at``; no ``route``: that takes the rendering path). ``open_now=true`` filters the
    candidates as the rendering path does, with the stored precomputed hours."""
    assert query.route is None
    now = dt.datetime.now(dt.UTC)
    splicer = Splicer.of(pref, at=query.at, now=now, stale_after=stale_after)
    post_filter = open_filter(session, splicer) if query.open_now else None
    found = points_service.find_page(session, backend, query, post_filter=post_filter)
    page, next_cursor, categories = found.page, found.next_cursor, found.categories
    docs = documents_for(session, [c.id for c in page], view=query.view, key=key)
    if len(docs) != len(page):
        return None
    shown = [docs[c.id] for c in page]
    items = splice(
        session,
        shown,
        [c.distance_m if query.near is not None else None for c in page],
        splicer,
        now,
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
