"""The corridor search on SQLite's R*Tree (:meth:`app.geo.sqlite.SqliteBackend.along`).

Each piece of the route asks the R*Tree for the boxes around its circle (midpoint, half its
length + the corridor). The candidates are read from the R*Tree nodes' 32-bit boxes (a few
metres off at most, ``coarse_m``), not from the exact coordinates, each of which would be a
lookup in the R*Tree's rowid table; :func:`app.geo.corridor.walk_corridor` reads the exact
coordinates only of the points it measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Select
from sqlalchemy.orm import Session

from app.geo.compiled import Compiled
from app.geo.corridor import Candidates, walk_corridor
from app.geo.results import AlongCursor, PostFilter, RouteCandidate
from app.geo.route import Piece, Route
from app.geo.sphere import BBox, boxes_around
from app.raw_reads import reads_of

__all__ = ["along_rtree"]


def _columns(rows: list[tuple[int, float, float]]) -> Candidates:
    """(ids, lats, lons) columns of fetched rows."""
    if not rows:
        return (), (), ()
    table_ = np.array(rows, dtype=np.float64)  # ids are exact in a double below 2^53
    return table_[:, 0].astype(np.int64), table_[:, 1], table_[:, 2]


def _box(box: BBox) -> dict[str, float]:
    return {"south": box.min_lat, "north": box.max_lat, "west": box.min_lon, "east": box.max_lon}


def along_rtree(
    session: Session,
    coarse: Select[Any],
    exact_sql: str,
    *,
    route: Route,
    corridor_m: float,
    limit: int,
    after: AlongCursor | None,
    post_filter: PostFilter | None,
    coarse_m: float,
) -> list[RouteCandidate]:
    """The first ``limit`` candidates along ``route`` (``coarse``: the R*Tree's node boxes
    in a box, filters and all; ``exact_sql``: one point's exact coordinates by id)."""
    # The bind's dialect: a lean session (app/raw_reads.py) opens no connection of its own.
    stmt = Compiled(coarse, session.get_bind().dialect)
    # Straight from the driver (app/raw_reads.py): thousands of rows near a town, without a
    # result object each; the statement is compiled once per request, filters and all.
    reads = reads_of(session)

    def candidates(pieces: Sequence[Piece]) -> Candidates:
        rows: list[tuple[int, float, float]] = []
        for piece in pieces:
            for box in boxes_around(*piece.mid, piece.half_m + corridor_m):
                rows.extend(stmt.rows(reads, _box(box)))
        return _columns(rows)

    def exact(ids: Sequence[int]) -> tuple[list[float], list[float]]:
        found = [reads.rows(exact_sql, (pid,))[0] for pid in ids]
        return [row[0] for row in found], [row[1] for row in found]

    return walk_corridor(
        route,
        corridor_m,
        limit=limit,
        fetch=candidates,
        after=after,
        post_filter=post_filter,
        exact=exact,
        coarse_m=coarse_m,
    )
