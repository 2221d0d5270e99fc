"""Time zones at a point (timezonefinder) and the countries each zone covers (tz database).

timezonefinder ships the polygons of timezone-boundary-builder: built from OpenStreetMap's
administrative boundaries, with each country's territorial sea, one polygon set per zone of
the tz database's ``zone.tab``; beyond territorial waters, ``Etc/GMT±N`` ocean zones. The
countries of a zone come from the tz database itself (the ``tzdata`` package):
``zone.tab`` names the zone's country, ``zone1970.tab`` the other countries whose clocks
have agreed with it since 1970 (``Asia/Bangkok``: TH, CX, KH, LA, VN). One finder is built
per process, in memory, on first use; a lookup takes a few microseconds.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib.resources import files

from timezonefinder import TimezoneFinder

__all__ = ["all_countries", "countries_of", "finder", "timezone_at"]

_lock = threading.Lock()
_finder: list[TimezoneFinder] = []


def finder() -> TimezoneFinder:
    """The process's one TimezoneFinder (its polygons are kept in memory)."""
    if not _finder:
        with _lock:
            if not _finder:
                _finder.append(TimezoneFinder(in_memory=True))
    return _finder[0]


def timezone_at(lat: float, lon: float) -> str | None:
    """The IANA zone at a point: a country's zone on land and in its territorial sea,
    an ``Etc/GMT±N`` zone in international waters; None for coordinates out of range."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return finder().timezone_at(lng=lon, lat=lat)


def _rows(name: str) -> list[list[str]]:
    text = files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for codes, _, zone, *_ in _rows("zone.tab"):
        found.setdefault(zone, []).append(codes)
    for codes, _, zone, *_ in _rows("zone1970.tab"):
        known = found.setdefault(zone, [])
        known.extend(code for code in codes.split(",") if code not in known)
    return {zone: tuple(codes) for zone, codes in found.items()}


def countries_of(zone: str | None) -> tuple[str, ...]:
    """The ISO codes of the countries ``zone`` covers, its ``zone.tab`` country first;
    empty for ocean (``Etc/``) zones and unknown names."""
    if zone is None:
        return ()
    return _zone_countries().get(zone, ())


def all_countries() -> frozenset[str]:
    """Every country some zone covers."""
    return frozenset(code for codes in _zone_countries().values() for code in codes)
