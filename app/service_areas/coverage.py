"""Which area services cover a place: their heads compiled once, tested in memory.

Area services are few (national hotlines, online services, mobile teams). The public ones'
heads (no texts) are read in one small query and kept per process, keyed by the database's
data version (:func:`app.journal.data_version`, shared with alerts: one primary-key
lookup per request). A write by any worker or process moves the version, so nothing in
process memory outlives it. Each area is compiled once per service version (a prepared
shapely geometry, a haversine, or a set of countries), so a near-me request pays a few
microseconds per area service and no query when none covers the place.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.geo.areas import CompiledArea, compile_area
from app.journal import DataVersion, current_seq, data_version
from app.service_areas import repository

__all__ = ["CoveringFilters", "ServedArea", "covering", "invalidate", "served_areas"]


@dataclass(frozen=True, slots=True)
class ServedArea:
    id: int
    public_id: str
    categories: frozenset[str]
    spoken_languages: frozenset[str]
    countries: frozenset[str]
    free: bool | None
    area: CompiledArea


@dataclass(frozen=True, slots=True)
class CoveringFilters:
    """The point filters that apply to area services (the others are about doors)."""

    categories: frozenset[str] = frozenset()  # already expanded to their descendants
    spoken_languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    free: bool | None = None

    def keep(self, item: ServedArea) -> bool:
        if self.categories and self.categories.isdisjoint(item.categories):
            return False
        if self.spoken_languages and not any(
            lang in item.spoken_languages for lang in self.spoken_languages
        ):
            return False
        if self.countries and item.countries.isdisjoint(self.countries):
            return False
        return self.free is None or item.free == self.free


_lock = threading.Lock()
_cached: tuple[DataVersion | None, tuple[ServedArea, ...]] = (None, ())


def _read(session: Session) -> tuple[ServedArea, ...]:
    return tuple(
        ServedArea(
            id=row.id,
            public_id=row.public_id,
            categories=frozenset(row.categories),
            spoken_languages=frozenset(row.spoken_languages),
            countries=frozenset(row.countries),
            free=row.free,
            area=compile_area(row.area, row.countries),
        )
        for row in repository.public_heads(session)
    )


def served_areas(session: Session) -> tuple[ServedArea, ...]:
    """Every public area service, compiled (cached by data version)."""
    global _cached
    version = data_version(session)
    if current_seq(session) is not None:  # this transaction wrote: its view is its own
        return _read(session)
    found_version, found = _cached
    if found_version == version:
        return found
    fresh = _read(session)
    with _lock:
        _cached = (version, fresh)
    return fresh


def covering(
    session: Session,
    lat: float,
    lon: float,
    country: str | None,
    filters: CoveringFilters | None = None,
) -> list[ServedArea]:
    """The public area services whose area covers the place, and pass ``filters``."""
    keep = filters.keep if filters is not None else None
    return [
        item
        for item in served_areas(session)
        if (keep is None or keep(item)) and item.area.covers(lat, lon, country)
    ]


def in_countries(session: Session, countries: Iterable[str]) -> list[ServedArea]:
    wanted = frozenset(countries)
    return [item for item in served_areas(session) if not item.countries.isdisjoint(wanted)]


def invalidate() -> None:
    """Read again on next use (tests: a rollback takes the data version back)."""
    global _cached
    _cached = (None, ())
