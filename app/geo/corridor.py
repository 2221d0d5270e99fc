"""Search along a route: points within a corridor, in order along the route.

The engine-independent part. The route is cut into pieces (:meth:`Route.pieces`); a
source answers "which points might lie within ``corridor_m`` of these pieces" (a backend's
spatial index, or an in-process index; a superset is fine); candidates are then measured
exactly against the whole route (:meth:`Route.measure`).

Pieces are visited in order along the route, and the walk stops once a page is certain:
a point whose nearest route location lies in piece ``k`` is within the corridor of that
piece, so once pieces up to ``k`` have been read, every point with ``along_m`` up to the
end of piece ``k`` is known. A cursor skips the pieces that end before it.

Measuring is lazy. A candidate outside the circles of pieces ``0..k-1`` (each circle holds
its piece's corridor) cannot have its nearest route location before piece ``k``: its
``along_m`` is at least that piece's start. Candidates are measured in order of that lower
bound, then id, a block at a time, and measuring stops once the page's last point comes
before every candidate not measured yet. A dense town at the start of a route (thousands
of points, hundreds of them tied at ``along_m`` 0) costs a few blocks, not the town.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.geo.results import AlongCursor, PostFilter, RouteCandidate
from app.geo.route import Piece, Route
from app.geo.sphere import EARTH_RADIUS_M

__all__ = [
    "AlongCursor",
    "Candidates",
    "ExactLocations",
    "FetchPieces",
    "RouteCandidate",
    "walk_corridor",
]

# (ids, lats, lons) of points: numpy arrays or sequences of equal length. A source may add
# a fourth column, ``ranks``: for each point, the index in the batch of pieces of the first
# piece whose corridor may hold it (or a smaller one); such a source gives each point once
# per search.
Candidates = tuple[Any, ...]
# Fetches the points that may lie within the corridor of some pieces.
FetchPieces = Callable[[Sequence[Piece]], Candidates]
# The exact (lats, lons) of points by id, in the order asked, when a source fetches
# coarse locations (an index's rounded boxes).
ExactLocations = Callable[[Sequence[int]], tuple[Any, Any]]

# Pieces read per round: the first round is small (a first page is usually near the
# start), later ones grow up to this many.
_FIRST_ROUND = 2
_MAX_ROUND = 64
# Candidates measured per block: the first block, and the most (blocks double).
_FIRST_BLOCK = 64
_MAX_BLOCK = 8192
# Metres of slack on lower bounds and on the frontier: along_m is rounded to the
# millimetre, piece ends are floats of their own.
_SLACK_M = 1.0
# Ids fit below this bit in a sort key (piece index above it).
_ID_BITS = 40


def _units(lats: Any, lons: Any) -> Any:
    p, q = np.radians(lats), np.radians(lons)
    return np.stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)], axis=-1)


def _first_piece(
    lats: Any, lons: Any, batch: Sequence[Piece], corridor_m: float, coarse_m: float
) -> Any:
    """For each point, the index in ``batch`` of the first piece whose circle (midpoint,
    half its length + the corridor, + slack) holds it; ``len(batch)`` when none does."""
    points = _units(lats, lons)
    mids = _units(np.array([p.mid[0] for p in batch]), np.array([p.mid[1] for p in batch]))
    slack = _SLACK_M + coarse_m
    reach = np.array([(p.half_m + corridor_m + slack) / EARTH_RADIUS_M for p in batch])
    # Inside a circle: the chord to its centre is at most the chord of its radius.
    chord2 = (2 * np.sin(np.minimum(reach, math.pi) / 2)) ** 2
    out = np.full(len(points), len(batch), dtype=np.int64)
    for k in range(len(batch) - 1, -1, -1):
        d = points - mids[k]
        inside = np.einsum("ij,ij->i", d, d) <= chord2[k]
        out[inside] = k
    return out


class _Pool:
    """Candidates not measured yet, each with a sort key: (rank of the first piece whose
    corridor may hold it, id). Measured ones keep their place with the largest key."""

    _TAKEN = np.iinfo(np.int64).max

    def __init__(self, lower_of_rank: Callable[[int], float]) -> None:
        self.lower_of_rank = lower_of_rank
        self.keys = np.empty(0, dtype=np.int64)
        self.ids = np.empty(0, dtype=np.int64)
        self.lats = np.empty(0)
        self.lons = np.empty(0)
        self.left = 0

    def add(self, ranks: Any, ids: Any, lats: Any, lons: Any) -> None:
        self.keys = np.concatenate((self.keys, (ranks << _ID_BITS) | ids))
        self.ids = np.concatenate((self.ids, ids))
        self.lats = np.concatenate((self.lats, lats))
        self.lons = np.concatenate((self.lons, lons))
        self.left += len(ids)

    def first(self) -> tuple[float, int]:
        """(lower bound of along_m, id) of the candidate that comes first."""
        key = int(np.min(self.keys))
        return self.lower_of_rank(key >> _ID_BITS), key & ((1 << _ID_BITS) - 1)

    def take(self, count: int) -> tuple[Any, Any, Any]:
        """The ``count`` candidates that come first, taken out: (ids, lats, lons)."""
        if count >= self.left:
            chosen = np.flatnonzero(self.keys != self._TAKEN)
        else:
            chosen = np.argpartition(self.keys, count - 1)[:count]
        self.keys[chosen] = self._TAKEN
        self.left -= len(chosen)
        return self.ids[chosen], self.lats[chosen], self.lons[chosen]


def walk_corridor(
    route: Route,
    corridor_m: float,
    *,
    limit: int,
    fetch: FetchPieces,
    after: AlongCursor | None = None,
    post_filter: PostFilter | None = None,
    exact: ExactLocations | None = None,
    coarse_m: float = 0.0,
) -> list[RouteCandidate]:
    """Up to ``limit`` points within ``corridor_m`` of ``route``, by (along_m, id).

    ``fetch`` may give locations up to ``coarse_m`` metres off (their bounds only order
    the measuring), ``exact`` then gives the exact ones of the points measured."""
    pieces = route.pieces(corridor_m)
    start = 0
    if after is not None:
        # A metre of slack: along_m is rounded, piece ends are not.
        start = bisect.bisect_left([p.end_m for p in pieces], after.along_m - _SLACK_M)
    seen = np.empty(0, dtype=np.int64)  # every id fetched so far

    def lower_of_rank(rank: int) -> float:
        # Nothing lies before the route's start: no slack needed at 0.
        start_m = pieces[rank].start_m if rank < len(pieces) else pieces[-1].end_m
        return max(0.0, start_m - _SLACK_M) if start_m > 0.0 else 0.0

    pool = _Pool(lower_of_rank)
    found: list[tuple[float, int, float]] = []  # (along_m, id, off_route_m), in the corridor
    size = _FIRST_ROUND
    block = _FIRST_BLOCK
    i = start
    while True:
        if i < len(pieces):
            batch = pieces[i : i + size]
            rank0 = i
            i += len(batch)
            size = min(size * 2, _MAX_ROUND)
            columns = [np.asarray(c) for c in fetch(batch)]
            ids = columns[0].astype(np.int64, copy=False)
            lats, lons = columns[1].astype(float), columns[2].astype(float)
            if len(columns) == 4:
                # The source ranked its points and gives each once per search.
                within = columns[3].astype(np.int64, copy=False)
            elif len(ids):
                # Each point once: the first time it is fetched.
                order = np.argsort(ids, kind="stable")
                ordered = ids[order]
                first = order[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
                if len(seen):
                    first = first[~np.isin(ids[first], seen)]
                ids, lats, lons = ids[first], lats[first], lons[first]
                seen = np.concatenate((seen, ids))
                within = _first_piece(lats, lons, batch, corridor_m, coarse_m)
            if len(ids):
                pool.add(rank0 + within, ids, lats, lons)
        frontier = pieces[i - 1].end_m - _SLACK_M if i < len(pieces) else math.inf
        while True:
            ready = [f for f in found if f[0] < frontier]
            if len(ready) >= limit:
                last = ready[limit - 1]
                if not pool.left or (last[0], last[1]) < pool.first():
                    return [
                        RouteCandidate(id=pid, distance_m=None, along_m=a, off_route_m=o)
                        for a, pid, o in ready[:limit]
                    ]
            if not pool.left:
                break
            ids, lats, lons = pool.take(block)
            block = min(block * 2, _MAX_BLOCK)
            if exact is not None:
                lats, lons = exact(ids.tolist())
            along, off = route.measure(lats, lons)
            new = [
                # Millimetres: the same point compares equal across requests.
                (round(a, 3), pid, o)
                for pid, a, o in zip(ids.tolist(), along.tolist(), off.tolist(), strict=True)
                if o <= corridor_m
            ]
            if after is not None:
                new = [f for f in new if (f[0], f[1]) > (after.along_m, after.id)]
            if post_filter is not None and new:
                kept = post_filter([pid for _, pid, _ in new])
                new = [f for f in new if f[1] in kept]
            found = sorted(found + new)
        if i >= len(pieces):
            return [
                RouteCandidate(id=pid, distance_m=None, along_m=a, off_route_m=o)
                for a, pid, o in found[:limit]
            ]
