"""Natural Earth 1:50m admin-0 polygons, in memory: which polygon holds a point, and the
nearest one. ``/v1/where`` (``app.countries.location``) takes its country from the time-zone
polygons and uses these to split a zone that covers several countries, to mark disputed
areas, and as the first test of land or sea.

Every country's MultiPolygon is split into its parts, each part prepared (GEOS builds an
indexed point-in-area locator) and put in an STRtree. A lookup asks the tree for the parts whose
bounding box holds the point, then tests those few with ``intersects_xy``: a handful of
microseconds. The index is read once per process, on first use; the coordinates it is given are
never logged or kept.

The file's de facto boundaries are read as described in ``seed/boundaries/README.md``: overseas
parts that Natural Earth folds into France, the Netherlands and Norway get their own ISO codes
back, and features without an ISO code are mapped to the country that covers them de jure.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, shape
from shapely.ops import nearest_points

__all__ = ["DEFAULT_PATH", "Boundaries", "Location", "Surface", "codes_touching", "load_boundaries"]

DEFAULT_PATH = (
    Path(__file__).resolve().parents[2] / "seed" / "boundaries" / "ne_50m_admin0_countries.geojson"
)
SOURCE_TITLE = "Natural Earth Admin-0 countries, 1:50m (de facto boundaries)"
SOURCE_URL = "https://www.naturalearthdata.com"
SOURCE_PUBLISHER = "Natural Earth (public domain)"

# Natural Earth features without an ISO code: the ISO country that covers them de jure,
# or None where the area is disputed between ISO countries.
NON_ISO_FEATURES: dict[str, str | None] = {
    "SOL": "SO",  # Somaliland
    "CYN": "CY",  # Northern Cyprus
    "ATC": "AU",  # Ashmore and Cartier Islands
    "IOA": "AU",  # Indian Ocean Territories (Christmas and Cocos islands)
    "KAS": None,  # Siachen Glacier
}

# Overseas parts folded into their parent: (parent, code, lon_min, lon_max, lat_min, lat_max)
# tested on each part's representative point.
OVERSEAS_PARTS: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("FR", "GF", -55.0, -51.0, 1.0, 7.0),  # French Guiana
    ("FR", "GP", -62.0, -60.9, 15.8, 16.6),  # Guadeloupe
    ("FR", "MQ", -61.3, -60.7, 14.3, 14.95),  # Martinique
    ("FR", "RE", 55.0, 56.0, -21.5, -20.7),  # Réunion
    ("FR", "YT", 44.9, 45.4, -13.1, -12.5),  # Mayotte
    ("NL", "BQ", -68.5, -68.1, 11.9, 12.4),  # Bonaire
    ("NL", "BQ", -63.3, -62.9, 17.4, 17.7),  # Saba, Sint Eustatius
    ("NO", "SJ", -9.5, -7.5, 70.5, 71.5),  # Jan Mayen
    ("NO", "SJ", 10.0, 35.0, 74.0, 81.0),  # Svalbard (with Bjørnøya)
)

# How far off the drawn coast a point at sea still names the nearest country.
NEAR_COAST_KM = 25.0
EARTH_RADIUS_KM = 6371.0088


# The cells of containing()'s memory: 1/16 degree (about 7 km), a power of two, so a cell's
# edges are exact; at most MAX_CELLS cells remembered (about 100 bytes each).
CELLS_PER_DEGREE = 16
MAX_CELLS = 65_536
_UNKNOWN = (False, "")


class Surface(StrEnum):
    LAND = "land"
    SEA = "sea"
    DISPUTED = "disputed"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a point is: the country on land, or the nearest one within reach at sea."""

    surface: Surface
    code: str | None = None
    nearest_code: str | None = None
    nearest_km: float | None = None


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _part_code(parent: str, part: Polygon) -> str:
    point = part.representative_point()
    for owner, code, x0, x1, y0, y1 in OVERSEAS_PARTS:
        if owner == parent and x0 <= point.x <= x1 and y0 <= point.y <= y1:
            return code
    return parent


