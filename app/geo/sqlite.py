"""SQLite: an R*Tree of the searchable points (kept by triggers) and an FTS5 index.

Nearest-first adapts its search radius to the local density: it starts small, shrinks
when a box holds more than ``DENSE_CAP`` points (a town centre), grows in proportion to
what it found when it holds too few (the countryside), and ranks exactly (haversine on
the exact coordinates kept as R*Tree auxiliary columns) only what it fetched. A dense
town never ranks its whole neighbourhood, and a sparse region needs few round trips.

A viewport is the same search from the centre of the box, keeping the points inside it:
the middle of the map first, at the cost of a nearest search whatever the zoom. Text
searches are driven from FTS5 in rowid order, so a common word stops after one page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    exists,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.geo.fts_terms import PrefixTerms
from app.geo.results import (
    AlongCursor,
    Candidate,
    NearestCursor,
    PostFilter,
    RouteCandidate,
    SearchDidNotEnd,
    SpatialTable,
)
from app.geo.ring import ring_params
from app.geo.route import Route
from app.geo.rtree_corridor import along_rtree
from app.geo.rtree_exact import CoarseFirst
from app.geo.sphere import EARTH_RADIUS_M, MARGIN_DEG, BBox, boxes_around, haversine_from
from app.geo.sqlite_statements import SqliteStatements

__all__ = ["SqliteBackend"]

# First radius tried (metres), the most points a box may hold before the radius shrinks,
# and the smallest radius.
INITIAL_RADIUS_M = 200.0
DENSE_CAP = 120
MIN_RADIUS_M = 1.0
# Bounds of the nearest search (see ``_ranked``): after a fetch that found too few points,
# the width searched beyond the cursor grows at least this much; a search counts at most
# MAX_COUNTS times, and runs at most MAX_ROUNDS rounds (the proof says 51).
GROWTH = 1.5
# How far (metres) the centre of a point's box in the R*Tree may lie from the point: a
# 32-bit float is within 2^-23 of a value, 2.4 m at 180 degrees; with margin.
COARSE_M = 10.0
MAX_COUNTS = 8
MAX_ROUNDS = 64
# How many cells' widths a backend remembers (about 100 bytes each).
MAX_CELLS = 50_000
# A count of at least this many points measures the density well enough to fetch next
# without counting again; fewer (a village, nothing yet) and the next round counts first.
_TRUSTED_COUNT = 5


def _params(box: BBox) -> dict[str, float]:
    return {"south": box.min_lat, "north": box.max_lat, "west": box.min_lon, "east": box.max_lon}


def _has_math(conn: Connection) -> bool:
    """Whether this SQLite has its math functions (built in by default since 3.35)."""
    try:
        conn.exec_driver_sql("SELECT cos(1)")
    except OperationalError:
        return False
    return True


def _clipped(boxes: list[BBox], inside: BBox | None) -> list[BBox]:
    """The parts of ``boxes`` (none crossing the antimeridian) inside ``inside`` (with the
    R*Tree rounding margin): a viewport never reads the points of its circle outside it."""
    if inside is None:
        return boxes
    out = []
    for box in boxes:
        for part in inside.parts():
            west = max(box.min_lon, part.min_lon - MARGIN_DEG)
            east = min(box.max_lon, part.max_lon + MARGIN_DEG)
            south = max(box.min_lat, part.min_lat - MARGIN_DEG)
            north = min(box.max_lat, part.max_lat + MARGIN_DEG)
            if west <= east and south <= north:
                out.append(BBox(west, south, east, north))
    return out


def _area_m2(box: BBox) -> float:
    """Area of a lon/lat box on the sphere (square metres)."""
    south, north = math.radians(box.min_lat), math.radians(box.max_lat)
    width = math.radians((box.max_lon - box.min_lon) % 360.0 or 360.0)
    return EARTH_RADIUS_M**2 * width * abs(math.sin(north) - math.sin(south))


class SqliteBackend:
    name = "sqlite"

    def __init__(self, spatial: SpatialTable) -> None:
        self._sql = SqliteStatements(spatial)
        self._has_math: bool | None = None
        self._exact = f"SELECT lat, lon FROM {spatial.rtree} WHERE id = ?"  # noqa: S608
        self._coarse_first = CoarseFirst(spatial.rtree, COARSE_M)
        # The width that last held a first page around each ~1 km cell: where the next
        # search there starts (it saves the growth rounds; any width gives exact results).
        self._widths: dict[tuple[int, int, int], float] = {}
        # The same by ~10 km region: where a search in a cell not seen yet starts.
        self._regions: dict[tuple[int, int, int], float] = {}
        # Text pages read each word as the index's terms (app/geo/fts_terms.py).
        self._terms = PrefixTerms(spatial.fts)

    def nearest(
        self,
        session: Session,
        *,
        lat: float,
        lon: float,
        radius_m: float,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after: NearestCursor | None = None,
        post_filter: PostFilter | None = None,
    ) -> list[Candidate]:
        return self._ranked(session, lat, lon, radius_m, limit, where, after, post_filter, None)

    def _ranked(
        self,
        session: Session,
        lat: float,
        lon: float,
        radius_m: float,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after: NearestCursor | None,
        post_filter: PostFilter | None,
        inside: BBox | None,
    ) -> list[Candidate]:
        """Nearest first from (lat, lon) within ``radius_m`` (and ``inside``, if given).

        The search looks at a ring: from the cursor's distance ``floor`` (0 on a first
        page) out to ``floor + width``. Why it always ends (the loop is also capped at
        ``MAX_ROUNDS``, as belt and braces): a round either *counts* (at most
        ``MAX_COUNTS`` per search, by a counter; on a plain first page, a fetch of the
        boxes' centres that finds a crowd counts) or *fetches*. A fetch returns when it found
        ``limit`` points or searched the whole reach; otherwise the next width is at least
        ``GROWTH`` (1.5) times the fetched one, and no later shrink goes below that
        (``lower``). Widths start at ``MIN_RADIUS_M`` or more and a fetch at the reach
        (at most half the Earth's circumference, 2.0e7 m) returns, so a search fetches at
        most ``1 + log1.5(2.0e7) = 43`` times: 51 rounds in all, under 64. The density cap
        only chooses *where* to look next; it never stops the ring from growing past it
        (the bug that spun for ever when fewer than ``limit`` points lay beyond a crowd).
        """
        floor = after.distance_m if after else 0.0
        # Past a cursor without SQLite's math functions, the box holds the pages before
        # too, and a count cannot tell them apart: no counting then.
        beyond = floor > 0.0 and self._math(session)
        run = self._sql.run
        may_count = floor == 0.0 or beyond
        count = self._sql.count_query(where, beyond=beyond)
        fetch = self._sql.filtered(self._sql.box_beyond if beyond else self._sql.box, where)
        reach = max(0.0, radius_m - floor)
        width = min(reach, max(INITIAL_RADIUS_M - floor, floor * 0.25 + INITIAL_RADIUS_M / 4))
        if beyond and after is not None and after.span_m is not None:
            # The previous page's points spanned ``span_m``: the next ones most likely lie
            # within about as much again, so fetch that ring at once (no count needed).
            width = min(width, max(MIN_RADIUS_M, after.span_m * 1.5))
            may_count = False
        cell = None
        density: float | None = None  # points per square metre of box, once measured
        if after is None and inside is None and not where and post_filter is None:
            cell = (round(lat * 100), round(lon * 100), limit)
            known = self._widths.get(cell)
            if known is not None:  # the density here is known: the first round fetches
                first = sum(_area_m2(b) for b in boxes_around(lat, lon, min(reach, known)))
                density = limit * 2.5 / first if first else None
            else:  # a search seen nearby (~10 km) tells the density there
                known = self._regions.get((round(lat * 10), round(lon * 10), limit))
            if known is not None:
                width = min(reach, max(MIN_RADIUS_M, known))
        lower = min(reach, MIN_RADIUS_M)  # no width below this is worth a round
        too_dense = math.inf  # smallest width known to hold more than DENSE_CAP points
        counts = 0
        if cell is not None:
            # A plain first page reads the boxes' centres (no lookup per row) at most
            # DENSE_CAP + 1 of them a box: the fetch is its own count (one such round that
            # finds a crowd counts as a count).
            may_count = False
        distance = haversine_from(lat, lon)
        for _ in range(MAX_ROUNDS):
            radius = floor + width
            boxes = _clipped(boxes_around(lat, lon, radius), inside)
            ring = ring_params(lat, lon, floor, radius) if beyond else {}
            area = sum(_area_m2(b) for b in boxes)
            # Counting before fetching pays where the ring might hold a crowd: counting in
            # the R*Tree is cheap, fetching exact coordinates costs a lookup per row.
            if (
                may_count
                and width > 0.0
                and counts < MAX_COUNTS
                and too_dense / width > 1.1
                and (density is None or density * area > DENSE_CAP / 2)
            ):
                counts += 1
                crowd = sum(
                    run(session, count, {**_params(b), **ring, "cap": DENSE_CAP + 1})[0][0]
                    for b in boxes
                )
                if crowd > DENSE_CAP:
                    too_dense = width
                    # A page lies much closer: aim at about ``limit * 2.5`` points.
                    shrunk = max(lower, width * math.sqrt(limit * 2.5 / crowd))
                    if shrunk * 1.1 < width:
                        width = shrunk
                        continue
                elif floor == 0.0 and crowd > limit * 3 and lower * 1.1 < width:
                    # More than a page's worth but no crowd: fetch the width expected to
                    # hold about ``limit * 2`` of them (each fetched row costs a lookup).
                    density = crowd / area if area else None
                    width = max(lower, width * math.sqrt(limit * 2.0 / crowd))
                    continue
                elif crowd < limit and width < reach:
                    # Fewer than a page in the boxes, so fewer in their circle (and ring, and
                    # viewport): a fetch could not end the search. Grow as a fetch that
                    # found them would, aiming at ``limit * 2`` points, without fetching.
                    density = crowd / area if crowd >= _TRUSTED_COUNT and area else None
                    lower = min(reach, width * GROWTH)  # no narrower box can hold a page
                    width = self._grown(width, reach, too_dense, limit * 2.0, crowd)
                    continue
            if cell is not None:
                # A plain first page (most requests): the boxes' centres, then the exact
                # coordinates of the points that may be on it (app/geo/rtree_exact.py).
                capped = width > 0.0 and counts < MAX_COUNTS and too_dense / width > 1.1
                rows = self._centres(session, boxes, DENSE_CAP + 1 if capped else None)
                if rows is None:  # a crowd in a box
                    counts += 1
                    too_dense = width
                    shrunk = max(lower, width * math.sqrt(limit * 2.5 / (DENSE_CAP + 1)))
                    if shrunk * 1.1 < width:
                        width = shrunk
                        continue
                    rows = self._centres(session, boxes, None) or []
                density = len(rows) / area if area else None
                scored = self._coarse_first.scored(
                    session, rows, distance, radius, limit, final=width >= reach
                )
            else:
                rows = [row for b in boxes for row in run(session, fetch, {**_params(b), **ring})]
                density = len(rows) / area if area else None
                scored = []
                for pid, plat, plon in rows:
                    if inside is not None and not inside.contains(plat, plon):
                        continue
                    d = distance(plat, plon)
                    if d <= radius and (after is None or (d, pid) > (after.distance_m, after.id)):
                        scored.append((d, pid))
            scored.sort()
            if post_filter is not None:
                allowed = post_filter([pid for _, pid in scored])
                scored = [(d, pid) for d, pid in scored if pid in allowed]
            if len(scored) >= limit or width >= reach:
                if cell is not None:
                    if len(self._widths) >= MAX_CELLS:
                        self._widths.clear()
                        self._regions.clear()
                    # The width whose box would have held about ``limit * 2.5`` points (a
                    # centre read costs little; a round more, a statement).
                    fitting = width * math.sqrt(limit * 2.5 / max(len(rows), 1))
                    self._widths[cell] = fitting
                    self._regions[(round(lat * 10), round(lon * 10), limit)] = fitting
                return [Candidate(id=pid, distance_m=d) for d, pid in scored[:limit]]
            # Progress: the next width is at least GROWTH times this one, whatever follows.
            lower = min(reach, width * GROWTH)
            if cell is not None:  # centres are cheap to read, a capped read finds a crowd
                width = self._grown(width, reach, too_dense, limit * 3.0, len(scored), 16.0)
            else:
                width = self._grown(width, reach, too_dense, limit * 1.5, len(scored))
        raise SearchDidNotEnd(f"nearest search still going after {MAX_ROUNDS} rounds")

    def _centres(self, session: Session, boxes: list[BBox], cap: int | None) -> list[Any] | None:
        """(id, centre's lat, lon) of the points in ``boxes``; None if a box holds ``cap``."""
        rows: list[Any] = []
        for box in boxes:
            if cap is None:
                rows.extend(self._sql.run(session, self._sql.coarse, _params(box)))
                continue
            found = self._sql.run(session, self._sql.coarse_capped, {**_params(box), "cap": cap})
            if len(found) >= cap:
                return None
            rows.extend(found)
        return rows

    @staticmethod
    def _grown(
        width: float, reach: float, too_dense: float, aim: float, found: int, most: float = 8.0
    ) -> float:
        """The next width after ``width`` held ``found`` points (too few): in proportion
        to what was found (area ~ count) towards ``aim`` points, at least ``GROWTH`` and at
        most ``most`` times as wide; short of a known crowd, approaching it geometrically."""
        grown = width * min(most, max(GROWTH, math.sqrt(aim / max(found, 1))))
        if grown >= too_dense > width:
            grown = math.sqrt(width * too_dense)
        return min(reach, max(width * GROWTH, grown))

    def _math(self, session: Session) -> bool:
        if self._has_math is None:
            self._has_math = _has_math(session.connection())
        return self._has_math

    def within(
        self,
        session: Session,
        *,
        bbox: BBox,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after: NearestCursor | None = None,
        post_filter: PostFilter | None = None,
    ) -> list[Candidate]:
        lat, lon = bbox.centre()
        return self._ranked(
            session, lat, lon, bbox.reach_m(), limit, where, after, post_filter, bbox
        )

    def along(
        self,
        session: Session,
        *,
        route: Route,
        corridor_m: float,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after: AlongCursor | None = None,
        post_filter: PostFilter | None = None,
    ) -> list[RouteCandidate]:
        return along_rtree(
            session,
            self._sql.filtered(self._sql.coarse, where),
            self._exact,
            route=route,
            corridor_m=corridor_m,
            limit=limit,
            after=after,
            post_filter=post_filter,
            coarse_m=COARSE_M,
        )

    def text_match(self, session: Session, query: str) -> ColumnElement[bool]:
        # Correlated on the rowid: checking a few spatial candidates stays cheap, where an
        # ``IN (SELECT rowid ...)`` would first list every match of a common word. Each
        # word as the index's terms: as a prefix, every check merged all its matches.
        sql = self._sql
        return exists(
            select(sql.fts.c.rowid).where(
                sql.fts_table.op("MATCH")(self._terms.expression(session, query)),
                sql.fts.c.rowid == sql.spatial.id,
            )
        )

    def text_filter(self, session: Session, query: str) -> ColumnElement[bool]:
        # One read of the index's matches: a whole table checked row by row would run a
        # MATCH per row (seconds on a few thousand points for a common word).
        sql = self._sql
        matches = select(sql.fts.c.rowid).where(
            sql.fts_table.op("MATCH")(self._terms.expression(session, query))
        )
        found: ColumnElement[bool] = sql.spatial.id.in_(matches)
        return found

    def text_ids(
        self,
        session: Session,
        query: str,
        *,
        where: Sequence[ColumnElement[bool]],
        after_id: int | None,
        limit: int,
    ) -> list[int]:
        stmt = self._sql.text_ids.where(*where) if where else self._sql.text_ids
        match = self._terms.expression(session, query)
        params = {"match": match, "after": after_id or -1, "n": limit}
        return [row[0] for row in self._sql.run(session, stmt, params)]
