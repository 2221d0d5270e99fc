"""A first page of nearest points ranked from the R*Tree's nodes, exact where it matters.

Reading a point's exact coordinates (the R*Tree's auxiliary columns) costs a lookup per
row in the R*Tree's ``%_rowid`` table; its box in the nodes is read with the node. A box
of the nearest search holds about twice a page, so the search reads the boxes' centres
(each within ``COARSE_M`` of the point: 32-bit floats rounded outwards) and the exact
coordinates of only the points that may be on the page: those whose coarse distance is
within ``2 * COARSE_M`` of the ``limit``-th point certainly inside the radius, or every
point that may be inside when fewer are certainly. The points ranked, their exact
distances and their order are those of ranking every point of the boxes exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.raw_reads import reads_of

__all__ = ["CoarseFirst"]


class CoarseFirst:
    """The exact ranking of the points of a fetch that read each point's box centre."""

    __slots__ = ("_lookup", "coarse_m")

    def __init__(self, rtree: str, coarse_m: float) -> None:
        # The R*Tree keeps its auxiliary columns (+lat, +lon) as a0, a1 of its rowid table.
        self._lookup = (
            f"SELECT rowid, a0, a1 FROM {rtree}_rowid "  # noqa: S608
            "WHERE rowid IN (SELECT value FROM json_each(?))"
        )
        self.coarse_m = coarse_m

    def scored(
        self,
        session: Session,
        rows: Sequence[Any],
        distance: Callable[[float, float], float],
        radius: float,
        limit: int,
        *,
        final: bool,
    ) -> list[tuple[float, int]]:
        """(exact distance, id) of every point of ``rows`` (id, centre's lat and lon) that
        may be among the ``limit`` nearest within ``radius``, nearest first: the first
        ``limit`` are the page, and fewer than ``limit`` means the radius holds no more.

        Unless ``final`` (the search cannot grow), fewer than ``limit`` points that may lie
        within the radius are not looked up: what is given back is then only counted (the
        search grows and ranks again), their distances those of their centres."""
        slack = self.coarse_m
        near = sorted([(distance(clat, clon), pid) for pid, clat, clon in rows])
        if not final:
            maybe = [(coarse, pid) for coarse, pid in near if coarse - slack <= radius]
            if len(maybe) < limit:
                return maybe
        bound = radius
        if 0 < limit <= len(near) and near[limit - 1][0] + slack <= radius:
            # The ``limit`` nearest centres' points all lie within the radius, and within
            # ``bound``: no point whose centre is farther than ``bound + slack`` can be on
            # the page.
            bound = near[limit - 1][0] + slack
        wanted = [pid for coarse, pid in near if coarse - slack <= bound]
        if not wanted:
            return []
        found = reads_of(session).rows(self._lookup, (orjson.dumps(wanted).decode(),))
        scored = [(d, pid) for pid, lat, lon in found if (d := distance(lat, lon)) <= radius]
        scored.sort()
        return scored
