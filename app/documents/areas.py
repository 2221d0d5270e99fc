"""The area services a ``near`` page lists, their renderings cached by data version.

Which area services cover a place is decided in memory (``app.service_areas.coverage``,
compiled areas cached by data version); rendering them took loading them as ORM objects
with their texts and organisation and validating each through ``AreaServiceRead`` on every
near-me request. Here each rendering is kept per (data version, area service, language
preference): any write to synced data moves the data version, so a process never serves
a rendering older than what another process wrote; a transaction that wrote renders afresh.
The result equals ``app.service_points.service._area_services`` (tests/documents).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy.orm import Session

from app.geo.text import normalise_text, query_tokens
from app.i18n.negotiation import LanguagePreference
from app.journal import current_seq, data_version
from app.public_points.dependencies import PointQuery
from app.service_areas import coverage
from app.service_areas import rendering as areas_rendering
from app.service_areas import repository as areas_repository
from app.service_areas import service as areas_service
from app.service_areas.coverage import CoveringFilters
from app.service_areas.schemas import AreaServiceRead

__all__ = ["area_services_near", "invalidate"]

_MAX_ENTRIES = 4096
_lock = threading.Lock()
_rendered: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()


def _render(session: Session, ids: list[int], pref: LanguagePreference) -> dict[int, Any]:
    rows = areas_repository.by_ids(session, ids)
    return {
        i: AreaServiceRead(**areas_rendering.render(rows[i], pref)).model_dump(
            mode="json", exclude_none=True
        )
        for i in ids
        if i in rows
    }


def _renderings(
    session: Session, ids: list[int], pref: LanguagePreference
) -> dict[int, dict[str, Any]]:
    if current_seq(session) is not None:  # this transaction wrote: its view is its own
        return _render(session, ids, pref)
    version = data_version(session)
    out: dict[int, dict[str, Any]] = {}
    with _lock:
        for i in ids:
            found = _rendered.get((version, i, pref))
            if found is not None:
                _rendered.move_to_end((version, i, pref))
                out[i] = found
    missing = [i for i in ids if i not in out]
    if missing:
        fresh = _render(session, missing, pref)
        out.update(fresh)
        with _lock:
            for i, value in fresh.items():
                _rendered[(version, i, pref)] = value
            while len(_rendered) > _MAX_ENTRIES:
                _rendered.popitem(last=False)
    return out


def area_services_near(
    session: Session, query: PointQuery, categories: set[str], pref: LanguagePreference
) -> list[dict[str, Any]]:
    """The area services covering the ``near`` place that pass the query's filters (the
    rules of ``app.service_points.service._area_services``)."""
    assert query.near is not None
    if query.audiences or query.open_now or query.verified_since is not None:
        return []
    filters = CoveringFilters(
        categories=frozenset(categories),
        spoken_languages=query.spoken_languages,
        countries=query.countries,
        free=query.free,
    )
    lat, lon = query.near
    served = coverage.served_areas(session)
    if not served:
        return []
    country = (
        areas_service.country_at(lat, lon)
        if any(s.area.kind == "Countries" for s in served)
        else None
    )
    found = coverage.covering(session, lat, lon, country, filters)
    if not found:
        return []
    rendered = _renderings(session, [f.id for f in found], pref)
    items = [rendered[f.id] for f in found if f.id in rendered]
    if query.q:
        words = query_tokens(query.q)
        items = [
            a
            for a in items
            if all(w in normalise_text(f"{a['name']} {a.get('description') or ''}") for w in words)
        ]
    return items


def invalidate() -> None:
    """Forget every rendering (tests: a rollback takes the data version back)."""
    with _lock:
        _rendered.clear()
