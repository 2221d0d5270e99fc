"""Search along a route from the grid index: the candidates of route pieces in memory.

``app.geo.corridor.walk_corridor`` asks a source for the points that may lie within the
corridor of a few route pieces; the database answers from its spatial index, one row per
candidate (thousands near a dense town: a cost that grows with the data). The grid index
(``app.maps.index``) holds the same points (the public ones, at their public location) in
columns sorted by cell, so the candidates of a piece are the points of the tiles its
circle's box touches: whole slices, copied, with no test per point. Each tile comes once
per search, ranked by the first piece whose box touches it (a lower bound of the first
piece whose corridor may hold each of its points: the walk orders its measuring by it).

It answers the filters the index carries (country, free); the caller keeps other filters
on the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from app.geo.corridor import Candidates, FetchPieces
from app.geo.route import MIN_PIECE_M, Piece, Route
from app.geo.sphere import EARTH_RADIUS_M, boxes_around
from app.geo.tilegrid import unit_xy
from app.maps.filters import MapFilters
from app.maps.index import GridPoints

__all__ = ["grid_candidates"]

# Tiles about this fraction of a piece's circle radius wide: a circle's box is a few tiles
# across (few slices), and the tiles overhang it little (few extra candidates).
_TILE_PER_RADIUS = 0.5
_MAX_ZOOM = 22
# Routes whose corridor reaches beyond this latitude are left to the database.
_MAX_LAT = 70.0


def _zoom(radius_m: float) -> int:
    width_deg = math.degrees(radius_m * _TILE_PER_RADIUS / EARTH_RADIUS_M)
    return max(0, min(_MAX_ZOOM, int(math.log2(360.0 / width_deg))))


def grid_candidates(
    points: GridPoints, route: Route, corridor_m: float, filters: MapFilters
) -> FetchPieces | None:
    """A candidate source for :func:`~app.geo.corridor.walk_corridor` over ``points``:
    the points of the tiles touched by the box of each piece's circle (midpoint, half its
    length + the corridor), as the SQLite backend asks its R*Tree, passing ``filters``,
    each once per search, with the rank of the first piece of the batch whose box touches
    their tile. None for a route that comes near a pole (``_MAX_LAT``: a box there spans
    many tiles; the database answers)."""
    assert filters.indexable
    # Pieces are at most max(2 x corridor, 2 km) long: one zoom for the whole search, so
    # a tile is one slice, seen once.
    radius = corridor_m + max(corridor_m, MIN_PIECE_M / 2)
    reach = math.degrees(radius / EARTH_RADIUS_M)
    if any(abs(lat) + reach > _MAX_LAT for lat, _ in route.vertices) or any(
        abs(p.mid[0]) + reach > _MAX_LAT for p in route.pieces(corridor_m)
    ):
        return None
    z = _zoom(radius)
    n = 1 << z
    seen: set[tuple[int, int]] = set()
    wanted_countries = [i for i, c in enumerate(points.countries) if c in filters.countries]

    def fetch(pieces: Sequence[Piece]) -> Candidates:
        xs: list[int] = []
        ys: list[int] = []
        ranks: list[int] = []
        for rank, piece in enumerate(pieces):
            for box in boxes_around(*piece.mid, piece.half_m + corridor_m):
                x0, y0 = unit_xy(box.max_lat, box.min_lon)
                x1, y1 = unit_xy(box.min_lat, box.max_lon)
                for tx in range(min(int(x0 * n), n - 1), min(int(x1 * n), n - 1) + 1):
                    for ty in range(min(int(y0 * n), n - 1), min(int(y1 * n), n - 1) + 1):
                        if (tx, ty) in seen:
                            continue
                        seen.add((tx, ty))
                        xs.append(tx)
                        ys.append(ty)
                        ranks.append(rank)
        if not xs:
            return (), (), (), ()
        los, his = points.tile_ranges(z, np.array(xs, dtype=np.int64), np.array(ys, dtype=np.int64))
        counts = his - los
        # Every tile's slice, in one array: each position is its slice's start plus its
        # rank inside the slice.
        offsets = np.cumsum(counts) - counts
        positions = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(los - offsets, counts)
        rank_of = np.repeat(np.array(ranks, dtype=np.int64), counts)
        if filters.countries:
            keep = np.isin(points.country[positions], wanted_countries)
            positions, rank_of = positions[keep], rank_of[keep]
        if filters.free is not None:
            keep = points.free[positions] == int(filters.free)
            positions, rank_of = positions[keep], rank_of[keep]
        return points.ids[positions], points.lat[positions], points.lon[positions], rank_of

    return fetch
