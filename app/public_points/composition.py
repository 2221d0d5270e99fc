"""What the public face composes into a point's answer from the domains above the core:
the area services covering a place (``app.service_areas``) and the active alerts covering
points (``app.alerts``)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.alerts.coverage import active_set
from app.geo.text import normalise_text, query_tokens
from app.i18n.negotiation import LanguagePreference
from app.public_points.dependencies import PointQuery
from app.public_points.rendering import Rendered
from app.service_areas import service as area_services
from app.service_areas.coverage import CoveringFilters
from app.service_areas.schemas import AreaServiceRead

__all__ = ["alerts_on", "area_services_near"]


def area_services_near(
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


def alerts_on(session: Session, points: Sequence[Rendered], now: dt.datetime) -> list[list[str]]:
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
