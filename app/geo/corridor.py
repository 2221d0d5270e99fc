"""Search along a route: points within a corridor, in order along the route.

The engine-independent part. The route is cut into pieces (:meth:`Route.pieces`); a
backend answers "which points might lie within ``corridor_m`` of these pieces" from its
spatial index (a superset is fine); each candidate is then measured exactly against the
whole route (:meth:`Route.measure`).

Pieces are visited in order along the route, and the walk stops once a page is certain:
a point whose nearest route location lies in piece ``k`` is within the corridor of that
piece, so once pieces up to ``k`` have been read, every point with ``along_m`` up to the
end of piece ``k`` is known. A cursor skips the pieces that end before it.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence

from app.geo.results import AlongCursor, PostFilter, RouteCandidate
from app.geo.route import Piece, Route

__all__ = ["AlongCursor", "RouteCandidate", "walk_corridor"]

# Fetches the (id, lat, lon) of points that may lie within the corridor of some pieces.
FetchPieces = Callable[[Sequence[Piece]], Iterable[tuple[int, float, float]]]

# Pieces read per round: the first round is small (a first page is usually near the
# start), later ones grow up to this many.
_FIRST_ROUND = 4
_MAX_ROUND = 64


def walk_corridor(
    route: Route,
    corridor_m: float,
    *,
    limit: int,
    fetch: FetchPieces,
    after: AlongCursor | None = None,
    post_filter: PostFilter | None = None,
) -> list[RouteCandidate]:
    """Up to ``limit`` points within ``corridor_m`` of ``route``, by (along_m, id)."""
    pieces = route.pieces(corridor_m)
    start = 0
    if after is not None:
        # A metre of slack: along_m is rounded, piece ends are not.
        start = bisect.bisect_left([p.end_m for p in pieces], after.along_m - 1.0)
    measured: dict[int, tuple[float, float] | None] = {}  # None: outside the corridor
    allowed: dict[int, bool] = {}
    size = _FIRST_ROUND
    i = start
    ready: list[tuple[float, int, float]] = []
    while i < len(pieces):
        batch = pieces[i : i + size]
        i += len(batch)
        size = min(size * 2, _MAX_ROUND)
        new = {pid: (lat, lon) for pid, lat, lon in fetch(batch) if pid not in measured}
        if new:
            ids = list(new)
            along, off = route.measure([new[p][0] for p in ids], [new[p][1] for p in ids])
            for pid, a, o in zip(ids, along.tolist(), off.tolist(), strict=True):
                # Millimetres: the same point compares equal across requests.
                measured[pid] = (round(a, 3), o) if o <= corridor_m else None
        frontier = pieces[i - 1].end_m if i < len(pieces) else float("inf")
        ready = sorted(
            (a, pid, o)
            for pid, found in measured.items()
            if found is not None
            for a, o in (found,)
            if a <= frontier and (after is None or (a, pid) > (after.along_m, after.id))
        )
        if post_filter is not None:
            unchecked = [pid for _, pid, _ in ready if pid not in allowed]
            if unchecked:
                kept = post_filter(unchecked)
                allowed.update((pid, pid in kept) for pid in unchecked)
            ready = [r for r in ready if allowed[r[1]]]
        if len(ready) >= limit:
            break
    return [
        RouteCandidate(id=pid, distance_m=None, along_m=a, off_route_m=o)
        for a, pid, o in ready[:limit]
    ]
