"""A ring around a centre, as SQL on stored coordinates: the points between two distances.

Deep pages of a nearest-first listing need the points beyond the cursor's distance only.
Twice the haversine term of a point, ``1 - cos(dlat) + cos(lat0) cos(lat) (1 - cos(dlon))``,
grows with its distance, so comparing it with the term of a distance selects by distance
with a few float operations per row (no geography arithmetic). The comparison keeps a
slack of 0.5 m, far above rounding; the exact ranking (haversine, app/geo/sphere.py) stays
in Python.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func

from app.geo.sphere import EARTH_RADIUS_M

__all__ = ["SLACK_M", "ring_clause", "ring_params"]

SLACK_M = 0.5
_K = math.pi / 180.0


def ring_clause(lat: Any, lon: Any) -> ColumnElement[bool]:
    """True for points (``lat``, ``lon`` columns, degrees) in the ring of :func:`ring_params`."""
    term = (
        1.0
        - func.cos(lat * _K - bindparam("rlat"))
        + bindparam("coslat") * func.cos(lat * _K) * (1.0 - func.cos(lon * _K - bindparam("rlon")))
    )
    return term.between(bindparam("afloor"), bindparam("aceil"))


def _term(distance_m: float) -> float:
    """Twice the haversine term of a distance (clamped to the sphere)."""
    half = min(max(0.0, distance_m) / (2 * EARTH_RADIUS_M), math.pi / 2)
    return 2 * math.sin(half) ** 2


def ring_params(lat: float, lon: float, inner_m: float, outer_m: float) -> dict[str, float]:
    """Bound values of :func:`ring_clause`: from ``inner_m`` to ``outer_m`` around (lat, lon)."""
    return {
        "rlat": math.radians(lat),
        "rlon": math.radians(lon),
        "coslat": math.cos(math.radians(lat)),
        "afloor": _term(inner_m - SLACK_M),
        # Past the half circumference, every point: above any rounding of the term.
        "aceil": _term(outer_m + SLACK_M) if outer_m < math.pi * EARTH_RADIUS_M else 3.0,
    }
