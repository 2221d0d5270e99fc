"""Routes on the sphere: parsing, limits, and exact distances of points to a route.

A route is a polyline of great-circle arcs between its vertices (the shorter arc, so a
route crossing the antimeridian needs nothing special). For a point, ``off_route_m`` is its
great-circle distance to the nearest location on the route, and ``along_m`` how far along
the route that location lies (the first one, if several are equally near).

Distances are computed with unit vectors and dot products only (no ``acos`` of a number
near 1), so they stay exact to well under a millimetre for points near the line.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import polyline

from app.geo.sphere import EARTH_RADIUS_M

__all__ = [
    "MAX_CORRIDOR_M",
    "MAX_ROUTE_LENGTH_M",
    "MAX_ROUTE_VERTICES",
    "Piece",
    "Route",
    "RouteError",
    "parse_route",
]

MAX_ROUTE_VERTICES = 1_000
MAX_ROUTE_LENGTH_M = 5_000_000.0
MAX_CORRIDOR_M = 50_000
# Pieces the route is cut into to query the spatial index: no shorter than this (metres).
MIN_PIECE_M = 2_000.0
# Points are measured against the route in blocks of at most this many point x segment pairs.
_BLOCK = 1_000_000
# Parsed routes kept (parse_route), and corridor widths whose pieces each keeps: at most
# 2,500 pieces of ~300 bytes a width, so 16 x 2 x 0.75 MB in the worst case.
_PARSED_ROUTES = 16
_PIECE_WIDTHS = 2

_COORDINATES = re.compile(r"^[0-9.,;+\-eE ]+$")


class RouteError(ValueError):
    """A route that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the route: from ``start_m`` to ``end_m`` along it, between two locations
    (lat, lon), with its midpoint and half its length."""

    start_m: float
    end_m: float
    start: tuple[float, float]
    end: tuple[float, float]
    mid: tuple[float, float]
    half_m: float


def _unit(lat: Any, lon: Any) -> Any:
    p, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)], axis=-1)


def _lat_lon(v: Any) -> tuple[float, float]:
    x, y, z = (float(c) for c in v)
    lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    lon = math.degrees(math.atan2(y, x))
    return lat, lon


def _dots(p: Any, q: Any) -> Any:
    """Every p·q (rows of p by rows of q), each summed in the same order whatever the
    array sizes (a matrix product may round differently by batch, and a cursor compares
    a point's ``along_m`` across requests)."""
    return (
        p[:, None, 0] * q[None, :, 0]
        + p[:, None, 1] * q[None, :, 1]
        + p[:, None, 2] * q[None, :, 2]
    )


def _angle(u: Any, v: Any) -> Any:
    """Angles between unit vectors, stable at every size."""
    return np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))