class Boundaries:
    """A prepared, STRtree-indexed set of country polygons."""

    def __init__(self, parts: Sequence[Polygon], codes: Sequence[str | None]) -> None:
        if len(parts) != len(codes):
            raise ValueError("one code per polygon part")
        self._parts = np.array(parts, dtype=object)
        self._codes = list(codes)
        shapely.prepare(self._parts)
        # GEOS builds a prepared geometry's locator on its first query, and that first build is
        # not thread-safe: run one query per part now, before any request thread can.
        anchors = shapely.get_coordinates(shapely.point_on_surface(self._parts))
        shapely.intersects_xy(self._parts, anchors[:, 0], anchors[:, 1])
        self._tree = shapely.STRtree(self._parts)
        # :meth:`containing`'s answers by cell (a near-me page asks it for every centre).
        self._cells: dict[tuple[int, int], tuple[bool, str | None] | None] = {}

    @classmethod
    def from_geojson(cls, path: Path) -> Boundaries:
        with path.open(encoding="utf-8") as handle:
            features = json.load(handle)["features"]
        parts: list[Polygon] = []
        codes: list[str | None] = []
        for feature in features:
            props = feature["properties"]
            code = props.get("iso_a2") or NON_ISO_FEATURES.get(props.get("adm0_a3", ""))
            if not props.get("iso_a2") and props.get("adm0_a3") not in NON_ISO_FEATURES:
                continue
            geometry = shape(feature["geometry"])
            for part in getattr(geometry, "geoms", [geometry]):
                parts.append(part)
                codes.append(_part_code(code, part) if code else None)
        return cls(parts, codes)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c for c in self._codes if c)

    def codes_intersecting(self, geometry: Any) -> set[str]:
        """ISO codes of the countries a lon/lat geometry touches (land only)."""
        hits = self._tree.query(geometry, predicate="intersects")
        return {code for index in hits.tolist() if (code := self._codes[index])}

    def locate(self, lat: float, lon: float) -> Location:
        """The country at (``lat``, ``lon``) in WGS 84 degrees, on these polygons alone."""
        inside, code = self.containing(lat, lon)
        if inside:
            return Location(Surface.LAND, code) if code else Location(Surface.DISPUTED)
        near = self.nearest(lat, lon, NEAR_COAST_KM)
        if near is None:
            return Location(Surface.SEA)
        return Location(Surface.SEA, nearest_code=near[1], nearest_km=near[0])

    def containing(self, lat: float, lon: float) -> tuple[bool, str | None]:
        """(whether a polygon holds the point, its ISO code: None where disputed).

        Answered from the point's cell (:meth:`_cell`) where the cell lies inside one part
        or touches none, else by the parts themselves."""
        key = (math.floor(lat * CELLS_PER_DEGREE), math.floor(lon * CELLS_PER_DEGREE))
        cells = self._cells
        found = cells.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            if len(cells) >= MAX_CELLS:
                cells.clear()
            found = cells[key] = self._cell(*key)
        if found is not None:
            return found
        for index in self._tree.query(shapely.Point(lon, lat)):
            if shapely.intersects_xy(self._parts[index], lon, lat):
                return True, self._codes[index]
        return False, None

    def _cell(self, row: int, column: int) -> tuple[bool, str | None] | None:
        """What :meth:`containing` answers for every point of a cell when that is one
        answer: no part touches the cell (False, None), or the cell lies in the interior of
        the one part that touches it (True, its code); None when the parts must be asked."""
        step = 1.0 / CELLS_PER_DEGREE
        # The cell's corners are exact (a power of two per degree), its edges included.
        box = shapely.box(column * step, row * step, (column + 1) * step, (row + 1) * step)
        touching = self._tree.query(box, predicate="intersects")
        if len(touching) == 0:
            return False, None
        if len(touching) == 1 and shapely.contains_properly(self._parts[touching[0]], box):
            return True, self._codes[int(touching[0])]
        return None

    def land_codes(self, lats: Sequence[float], lons: Sequence[float]) -> list[str | None]:
        """For many points at once (one vectorised query): the country of each point that
        lies in exactly one part of an ISO country, as :meth:`locate` finds it; None for
        the others (at sea, disputed, or where parts overlap), which :meth:`locate` answers."""
        if not lats:
            return []
        ys, xs = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
        points, parts = self._tree.query(shapely.points(xs, ys))
        inside = shapely.intersects_xy(self._parts[parts], xs[points], ys[points])
        found: list[str | None] = [None] * len(ys)
        hits = [0] * len(ys)
        for point, part in zip(points[inside].tolist(), parts[inside].tolist(), strict=True):
            hits[point] += 1
            found[point] = self._codes[part] if hits[point] == 1 else None
        return found

    def nearest(
        self, lat: float, lon: float, km: float, among: Collection[str] | None = None
    ) -> tuple[float, str] | None:
        """(distance in km rounded to 0.1, code) of the nearest polygon within ``km`` of the
        point, of the countries ``among`` if given; None if there is none."""
        point = shapely.Point(lon, lat)
        dlat = km / 111.0
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        window = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        best: tuple[float, str] | None = None
        for index in self._tree.query(window):
            code = self._codes[index]
            if code is None or (among is not None and code not in among):
                continue
            coast, _ = nearest_points(self._parts[index], point)
            distance = _haversine_km(lat, lon, coast.y, coast.x)
            if distance <= km and (best is None or distance < best[0]):
                best = (distance, code)
        return None if best is None else (round(best[0], 1), best[1])


_lock = threading.Lock()
_loaded: dict[Path, Boundaries] = {}


def load_boundaries(path: Path = DEFAULT_PATH) -> Boundaries:
    """The boundaries at ``path``, built on first use and kept for the life of the process."""
    if (boundaries := _loaded.get(path)) is not None:
        return boundaries
    with _lock:
        if path not in _loaded:
            _loaded[path] = Boundaries.from_geojson(path)
        return _loaded[path]


def codes_touching(geometry: Any) -> set[str]:
    """The codes of the countries ``geometry`` (shapely, lon/lat) touches; the boundaries
    load on first use (``app.geo.areas.normalise_area`` takes this)."""
    return load_boundaries().codes_intersecting(geometry)
