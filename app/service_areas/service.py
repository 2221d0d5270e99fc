"""Area services: the public reads (by place, by country, one by id).

The public sees published and temporarily closed services; a deleted one is a tombstone in
sync. The staff writes are in :mod:`app.service_areas.staff`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.countries.boundaries import load_boundaries
from app.errors import (
    NotFound,
)
from app.i18n.content import body_languages
from app.i18n.negotiation import LanguagePreference
from app.service_areas import coverage, repository
from app.service_areas.coverage import CoveringFilters
from app.service_areas.models import (
    PUBLIC_STATUSES,
    AreaService,
)
from app.service_areas.rendering import render
from app.service_areas.schemas import (
    AreaServicePage,
    AreaServiceRead,
)

__all__ = ["country_at", "get_public", "list_public", "near_place"]


def _is_public(item: AreaService | None) -> bool:
    return item is not None and item.deleted_at is None and item.status in PUBLIC_STATUSES


def country_at(lat: float, lon: float) -> str | None:
    """The country drawn at the place (for areas given as whole countries)."""
    return load_boundaries().containing(lat, lon)[1]


def near_place(
    session: Session,
    lat: float,
    lon: float,
    pref: LanguagePreference,
    filters: CoveringFilters | None = None,
    *,
    country: str | None = None,
) -> list[dict[str, Any]]:
    """The public area services covering the place (in memory; texts loaded only for the
    ones found), in id order. ``country``: the place's, when the caller knows it. The place
    is used for this answer only."""
    served = coverage.served_areas(session)
    if not served:
        return []
    if country is None and any(s.area.kind == "Countries" for s in served):
        country = country_at(lat, lon)
    found = coverage.covering(session, lat, lon, country, filters)
    if not found:
        return []
    rows = repository.by_ids(session, [f.id for f in found])
    return [render(rows[f.id], pref) for f in found if f.id in rows]


def list_public(
    session: Session,
    *,
    pref: LanguagePreference,
    near: tuple[float, float] | None,
    countries: Sequence[str],
    filters: CoveringFilters,
) -> AreaServicePage:
    """Area services covering a place (``near``), serving any of ``countries``, or all."""
    if near is not None:
        items = near_place(session, near[0], near[1], pref, filters)
    else:
        served = (
            coverage.in_countries(session, countries)
            if countries
            else list(coverage.served_areas(session))
        )
        kept = [s for s in served if filters.keep(s)]
        rows = repository.by_ids(session, [s.id for s in kept])
        items = [render(rows[s.id], pref) for s in kept if s.id in rows]
    languages = body_languages(pref, (i["lang"] for i in items))
    return AreaServicePage(items=[AreaServiceRead(**i) for i in items], lang=languages[0])


def get_public(session: Session, public_id: str, pref: LanguagePreference) -> AreaServiceRead:
    item = repository.by_public_id(session, public_id)
    if item is None or not _is_public(item):
        raise NotFound(f"no area service with id {public_id!r}")
    return AreaServiceRead(**render(item, pref))