class Route:
    """A validated route: at least two distinct vertices, each (lat, lon)."""

    def __init__(self, vertices: list[tuple[float, float]]) -> None:
        self.vertices = vertices
        lat = np.array([v[0] for v in vertices])
        lon = np.array([v[1] for v in vertices])
        units = _unit(lat, lon)
        self._a = units[:-1]
        self._b = units[1:]
        self.lengths = _angle(self._a, self._b)  # radians
        normal = np.cross(self._a, self._b)
        self._n = normal / np.linalg.norm(normal, axis=-1)[:, None]
        self._t = np.cross(self._n, self._a)  # unit tangent at each segment's start
        self.starts = np.concatenate([[0.0], np.cumsum(self.lengths)[:-1]])  # radians
        self._pieces: dict[float, list[Piece]] = {}

    @property
    def length_m(self) -> float:
        return float(np.sum(self.lengths)) * EARTH_RADIUS_M

    @cached_property
    def canonical(self) -> str:
        """The vertices as text (what a cursor is bound to)."""
        return ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in self.vertices)

    def measure(self, lats: Any, lons: Any) -> tuple[Any, Any]:
        """(along_m, off_route_m) arrays for points at ``lats``, ``lons``."""
        lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
        count = len(lats)
        along = np.empty(count)
        off = np.empty(count)
        step = max(1, _BLOCK // len(self.lengths))
        for first in range(0, count, step):
            p = _unit(lats[first : first + step], lons[first : first + step])
            s = _dots(p, self._n)  # sine of the cross-track angle
            c_a = _dots(p, self._a)
            c_t = _dots(p, self._t)
            theta = np.arctan2(c_t, c_a)  # angle along each segment's great circle
            xt = np.arctan2(s, np.hypot(c_a, c_t))
            clipped = np.clip(theta, 0.0, self.lengths)
            # Beyond an end, the distance to that end: from the right spherical triangle,
            # sin²(d/2) = x + y - 2xy with x = sin²(xt/2), y = sin²(beyond/2).
            beyond = np.abs(theta - clipped)
            x = np.sin(xt / 2) ** 2
            y = np.sin(beyond / 2) ** 2
            dist = 2 * np.arcsin(np.sqrt(np.clip(x + y - 2 * x * y, 0.0, 1.0)))
            best = np.argmin(dist, axis=1)
            rows = np.arange(len(best))
            along[first : first + step] = (self.starts[best] + clipped[rows, best]) * (
                EARTH_RADIUS_M
            )
            off[first : first + step] = dist[rows, best] * EARTH_RADIUS_M
        return along, off

    def pieces(self, corridor_m: float) -> list[Piece]:
        """The route cut into stretches of about ``max(2 * corridor_m, 2 km)``, in order
        (computed once per corridor width)."""
        found = self._pieces.get(corridor_m)
        if found is None:
            if len(self._pieces) >= _PIECE_WIDTHS:
                self._pieces.clear()
            found = self._pieces[corridor_m] = self._cut(corridor_m)
        return found

    def _cut(self, corridor_m: float) -> list[Piece]:
        target = max(2.0 * corridor_m, MIN_PIECE_M) / EARTH_RADIUS_M
        counts = np.maximum(1, np.ceil(self.lengths / target)).astype(np.int64)
        seg = np.repeat(np.arange(len(counts)), counts)
        k = np.arange(len(seg)) - np.repeat(np.cumsum(counts) - counts, counts)
        n = counts[seg].astype(float)
        length = self.lengths[seg]
        a, b = self._a[seg], self._b[seg]

        def at(f: Any) -> Any:
            # The location a fraction ``f`` along each piece's segment (slerp), (lat, lon).
            v = (np.sin((1 - f) * length)[:, None] * a + np.sin(f * length)[:, None] * b) / (
                np.sin(length)[:, None]
            )
            lat = np.degrees(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
            return lat.tolist(), np.degrees(np.arctan2(v[:, 1], v[:, 0])).tolist()

        f0, f1 = k / n, (k + 1) / n
        starts = ((self.starts[seg] + f0 * length) * EARTH_RADIUS_M).tolist()
        ends = ((self.starts[seg] + f1 * length) * EARTH_RADIUS_M).tolist()
        halves = (length / n / 2 * EARTH_RADIUS_M).tolist()
        (lat0, lon0), (lat1, lon1), (latm, lonm) = at(f0), at(f1), at((f0 + f1) / 2)
        return [
            Piece(
                start_m=starts[i],
                end_m=ends[i],
                start=(lat0[i], lon0[i]),
                end=(lat1[i], lon1[i]),
                mid=(latm[i], lonm[i]),
                half_m=halves[i],
            )
            for i in range(len(seg))
        ]


def _decode(raw: str) -> list[tuple[float, float]]:
    """(lat, lon) vertices of ``lon,lat;lon,lat;...`` or of an encoded polyline."""
    if _COORDINATES.match(raw):
        vertices = []
        for pair in raw.split(";"):
            parts = pair.split(",")
            if len(parts) != 2:
                raise RouteError("expected 'lon,lat;lon,lat;...' or an encoded polyline")
            try:
                lon, lat = float(parts[0]), float(parts[1])
            except ValueError:
                raise RouteError(f"{pair[:40]!r} is not 'lon,lat'") from None
            vertices.append((lat, lon))
        return vertices
    if any(not 63 <= ord(ch) <= 126 for ch in raw):
        raise RouteError("not an encoded polyline (characters outside '?' to '~')")
    try:
        decoded = polyline.decode(raw, 5)
    except (IndexError, ValueError):
        raise RouteError("malformed encoded polyline (it ends inside a number)") from None
    return [(float(lat), float(lon)) for lat, lon in decoded]


@functools.lru_cache(maxsize=_PARSED_ROUTES)
def parse_route(raw: str) -> Route:
    """A route from ``lon,lat;lon,lat;...`` or a Google encoded polyline (precision 5),
    within the limits on vertices and length; :class:`RouteError` otherwise.

    The last few routes parsed are kept (a route's pages, its next requests): a route is
    immutable but for the pieces it computes for a corridor width, the same whoever asks
    (a few widths kept, see :meth:`Route.pieces`)."""
    raw = raw.strip()
    if not raw:
        raise RouteError("empty route")
    vertices = _decode(raw)
    if len(vertices) > MAX_ROUTE_VERTICES:
        raise RouteError(f"at most {MAX_ROUTE_VERTICES} vertices (got {len(vertices)})")
    for lat, lon in vertices:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise RouteError("coordinates must be finite numbers")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise RouteError(
                f"({lon}, {lat}) is out of range: lon in [-180, 180], lat in [-90, 90]"
            )
    distinct = [v for i, v in enumerate(vertices) if i == 0 or v != vertices[i - 1]]
    if len(distinct) < 2:
        raise RouteError("a route needs at least two distinct vertices")
    units = _unit(np.array([v[0] for v in distinct]), np.array([v[1] for v in distinct]))
    angles = _angle(units[:-1], units[1:])
    # Same position written differently (e.g. lon 180 and -180): not a segment.
    keep = [distinct[0]] + [v for v, a in zip(distinct[1:], angles, strict=True) if a > 1e-12]
    if len(keep) < 2:
        raise RouteError("a route needs at least two distinct vertices")
    route = Route(keep)
    if route.length_m > MAX_ROUTE_LENGTH_M:
        raise RouteError(
            f"at most {MAX_ROUTE_LENGTH_M / 1000:.0f} km long (got {route.length_m / 1000:.0f} km)"
        )
    return route
