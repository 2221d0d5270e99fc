"""Where a point is: its country, time zone and surface, from sources that agree.

The country is the one whose time zone holds the point (``app.countries.zones``: polygons
built from OpenStreetMap boundaries, with each country's territorial sea). So the country,
the time zone, its UTC offset and the emergency numbers answered with them always agree,
and a border town is in its own country: the zone polygons follow the boundaries at street
scale, where Natural Earth's 1:50m lines can be kilometres off. A zone that covers several
countries (``zone1970.tab``: ``Asia/Bangkok`` also covers northern Vietnam) is split with
the Natural Earth polygons: the one the point lies in, or the nearest of the zone's
countries.

The surface is ``land`` unless the point is clear of land: outside every Natural Earth
polygon, and no land (GLOBE, about 1 km, ``app.countries.land``) within ``COAST_KM``. In a
country's waters with no land at all within ``ISLAND_KM``, the point is near an island too
small for both sources (San Andrés, Colombia): land too. A person standing in a town is
never told they are at sea; a boat within territorial waters is ``sea`` with the coastal
state as its country; in international waters (``Etc/GMT±N`` zones) there is no country.

The coordinates are used for the answer only: never logged or kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.countries import zones
from app.countries.boundaries import NEAR_COAST_KM, Boundaries, Surface, load_boundaries
from app.countries.land import load_land_grid

__all__ = ["COAST_KM", "ISLAND_KM", "Place", "country_codes", "known_codes", "load", "locate"]

# Land within this distance: the point is on land (both sources blur a coast by a few km).
COAST_KM = 4.0
# In a country's waters with no land within this distance: an island neither source maps.
ISLAND_KM = 30.0
# Codes Natural Earth gives an area that the tz database counts in another country.
PARTS: dict[str, str] = {"XK": "RS"}  # Kosovo, in Europe/Belgrade
# How far to look for the nearest of a multi-country zone's countries.
ZONE_SPLIT_KM = 100.0

SOURCE_TITLE = (
    "Countries of the time-zone polygons (timezone-boundary-builder), split and checked "
    "with Natural Earth 1:50m and NOAA GLOBE land"
)
SOURCE_URL = "https://github.com/evansiroky/timezone-boundary-builder"
SOURCE_PUBLISHER = "© OpenStreetMap contributors (ODbL); Natural Earth; NOAA (public domain)"


@dataclass(frozen=True, slots=True)
class Place:
    """A point's surface, country (None in international waters or a disputed area), time
    zone, and at sea the nearest coast within 25 km (of ``code`` when there is one)."""

    surface: Surface
    code: str | None
    zone: str | None
    nearest_code: str | None = None
    nearest_km: float | None = None


def _fits(code: str | None, countries: Sequence[str]) -> bool:
    return code is not None and (code in countries or PARTS.get(code) in countries)


def _country(
    boundaries: Boundaries, lat: float, lon: float, drawn: str | None, countries: Sequence[str]
) -> str | None:
    """The zone's country at the point; ``drawn`` is Natural Earth's code there, if any."""
    if _fits(drawn, countries):
        return drawn
    if len(countries) == 1:
        return countries[0]
    if countries:
        near = boundaries.nearest(lat, lon, ZONE_SPLIT_KM, among=countries)
        return near[1] if near else countries[0]
    return drawn  # an ocean zone: only where a polygon reaches past territorial waters


def locate(lat: float, lon: float) -> Place:
    """Where (``lat``, ``lon``) in WGS 84 degrees is; see the module docstring."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError("latitude or longitude out of range")
    boundaries = load_boundaries()
    zone = zones.timezone_at(lat, lon)
    inside, drawn = boundaries.containing(lat, lon)
    if inside and drawn is None:
        return Place(Surface.DISPUTED, None, zone)
    code = _country(boundaries, lat, lon, drawn, zones.countries_of(zone))
    if inside:
        return Place(Surface.LAND, code, zone)
    land = load_land_grid()
    if land.land_within(lat, lon, COAST_KM):
        return Place(Surface.LAND, code, zone)
    if code is not None and not land.land_within(lat, lon, ISLAND_KM):
        return Place(Surface.LAND, code, zone)
    near = boundaries.nearest(lat, lon, NEAR_COAST_KM, among=(code,) if code else None)
    if near is None:
        return Place(Surface.SEA, code, zone)
    return Place(Surface.SEA, code, zone, nearest_code=near[1], nearest_km=near[0])


def country_codes(lats: Sequence[float], lons: Sequence[float]) -> list[str | None]:
    """For many points at once: the country :func:`locate` gives each point where that is
    plain (one vectorised polygon query, one zone lookup a point); None where
    :func:`locate` must decide (a zone of several countries off the polygons, disputed
    areas, international waters)."""
    drawn = load_boundaries().land_codes(lats, lons)
    found: list[str | None] = []
    for lat, lon, code in zip(lats, lons, drawn, strict=True):
        countries = zones.countries_of(zones.timezone_at(lat, lon))
        if _fits(code, countries):
            found.append(code)
        elif len(countries) == 1:
            found.append(countries[0])
        else:
            found.append(None)
    return found


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Every country a point can be located in."""
    from_zones = {code for code in zones.all_countries() if len(code) == 2}
    return load_boundaries().codes | from_zones


def load() -> None:
    """Read every source now (at start-up) rather than on a first request."""
    load_boundaries()
    load_land_grid()
    zones.finder()
    zones.all_countries()
