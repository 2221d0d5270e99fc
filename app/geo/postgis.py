"""PostgreSQL + PostGIS: geography KNN (``<->`` on a GiST index) and ``tsvector`` search.

Distances are computed the same way as on SQLite (haversine on the stored public
location the searched table carries: see ``app.geo.results.SpatialTable``), so
both engines rank and report identically; the index only chooses and orders candidates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geoalchemy2  # noqa: F401  (registers PostGIS types, e.g. for reflection)
import numpy as np
from sqlalchemy import ColumnClause, ColumnElement, Float, bindparam, column, func, select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import Session

from app.geo.compiled import Compiled
from app.geo.corridor import Candidates, walk_corridor
from app.geo.pg_text import TextPages, prefix_tsquery
from app.geo.results import (
    AlongCursor,
    Candidate,
    NearestCursor,
    PostFilter,
    RouteCandidate,
    SearchDidNotEnd,
    SpatialTable,
)
from app.geo.ring import ring_clause, ring_params
from app.geo.route import Piece, Route
from app.geo.sphere import BBox, haversine_from
from app.geo.text import query_tokens
from app.raw_reads import is_lean, reads_of

__all__ = ["PostgisBackend"]

# Slack (metres) between PostGIS's sphere arithmetic and ours at the radius boundary.
_SLACK_M = 0.5


def _point(lat: Any, lon: Any) -> ColumnElement[object]:
    return func.geography(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326))


# Two candidates closer than this (metres) are a tie: PostGIS and haversine may order them
# either way, so a page never ends inside a tie.
_TIE_M = 0.01
# Hard cap on the rounds of one search (see ``_ranked``: 4**32 rows is no table).
MAX_ROUNDS = 32


# The envelope of a bounded viewport: its edges along parallels are drawn as great-circle
# pieces of at most 1 degree of longitude (a great circle between two points of a parallel
# runs poleward of it by less than 0.002 degrees at that length), and the whole box is
# widened by ``_ENVELOPE_PAD_DEG``, so every point of the box lies inside the envelope.
_ENVELOPE_PAD_DEG = 0.01
_ENVELOPE_STEP_DEG = 1.0
_BOUNDED_SPAN_DEG = 90.0


def _view_kind(box: BBox) -> str:
    if box.crosses_antimeridian:
        return "across"
    if box.max_lon - box.min_lon > _BOUNDED_SPAN_DEG or box.max_lat - box.min_lat > 80.0:
        return "plain"
    return "bounded"


def _wrapped(lon: float) -> float:
    return lon - 360.0 if lon > 180.0 else lon + 360.0 if lon < -180.0 else lon


def _envelope_wkt(box: BBox) -> str:
    """The polygon (WKT, lon lat) that holds ``box`` on the sphere (see above)."""
    pad = _ENVELOPE_PAD_DEG
    south, north = max(-90.0, box.min_lat - pad), min(90.0, box.max_lat + pad)
    # Not clamped at the antimeridian: a box touching it is widened across it (a longitude
    # past 180 is written as its equal on the other side; the ring's pieces are short, so
    # each runs the short way, across). Clamped, a point on the box's edge at -180 lay on
    # the envelope's edge, where the sphere's arithmetic may leave it out.
    west, east = box.min_lon - pad, box.max_lon + pad
    steps = max(1, math.ceil((east - west) / _ENVELOPE_STEP_DEG))
    lons = [_wrapped(west + (east - west) * i / steps) for i in range(steps + 1)]
    ring = [(lon, south) for lon in lons] + [(lon, north) for lon in reversed(lons)]
    ring.append(ring[0])
    return "POLYGON((" + ",".join(f"{lon!r} {lat!r}" for lon, lat in ring) + "))"


class _Statements:
    """The statements of one searched table."""

    def __init__(self, spatial: SpatialTable) -> None:
        self.spatial = spatial
        self.id, self.lat, self.lon = spatial.id, spatial.lat, spatial.lon
        self.geog: ColumnClause[Any] = column(spatial.geography)
        self.search_vector: ColumnClause[Any] = column(spatial.search_vector)
        # Spatial searches see what the public may (the table's public coordinates): the
        # geography is built on them and is NULL for hidden points, which they skip.
        self.visible = spatial.searchable & self.geog.is_not(None)
        lat, lon = self.lat, self.lon
        # Nearest without filters, built once: a plain KNN scan of the GiST index (``<->``
        # alone in ORDER BY, no ST_DWithin: with it, the planner misjudges dense towns and
        # sorts thousands of rows). LIMIT bounds the scan; the radius is applied to what it
        # returns.
        here = _point(bindparam("lat", type_=Float), bindparam("lon", type_=Float))
        self.knn = (
            select(self.id, lat, lon)
            .where(self.visible)
            .order_by(self.geog.op("<->")(here))
            .limit(bindparam("n"))
        )
        # Past a cursor: the ring beyond it, on the stored coordinates (app/geo/ring.py), a
        # few float operations per row the scan passes, where ST_Distance costs a geography
        # distance.
        self.beyond = ring_clause(lat, lon)
        self.knn_after = self.knn.where(self.beyond)
        # A viewport's box, on the stored coordinates (the scan skips the points of its
        # circle outside the box instead of returning them), plain and across the
        # antimeridian.
        lat_in = lat.between(bindparam("south", type_=Float), bindparam("north", type_=Float))
        self.in_view = lat_in & lon.between(
            bindparam("west", type_=Float), bindparam("east", type_=Float)
        )
        self.in_view_across = lat_in & (
            (lon >= bindparam("west", type_=Float)) | (lon <= bindparam("east", type_=Float))
        )
        # A box of at most a quarter of the globe also bounds the index scan itself (``&&``
        # on the geography's GiST index, the envelope a little larger than the box): a
        # sparse viewport no longer walks every point of the table in distance order.
        self.in_view_bounded = self.in_view & self.geog.op("&&")(
            func.ST_GeogFromText(bindparam("envelope"))
        )
        views = {"plain": self.in_view, "across": self.in_view_across}
        views["bounded"] = self.in_view_bounded
        self.views = views
        self.knn_view = {
            (after, kind): (self.knn_after if after else self.knn).where(clause)
            for after in (False, True)
            for kind, clause in views.items()
        }
        # A text page with no filter: the walk or the bitmap, whichever fits its words.
        self.text_pages = TextPages(spatial, self.search_vector)
        # The same, compiled once for a lean session's cursor (app/raw_reads.py).
        dialect = psycopg_dialect()  # type: ignore[no-untyped-call]
        self.compiled: dict[int, Compiled] = {
            id(stmt): Compiled(stmt, dialect)
            for stmt in (self.knn, self.knn_after, *self.knn_view.values())
        }


def _tsquery(query: str) -> str:
    """Every word of the query as a prefix, all of them."""
    return prefix_tsquery(query_tokens(query))


class PostgisBackend:
    name = "postgis"

    def __init__(self, spatial: SpatialTable) -> None:
        self._sql = _Statements(spatial)

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

        Why it always ends (the loop is also capped at ``MAX_ROUNDS`` as belt and braces):
        each round asks the scan for 4 times more rows than the last, and the loop returns
        as soon as the scan gives fewer rows than asked (it is exhausted). The scan cannot
        give more rows than there are visible points ``N``, so a search runs at most
        ``1 + log4(N / (limit + 8))`` rounds: 12 for a billion points.
        """
        sql = self._sql
        params: dict[str, Any] = {"lat": lat, "lon": lon}
        if where:
            # Filters: bound the scan by the radius (the filter may reject most points).
            here = _point(lat, lon)
            stmt = (
                select(sql.id, sql.lat, sql.lon)
                .where(
                    sql.visible,
                    func.ST_DWithin(sql.geog, here, radius_m + _SLACK_M, False),
                    *where,
                )
                .order_by(sql.geog.op("<->")(here))
                .limit(bindparam("n"))
            )
            if after is not None:
                stmt = stmt.where(sql.beyond)
            if inside is not None:
                stmt = stmt.where(sql.views[_view_kind(inside)])
        elif inside is not None:
            stmt = sql.knn_view[after is not None, _view_kind(inside)]
        elif after is not None:
            stmt = sql.knn_after
        else:
            stmt = sql.knn
        if after is not None:
            params.update(ring_params(lat, lon, after.distance_m, radius_m))
        if inside is not None:
            params.update(
                south=inside.min_lat, north=inside.max_lat, west=inside.min_lon, east=inside.max_lon
            )
            if _view_kind(inside) == "bounded":
                params["envelope"] = _envelope_wkt(inside)
        # A lean session reads through its cursor, with no savepoint: a failed scan fails
        # the request's hot path, and the route answers it (with the savepoint below).
        compiled = sql.compiled.get(id(stmt)) if is_lean(session) else None
        conn = None if compiled is not None else session.connection()
        batch = limit + 8
        distance = haversine_from(lat, lon)
        for _ in range(MAX_ROUNDS):
            try:
                if compiled is not None:
                    rows = compiled.rows(reads_of(session), {**params, "n": batch})
                else:
                    assert conn is not None
                    # A savepoint, so a failed KNN scan does not abort the caller's transaction.
                    with conn.begin_nested():
                        rows = list(conn.execute(stmt, {**params, "n": batch}).all())
            except InternalError as exc:
                # PostGIS's geography KNN can fail with "index returned tuples in wrong
                # order" (seen on small clusters around one spot): rank every point within
                # the radius exactly instead.
                if "wrong order" not in str(exc):
                    raise
                rows = self._within_radius(session.connection(), lat, lon, radius_m, where)
                batch = len(rows) + 1
            scored = sorted([(distance(plat, plon), pid) for pid, plat, plon in rows])
            farthest = scored[-1][0] if scored else 0.0
            scored = [
                (d, pid)
                for d, pid in scored
                if d <= radius_m and (after is None or (d, pid) > (after.distance_m, after.id))
            ]
            if inside is not None:
                # A viewport: the scan runs from the box's centre over the circle that
                # holds the box; only the points inside the box are answers.
                in_box = {pid for pid, plat, plon in rows if inside.contains(plat, plon)}
                scored = [(d, pid) for d, pid in scored if pid in in_box]
            if post_filter is not None:
                allowed = post_filter([pid for _, pid in scored])
                scored = [(d, pid) for d, pid in scored if pid in allowed]
            # Done when the scan is exhausted, has gone past the radius, or the page ends
            # clearly before the farthest row fetched (rows not fetched are farther still).
            if (
                len(rows) < batch
                or farthest > radius_m + _SLACK_M
                or (len(scored) >= limit and farthest - scored[limit - 1][0] > _TIE_M)
            ):
                return [Candidate(id=pid, distance_m=d) for d, pid in scored[:limit]]
            batch *= 4
        raise SearchDidNotEnd(f"nearest search still going after {MAX_ROUNDS} rounds")

    def _within_radius(
        self,
        conn: Any,
        lat: float,
        lon: float,
        radius_m: float,
        where: Sequence[ColumnElement[bool]],
    ) -> list[Any]:
        here = _point(lat, lon)
        sql = self._sql
        stmt = select(sql.id, sql.lat, sql.lon).where(
            sql.visible, func.ST_DWithin(sql.geog, here, radius_m + _SLACK_M, False), *where
        )
        return list(conn.execute(stmt).all())

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
        # The KNN scan from the centre, keeping the points inside the box. Ordering all the
        # points of a dense viewport by id (or a bitmap on the box) reads every one of them.
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
        conn = session.connection()
        sql = self._sql
        stmt = select(sql.id, sql.lat, sql.lon).where(
            sql.visible,
            func.ST_DWithin(
                sql.geog,
                func.ST_GeogFromText(bindparam("line")),
                corridor_m + _SLACK_M,
                False,
            ),
            *where,
        )

        def candidates(pieces: Sequence[Piece]) -> Candidates:
            # The pieces as one line of great-circle arcs (geography), tested exactly.
            ends = [pieces[0].start] + [p.end for p in pieces]
            line = "LINESTRING(" + ",".join(f"{lon!r} {lat!r}" for lat, lon in ends) + ")"
            rows = conn.execute(stmt, {"line": line}).all()
            if not rows:
                return (), (), ()
            table_ = np.array(rows, dtype=np.float64)  # ids are exact below 2^53
            return table_[:, 0].astype(np.int64), table_[:, 1], table_[:, 2]

        return walk_corridor(
            route, corridor_m, limit=limit, fetch=candidates, after=after, post_filter=post_filter
        )

    def text_match(self, session: Session, query: str) -> ColumnElement[bool]:
        # The stored tsvector (migration 0008): checking a row costs no tsvector rebuild.
        return self._sql.search_vector.op("@@")(func.to_tsquery("simple", _tsquery(query)))

    def text_filter(self, session: Session, query: str) -> ColumnElement[bool]:
        # The planner reads the GIN index for a whole-table statement by itself.
        return self.text_match(session, query)

    def text_ids(
        self,
        session: Session,
        query: str,
        *,
        where: Sequence[ColumnElement[bool]],
        after_id: int | None,
        limit: int,
    ) -> list[int]:
        pages = self._sql.text_pages
        tokens = query_tokens(query)
        after = -1 if after_id is None else after_id
        if not where:
            # A text page alone (on the lean cursor for app/documents/query.py lean_query).
            return pages.ids(session, tokens, after=after, limit=limit)
        rare = pages.plan(session, tokens, limit, filtered=True)
        if rare:  # words rare enough for the bitmap: the filters tested on its rows
            return pages.filtered_ids(session, tokens, rare, where=where, after=after, limit=limit)
        stmt = (
            select(self._sql.id)
            .where(self._sql.spatial.searchable, self.text_match(session, query), *where)
            .order_by(self._sql.id)
            .limit(limit)
        )
        if after_id is not None:
            stmt = stmt.where(self._sql.id > after_id)
        return list(session.scalars(stmt))
