"""Search along a route from the grid index: the candidates of route pieces in memory.

``app.geo.corridor.walk_corridor`` asks a source for the points that may lie within the
corridor of a few route pieces; the database answers from its spatial index, one row per
candidate (thousands near a dense town: a cost that grows with the data). The grid index
(``app.maps.index``) holds the same points (the public ones, at their public location) in
columns sorted by cell, so a piece's circle is a few slices and a vectorised test: the
walk then measures only the few candidates a page needs. It answers the filters the index
carries (country, free); the caller keeps other filters on the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from app.geo.corridor import Candidates, FetchPieces
from app.geo.route import Piece
from app.geo.sphere import boxes_around
from app.maps.filters import MapFilters
from app.maps.index import GridPoints

__all__ = ["grid_candidates"]


def _zoom(width_deg: float) -> int:
    """A zoom whose tiles are about as wide as the box (the index narrows it further)."""
    return max(0, min(22, int(math.log2(360.0 / max(width_deg, 1e-9)))))


def grid_candidates(points: GridPoints, corridor_m: float, filters: MapFilters) -> FetchPieces:
    """A candidate source for :func:`~app.geo.corridor.walk_corridor` over ``points``:
    the points in the box of each piece's circle (midpoint, half its length + the
    corridor), as the SQLite backend asks its R*Tree, passing ``filters``."""
    assert filters.indexable

    def fetch(pieces: Sequence[Piece]) -> Candidates:
        chunks = []
        for piece in pieces:
            for box in boxes_around(*piece.mid, piece.half_m + corridor_m):
                width = (box.max_lon - box.min_lon) % 360.0 or 360.0
                chunks.append(points.in_box(box, _zoom(width), filters))
        if not chunks:
            return (), (), ()
        positions = np.concatenate(chunks)
        return points.ids[positions], points.lat[positions], points.lon[positions]

    return fetch
