"""SQLite: an R*Tree of public points (kept by triggers) and an FTS5 index.

Nearest-first searches growing radii (r/16, r/8, ... r) and stops at the first that
holds ``limit`` matches, so a dense town never ranks its whole neighbourhood.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, column, literal_column, select, table
from sqlalchemy.orm import Session

from app.geo.base import Candidate, NearestCursor, PostFilter
from app.geo.sphere import BBox, boxes_around, haversine_m
from app.geo.text import query_tokens
from app.service_points.models import ServicePoint

__all__ = ["SqliteBackend"]

_rtree = table(
    "service_point_rtree",
    column("id"),
    column("min_lat"),
    column("max_lat"),
    column("min_lon"),
    column("max_lon"),
    column("lat"),
    column("lon"),
)
_fts = table("service_point_fts", column("rowid"), column("search_text"))
_sp = ServicePoint.__table__

RADIUS_STEPS = (16, 8, 4, 2, 1)


def _in_box(box: BBox) -> ColumnElement[bool]:
    return (
        (_rtree.c.max_lat >= box.min_lat)
        & (_rtree.c.min_lat <= box.max_lat)
        & (_rtree.c.max_lon >= box.min_lon)
        & (_rtree.c.min_lon <= box.max_lon)
    )


def _box_query(box: BBox, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    stmt = select(_rtree.c.id, _rtree.c.lat, _rtree.c.lon).where(_in_box(box))
    if where:
        stmt = stmt.join(_sp, _sp.c.id == _rtree.c.id).where(*where)
    return stmt


class SqliteBackend:
    name = "sqlite"

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
        floor = after.distance_m if after else 0.0
        radii = [radius_m / step for step in RADIUS_STEPS if radius_m / step > floor]
        found: list[Candidate] = []
        for radius in radii or [radius_m]:
            scored: list[tuple[float, int]] = []
            for box in boxes_around(lat, lon, radius):
                for pid, plat, plon in session.execute(_box_query(box, where)):
                    d = haversine_m(lat, lon, plat, plon)
                    if d <= radius and (after is None or (d, pid) > (after.distance_m, after.id)):
                        scored.append((d, pid))
            scored.sort()
            if post_filter is not None:
                allowed = post_filter([pid for _, pid in scored])
                scored = [(d, pid) for d, pid in scored if pid in allowed]
            found = [Candidate(id=pid, distance_m=d) for d, pid in scored[:limit]]
            if len(found) >= limit:
                return found
        return found

    def within(
        self,
        session: Session,
        *,
        bbox: BBox,
        limit: int,
        where: Sequence[ColumnElement[bool]],
        after_id: int | None = None,
        post_filter: PostFilter | None = None,
    ) -> list[Candidate]:
        ids: list[int] = []
        for box in bbox.parts():
            stmt = _box_query(box, where).where(
                _rtree.c.lat.between(box.min_lat, box.max_lat),
                _rtree.c.lon.between(box.min_lon, box.max_lon),
            )
            if after_id is not None:
                stmt = stmt.where(_rtree.c.id > after_id)
            # Without a post filter the first ``limit`` ids of each part are enough.
            if post_filter is None:
                stmt = stmt.order_by(_rtree.c.id).limit(limit)
            ids.extend(row[0] for row in session.execute(stmt))
        ordered = sorted(set(ids))
        if post_filter is not None:
            allowed = post_filter(ordered)
            ordered = [pid for pid in ordered if pid in allowed]
        return [Candidate(id=pid) for pid in ordered[:limit]]

    def text_match(self, query: str) -> ColumnElement[bool]:
        tokens = query_tokens(query)
        # Each word quoted (no FTS syntax can be injected) and matched as a prefix.
        match = " AND ".join(f'"{t}"*' for t in tokens)
        fts_ids = select(_fts.c.rowid).where(literal_column("service_point_fts").op("MATCH")(match))
        return _sp.c.id.in_(fts_ids)
