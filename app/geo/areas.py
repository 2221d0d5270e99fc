"""An alert's area: validated and normalised on write, compiled for fast coverage on read.

Three kinds, as the API takes them:

- ``{"type": "Polygon" | "MultiPolygon", "coordinates": ...}`` (GeoJSON, lon/lat). Rings must
  be closed; a polygon must be valid (no self-intersection), have at most
  :data:`MAX_VERTICES` vertices and cover at most :data:`MAX_AREA_KM2`. A polygon drawn across
  the antimeridian (consecutive longitudes more than 180 degrees apart, e.g. 179 then -179) is
  unwrapped and stored split in two at 180 degrees, as RFC 7946 section 3.1.9 asks.
- ``{"type": "Circle", "center": [lon, lat], "radius_m": n}``: great-circle distance.
- ``{"type": "Countries", "countries": ["PA", ...]}``: whole countries.

:class:`CompiledArea` answers "does it cover this point?" (prepared shapely geometry, a
haversine, or a set lookup) and "does it touch this box?", without the database.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.validation import explain_validity

from app.geo.sphere import EARTH_RADIUS_M, BBox, haversine_m

__all__ = [
    "MAX_AREA_KM2",
    "MAX_CIRCLE_RADIUS_M",
    "MAX_VERTICES",
    "AreaError",
    "CompiledArea",
    "compile_area",
    "normalise_area",
]

MAX_VERTICES = 5000
MAX_AREA_KM2 = 5_000_000.0  # about Central America and Mexico twice over; use countries beyond
MAX_CIRCLE_RADIUS_M = 1_000_000
_CIRCLE_SEGMENTS = 64
_WORLD = box(-180.0, -90.0, 180.0, 90.0)
_EAST_OF_180 = box(180.0, -90.0, 540.0, 90.0)


class AreaError(ValueError):
    """A bad area: ``pointer`` is the JSON pointer below ``/area`` of what is wrong."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.pointer = pointer
        self.detail = detail


# --- writing: validate and normalise ------------------------------------------------------


