"""The web-mercator (EPSG:3857) XYZ grid: tiles, and the cells points are clustered in.

A cluster cell is a square of ``CELL_PX`` pixels of a 256-pixel tile at a zoom level, so
cells nest (each holds four cells of the next zoom) and are the same for every request:
clusters are deterministic and cacheable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.geo.sphere import BBox

__all__ = [
    "CELL_PX",
    "MAX_LAT",
    "MAX_ZOOM",
    "TileId",
    "cell_of",
    "cells_per_axis",
    "row_edges",
    "tile_bbox",
    "unit_xy",
]

MAX_ZOOM = 22
CELL_PX = 64
MAX_LAT = 85.0511287798066  # web-mercator's square world


def unit_xy(lat: float, lon: float) -> tuple[float, float]:
    """(x, y) in [0, 1] of the mercator square, y growing southwards (XYZ convention)."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = (lon + 180.0) / 360.0
    s = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)


def cells_per_axis(zoom: int) -> int:
    return (1 << zoom) * (256 // CELL_PX)


def row_edges(box: BBox, zoom: int) -> tuple[int, list[float]]:
    """The first (northernmost) cell row of ``box`` at ``zoom``, and the latitudes of the
    northern edges of its other rows, north to south."""
    n = cells_per_axis(zoom)
    first = cell_of(box.max_lat, 0.0, zoom)[1]
    last = cell_of(box.min_lat, 0.0, zoom)[1]
    return first, [_lat_of(k / n) for k in range(first + 1, last + 1)]


def cell_of(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The cluster cell (column, row) holding (lat, lon) at ``zoom``."""
    n = cells_per_axis(zoom)
    x, y = unit_xy(lat, lon)
    return min(int(x * n), n - 1), min(int(y * n), n - 1)


def _lat_of(y: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))


@dataclass(frozen=True, slots=True)
class TileId:
    z: int
    x: int
    y: int

    def bbox(self) -> BBox:
        return tile_bbox(self.z, self.x, self.y)

    def parent(self, zoom: int) -> TileId:
        """The tile holding this one at a lower ``zoom``."""
        shift = max(0, self.z - zoom)
        return TileId(self.z - shift, self.x >> shift, self.y >> shift)


def tile_bbox(z: int, x: int, y: int) -> BBox:
    n = 1 << z
    return BBox(
        x / n * 360.0 - 180.0, _lat_of((y + 1) / n), (x + 1) / n * 360.0 - 180.0, _lat_of(y / n)
    )
