"""Great-circle geometry on the mean Earth sphere (the same radius PostGIS uses)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["EARTH_RADIUS_M", "MARGIN_DEG", "BBox", "boxes_around", "haversine_from", "haversine_m"]

# IUGG mean radius, as PostGIS's sphere distance (use_spheroid=false).
EARTH_RADIUS_M = 6_371_008.7714


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Exact great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat = p2 - p1
    dlon = math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_from(lat1: float, lon1: float) -> Callable[[float, float], float]:
    """:func:`haversine_m` from a fixed first point, its sine and cosine computed once: the
    same operations in the same order, so the same float, for a search ranking its
    candidates (tens a request)."""
    p1 = math.radians(lat1)
    cos_p1 = math.cos(p1)
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    diameter = 2 * EARTH_RADIUS_M

    def distance(lat2: float, lon2: float) -> float:
        p2 = radians(lat2)
        a = sin((p2 - p1) / 2) ** 2 + cos_p1 * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
        return diameter * asin(min(1.0, sqrt(a)))

    return distance


@dataclass(frozen=True, slots=True)
class BBox:
    """A lon/lat box. ``min_lon > max_lon`` means it crosses the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.min_lon > self.max_lon

    def parts(self) -> list[BBox]:
        """One or two boxes that never cross the antimeridian."""
        if not self.crosses_antimeridian:
            return [self]
        return [
            BBox(self.min_lon, self.min_lat, 180.0, self.max_lat),
            BBox(-180.0, self.min_lat, self.max_lon, self.max_lat),
        ]

    def contains(self, lat: float, lon: float) -> bool:
        if not self.min_lat <= lat <= self.max_lat:
            return False
        if self.crosses_antimeridian:
            return lon >= self.min_lon or lon <= self.max_lon
        return self.min_lon <= lon <= self.max_lon

    def centre(self) -> tuple[float, float]:
        """(lat, lon) of the middle of the box, across the antimeridian too."""
        width = (self.max_lon - self.min_lon) % 360.0 or (
            360.0 if self.min_lon != self.max_lon else 0.0
        )
        lon = (self.min_lon + width / 2 + 540.0) % 360.0 - 180.0
        return (self.min_lat + self.max_lat) / 2, lon

    def reach_m(self) -> float:
        """A radius around :meth:`centre` that holds the whole box (metres).

        The farthest point of the box lies on its edge: on a parallel, at a corner (the
        distance grows with the longitude gap); on a meridian (a great circle), at a corner
        or where the distance peaks along it, which for a box wider than half the world is
        inside the edge (the centre's antipode, for the whole world)."""
        lat, lon = self.centre()
        points = [
            (y, x) for y in (self.min_lat, self.max_lat) for x in (self.min_lon, self.max_lon)
        ]
        p0 = math.radians(lat)
        for x in (self.min_lon, self.max_lon):
            # cos(distance) = sin(p0) sin(p) + cos(p0) cos(dlon) cos(p): least at ``peak``.
            b = math.cos(p0) * math.cos(math.radians(x - lon))
            peak = math.degrees(math.atan2(-math.sin(p0), -b))
            if self.min_lat <= peak <= self.max_lat:
                points.append((peak, x))
        return min(
            math.pi * EARTH_RADIUS_M, max(haversine_m(lat, lon, y, x) for y, x in points) + 1.0
        )


# A margin (degrees) added to search boxes so 32-bit R*Tree rounding never drops a point.
MARGIN_DEG = 1e-4


def boxes_around(lat: float, lon: float, radius_m: float) -> list[BBox]:
    """Boxes (split at the antimeridian) that contain every point within ``radius_m``."""
    angular = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(angular) + MARGIN_DEG
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0 or angular >= math.pi / 2:
        # The circle reaches a pole: every longitude is in play.
        return [BBox(-180.0, max(min_lat, -90.0), 180.0, min(max_lat, 90.0))]
    # Widest longitude span of the circle (exact for a sphere).
    dlon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(lat)))))
    dlon += MARGIN_DEG
    if dlon >= 180.0:
        return [BBox(-180.0, min_lat, 180.0, max_lat)]
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return BBox(west + 360.0, min_lat, east, max_lat).parts()
    if east > 180.0:
        return BBox(west, min_lat, east - 360.0, max_lat).parts()
    return [BBox(west, min_lat, east, max_lat)]