def _positions(ring: Any, pointer: str) -> list[tuple[float, float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise AreaError(pointer, "a linear ring needs at least 4 positions")
    out: list[tuple[float, float]] = []
    for i, position in enumerate(ring):
        ok = (
            isinstance(position, list | tuple)
            and len(position) in (2, 3)
            and all(isinstance(v, int | float) and math.isfinite(v) for v in position)
        )
        if not ok:
            raise AreaError(f"{pointer}/{i}", "a position is [lon, lat]")
        lon, lat = float(position[0]), float(position[1])
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise AreaError(
                f"{pointer}/{i}", "longitude must be in [-180, 180], latitude in [-90, 90]"
            )
        out.append((lon, lat))
    if out[0] != out[-1]:
        raise AreaError(pointer, "a linear ring must end where it starts (RFC 7946)")
    return out


def _crosses_antimeridian(rings: Sequence[Sequence[tuple[float, float]]]) -> bool:
    return any(abs(b[0] - a[0]) > 180.0 for ring in rings for a, b in itertools.pairwise(ring))


def _polygon(raw: Any, pointer: str) -> list[Polygon]:
    """One GeoJSON polygon's rings as shapely polygons in [-180, 180] (two when it crosses
    the antimeridian)."""
    if not isinstance(raw, list) or not raw:
        raise AreaError(pointer, "a polygon is a list of linear rings")
    rings = [_positions(ring, f"{pointer}/{i}") for i, ring in enumerate(raw)]
    wrapped = _crosses_antimeridian(rings)
    if wrapped:  # work east of 180 degrees, then split back
        rings = [[(lon + 360.0 if lon < 0 else lon, lat) for lon, lat in ring] for ring in rings]
    polygon = Polygon(rings[0], rings[1:])
    if not polygon.is_valid:
        raise AreaError(pointer, f"invalid polygon: {explain_validity(polygon)}")
    if not wrapped:
        return [polygon]
    west = polygon.intersection(_WORLD)
    east = shapely.affinity.translate(polygon.intersection(_EAST_OF_180), xoff=-360.0)
    return [p for part in (west, east) for p in _polygons_of(part)]


def _polygons_of(geometry: Any) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def ring_area_km2(coords: Sequence[tuple[float, float]]) -> float:
    """Area on the sphere enclosed by a lon/lat ring (Chamberlain and Duquette, 2007)."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(coords):
        total += math.radians(lon2 - lon1) * (
            2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2))
        )
    return abs(total) * EARTH_RADIUS_M**2 / 2 / 1e6


def area_km2(geometry: Polygon | MultiPolygon) -> float:
    polygons = [geometry] if isinstance(geometry, Polygon) else list(geometry.geoms)
    return sum(
        ring_area_km2(list(p.exterior.coords))
        - sum(ring_area_km2(list(h.coords)) for h in p.interiors)
        for p in polygons
    )


def _polygonal(raw: dict[str, Any]) -> dict[str, Any]:
    kind, coordinates = raw["type"], raw.get("coordinates")
    polygons: list[Polygon] = []
    if kind == "Polygon":
        polygons = _polygon(coordinates, "/area/coordinates")
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise AreaError("/area/coordinates", "a MultiPolygon is a list of polygons")
        for i, item in enumerate(coordinates):
            polygons.extend(_polygon(item, f"/area/coordinates/{i}"))
    vertices = sum(
        len(p.exterior.coords) + sum(len(h.coords) for h in p.interiors) for p in polygons
    )
    if vertices > MAX_VERTICES:
        raise AreaError(
            "/area/coordinates",
            f"{vertices} vertices: at most {MAX_VERTICES} (simplify the shape)",
        )
    geometry = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    if len(polygons) > 1 and not geometry.is_valid:
        raise AreaError("/area/coordinates", f"invalid polygon: {explain_validity(geometry)}")
    size = area_km2(geometry)
    if size > MAX_AREA_KM2:
        raise AreaError(
            "/area/coordinates",
            f"the area covers {size:,.0f} km², more than {MAX_AREA_KM2:,.0f} km²: "
            "name whole countries instead",
        )
    out = mapping(geometry)
    return {"type": out["type"], "coordinates": _lists(out["coordinates"])}


def _lists(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], float | int):
            return [round(float(v), 6) for v in value]
        return [_lists(v) for v in value]
    return value


# The codes of the countries a geometry touches: given by the caller (the boundaries are
# reference data, ``app.countries.boundaries.codes_touching``), so geometry imports no domain.
Touching = Callable[[Any], Collection[str]]


def normalise_area(raw: dict[str, Any], *, touching: Touching) -> tuple[dict[str, Any], list[str]]:
    """The area as stored and the countries it covers or touches; :class:`AreaError` if bad.

    ``raw`` has passed the schema (``type`` and the fields of its kind are present)."""
    kind = raw["type"]
    if kind in ("Polygon", "MultiPolygon"):
        area = _polygonal(raw)
        return area, sorted(touching(_geometry(area)))
    if kind == "Circle":
        lon, lat = (float(v) for v in raw["center"])
        area = {"type": "Circle", "center": [round(lon, 6), round(lat, 6)]}
        area["radius_m"] = int(raw["radius_m"])
        return area, sorted(touching(circle_polygon(lat, lon, area["radius_m"])))
    countries = sorted(set(raw["countries"]))
    return {"type": "Countries", "countries": countries}, countries


def circle_polygon(lat: float, lon: float, radius_m: float) -> Polygon | MultiPolygon:
    """A polygon of the circle (for the countries it touches and box tests), split at the
    antimeridian when it crosses it; a cap around a pole becomes a latitude band."""
    angular = radius_m / EARTH_RADIUS_M
    if abs(lat) + math.degrees(angular) >= 90.0:
        edge = abs(lat) - math.degrees(angular)
        return box(-180.0, edge, 180.0, 90.0) if lat > 0 else box(-180.0, -90.0, 180.0, -edge)
    p1, l1 = math.radians(lat), math.radians(lon)
    ring: list[tuple[float, float]] = []
    for step in range(_CIRCLE_SEGMENTS):
        bearing = 2 * math.pi * step / _CIRCLE_SEGMENTS
        p2 = math.asin(
            math.sin(p1) * math.cos(angular) + math.cos(p1) * math.sin(angular) * math.cos(bearing)
        )
        l2 = l1 + math.atan2(
            math.sin(bearing) * math.sin(angular) * math.cos(p1),
            math.cos(angular) - math.sin(p1) * math.sin(p2),
        )
        ring.append((math.degrees(l2), math.degrees(p2)))  # unwrapped around lon
    polygon = Polygon(ring)
    if polygon.bounds[0] >= -180.0 and polygon.bounds[2] <= 180.0:
        return polygon
    shift = 360.0 if polygon.bounds[0] < -180.0 else -360.0
    inside = polygon.intersection(_WORLD)
    outside = shapely.affinity.translate(polygon.difference(_WORLD), xoff=shift)
    return MultiPolygon(_polygons_of(inside) + _polygons_of(outside))


def _geometry(area: dict[str, Any]) -> Polygon | MultiPolygon:
    geometry = shape(area)
    assert isinstance(geometry, Polygon | MultiPolygon)
    return geometry


# --- reading: compiled coverage -----------------------------------------------------------


@dataclass(slots=True)
class CompiledArea:
    """What an area covers, ready for many questions (build once per alert version)."""

    kind: str
    countries: frozenset[str]
    geometry: Any = None  # prepared shapely geometry (polygons; circles for box tests)
    center: tuple[float, float] | None = None  # (lat, lon) of a circle
    radius_m: float = 0.0
    bounds: tuple[float, float, float, float] | None = None  # lon/lat box of the geometry

    def covers(self, lat: float, lon: float, country: str | None) -> bool:
        """Whether the point (in ``country``, when known) lies in the area."""
        if self.kind == "Countries":
            return country is not None and country in self.countries
        if self.kind == "Circle":
            assert self.center is not None
            return haversine_m(self.center[0], self.center[1], lat, lon) <= self.radius_m
        return bool(shapely.intersects_xy(self.geometry, lon, lat))

    def covers_many(
        self, lats: Sequence[float], lons: Sequence[float], countries: Sequence[str | None]
    ) -> list[bool]:
        """:meth:`covers` for many points (one vectorised call for polygons); a page of
        points outside the area's box costs four comparisons."""
        if self.bounds is not None and lats:
            west, south, east, north = self.bounds
            if min(lats) > north or max(lats) < south or min(lons) > east or max(lons) < west:
                return [False] * len(lats)
        if self.kind == "Polygon" and lats:
            hits = shapely.intersects_xy(self.geometry, np.asarray(lons), np.asarray(lats))
            return [bool(h) for h in hits]
        return [self.covers(y, x, c) for y, x, c in zip(lats, lons, countries, strict=True)]

    def touches_box(self, bbox: BBox, box_countries: Iterable[str]) -> bool:
        """Whether the area reaches into ``bbox`` (whose land is in ``box_countries``)."""
        if self.kind == "Countries":
            return not self.countries.isdisjoint(box_countries)
        return any(
            self.geometry.intersects(box(p.min_lon, p.min_lat, p.max_lon, p.max_lat))
            for p in bbox.parts()
        )


def compile_area(area: dict[str, Any], countries: Iterable[str]) -> CompiledArea:
    """A stored area (as :func:`normalise_area` gave it) compiled for coverage tests."""
    kind = area["type"]
    codes = frozenset(countries)
    if kind == "Countries":
        return CompiledArea(kind=kind, countries=codes)
    if kind == "Circle":
        lon, lat = area["center"]
        geometry = circle_polygon(lat, lon, area["radius_m"])
        shapely.prepare(geometry)
        return CompiledArea(
            kind=kind,
            countries=codes,
            geometry=geometry,
            center=(lat, lon),
            radius_m=float(area["radius_m"]),
            bounds=tuple(geometry.bounds),
        )
    geometry = _geometry(area)
    shapely.prepare(geometry)
    return CompiledArea(
        kind="Polygon", countries=codes, geometry=geometry, bounds=tuple(geometry.bounds)
    )
