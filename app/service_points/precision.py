"""Location precision: how much of a point's place the public may learn.

Shelters for women, children or LGBTI people and safe houses must not hand their exact
place to anyone who asks. Each point's staff choose its ``location_precision``:

- ``exact`` (the default): the coordinates as entered.
- ``approximate``: the coordinates of the centre of the ~1 km grid cell the point lies in
  (:func:`snap_to_grid`), and distances as a range. The snap is deterministic: the same
  point always shows the same centre, so asking many times, or from many places, averages
  nothing out (random jitter would: its mean converges on the real spot). Every public
  figure (coordinates, ranking, distance, the viewport filter) is computed from the cell
  centre alone, so no number of queries from different centres can place the point more
  precisely than its cell: trilateration finds the centre, which is public anyway.
- ``hidden``: no coordinates at all. The point is left out of every spatial index, so near
  and viewport searches never return it (being returned by a search around a spot would
  reveal it is near that spot); it is listed by text, category and country searches
  without a location, with its country, locality and contact channels.

Approximate and hidden points never show their street address either.

The exact coordinates stay in ``service_point.lat``/``lon`` (staff of the owning
organisation and platform administrators see them); what the public may see is stored
next to them in ``public_lat``/``public_lon`` (NULL when hidden), written by every write
path through :func:`public_location`, and the spatial indexes of both engines (SQLite's
R*Tree, PostGIS's ``geog``) are built on those columns. Anything that shows points to the
public (search, tiles, clusters, exports, sync) reads ``public_lat``/``public_lon``, never
``lat``/``lon``.
"""

from __future__ import annotations

import enum
import math
from typing import Protocol

from app.geo.sphere import EARTH_RADIUS_M
from app.service_points.models import TRANSLATABLE_FIELDS

_WITHOUT_ADDRESS = tuple(f for f in TRANSLATABLE_FIELDS if f != "address")

__all__ = [
    "CELL_REACH_M",
    "GRID_M",
    "LocationPrecision",
    "Place",
    "distance_range",
    "place_shown",
    "public_location",
    "shown_distance",
    "snap_to_grid",
    "text_fields",
]


class LocationPrecision(enum.StrEnum):
    exact = "exact"
    approximate = "approximate"
    hidden = "hidden"


# Side of a grid cell (metres), and the farthest a point may lie from its cell's centre
# (half the diagonal, with a little room for the sphere).
GRID_M = 1000.0
CELL_REACH_M = 710.0
# Distances to approximate points are shown rounded to this (metres).
DISTANCE_STEP_M = 100.0

_LAT_STEP = math.degrees(GRID_M / EARTH_RADIUS_M)  # ~0.009 degrees
_DECIMALS = 6


def snap_to_grid(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the ~1 km cell holding (lat, lon).

    Rows are ``GRID_M`` of latitude tall; each row is cut into cells ``GRID_M`` wide at the
    row's middle latitude (so cells stay about 1 km square from the equator to Patagonia).
    Deterministic: the same input always gives the same centre.
    """
    row = math.floor((lat + 90.0) / _LAT_STEP)
    centre_lat = min(90.0, -90.0 + (row + 0.5) * _LAT_STEP)
    lon_step = min(360.0, _LAT_STEP / max(math.cos(math.radians(centre_lat)), 1e-6))
    column = math.floor((lon + 180.0) / lon_step)
    centre_lon = -180.0 + (column + 0.5) * lon_step
    if centre_lon > 180.0:
        centre_lon -= 360.0
    return round(centre_lat, _DECIMALS), round(centre_lon, _DECIMALS)


def public_location(lat: float, lon: float, precision: str) -> tuple[float, float] | None:
    """What the public may see of a point at (lat, lon) with ``precision``: the exact
    coordinates, its grid cell's centre, or None (hidden). The values stored in
    ``service_point.public_lat``/``public_lon``."""
    if precision == LocationPrecision.hidden:
        return None
    if precision == LocationPrecision.approximate:
        return snap_to_grid(lat, lon)
    return lat, lon


class Place(Protocol):
    """What :func:`place_shown` reads of a point (a ``ServicePoint`` row)."""

    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def location_precision(self) -> str: ...
    @property
    def public_lat(self) -> float | None: ...
    @property
    def public_lon(self) -> float | None: ...


def place_shown(point: Place, *, exact: bool) -> tuple[tuple[float, float] | None, bool]:
    """(coordinates, address shown) of a point for a reader: the exact place and the street
    address when ``exact`` (staff of its organisation, administrators) or when its
    precision is exact; else its public location (None when hidden) and no address."""
    if exact or point.location_precision == LocationPrecision.exact:
        return (point.lat, point.lon), True
    if point.public_lat is None or point.public_lon is None:
        return None, False
    return (point.public_lat, point.public_lon), False


def text_fields(point: Place, *, exact: bool) -> tuple[str, ...]:
    """The translatable fields a reader sees: all of them, or all but the street address
    when the place is not shown (see :func:`place_shown`)."""
    _, address = place_shown(point, exact=exact)
    return TRANSLATABLE_FIELDS if address else _WITHOUT_ADDRESS


def shown_distance(distance_m: float, precision: str) -> float:
    """The distance shown for a point ``distance_m`` from the searcher (measured to its
    public location): whole metres when exact, rounded to 100 m when approximate."""
    if precision == LocationPrecision.approximate:
        return round(distance_m / DISTANCE_STEP_M) * DISTANCE_STEP_M
    return distance_m


def distance_range(distance_m: float) -> tuple[int, int]:
    """Where an approximate point may really be, given the distance to its cell's centre:
    [min, max] metres, widened to whole 100 m steps."""
    low = max(0.0, distance_m - CELL_REACH_M)
    high = distance_m + CELL_REACH_M
    step = DISTANCE_STEP_M
    return int(math.floor(low / step) * step), int(math.ceil(high / step) * step)
