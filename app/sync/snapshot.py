"""The ids of a snapshot page: :func:`app.sync.repository.visible_point_ids` (the same ids,
in the same order), through the indexes that fit the scope.

One statement of constant text per engine and kind of scope (values are bound: nothing is
compiled per request; rows come back as tuples). ``{name}`` marks a parameter; the only
values written into the text are the searchable statuses, the name of the R*Tree and the
grid of the cell index (constants). The records are read by id next
(``app.documents.reading.offline_records``): a join would leave SQLite's plan to the
statistics of ``point_document`` (stale ones made it build a Bloom filter of the whole
table, seconds a page, on the bench's million points).

On PostgreSQL (indexes of migration ``syncpages_0001``):

- a country is one range of ``ix_service_point_sync_country`` (country, id);
- a map area is read cell by cell of ``ix_service_point_sync_cell`` (a grid of
  ``1 / CELLS_PER_DEGREE`` degrees, then id; the coordinates included): in each cell its
  boxes touch, the ids past the cursor in order, at most a page of them, tested exactly on
  the index's coordinates; the page is the first ids of them all. A page reads at most a
  page per cell whatever the table holds (walking the primary key read 50,000 rows a page
  for an area holding 1% of a million points; the area's every point, a bitmap of it).
  An empty cell costs one descent of the index (2-3 µs): at a million points a first
  page of 16 cells (the bench's 0.6-degree areas) takes 1-2 ms, of 441 cells 1-4 ms, of
  2,601 cells (10 degrees) 4-11 ms, where the planner's statement took 1 ms in a dense
  area and 0.7 s in an empty one. An area of more than ``MAX_CELLS`` cells (over 12.8
  degrees by 12.8) is left to the planner.
"""

from __future__ import annotations

import math
import string
from typing import Any

from sqlalchemy.orm import Session

from app.geo.sphere import BBox
from app.raw_reads import reads_of
from app.service_points.visibility import SEARCH_TABLE, SEARCHABLE_STATUSES
from app.sync.scope import Scope

__all__ = ["CELLS_PER_DEGREE", "MAX_CELLS", "SLACK", "cells", "snapshot_ids"]

_STATUSES = ", ".join(f"'{status}'" for status in SEARCHABLE_STATUSES)
_SHOWN = f"p.status IN ({_STATUSES}) AND p.deleted_at IS NULL"
# The grid of ``ix_service_point_sync_cell`` (its expressions are ``floor(public_lat * 5)``
# and ``floor(public_lon * 5)``: the statement below must write them the same way).
CELLS_PER_DEGREE = 5
MAX_CELLS = 4096


def _in_boxes(parts: int) -> str:
    return " OR ".join(
        f"(p.public_lat BETWEEN {{s{i}}} AND {{n{i}}} "
        f"AND p.public_lon BETWEEN {{w{i}}} AND {{e{i}}})"
        for i in range(parts)
    )


def _scanned(place: str) -> str:
    """In id order, filtered row by row (PostgreSQL plans it; SQLite's fallback)."""
    return (
        f"SELECT p.id FROM service_point p WHERE {_SHOWN} AND ({place}) "  # noqa: S608
        "AND p.id > {after} ORDER BY p.id LIMIT {limit}"
    )


def _postgres_cells() -> str:
    """Per cell (its row and column of the grid, and the exact box of the scope's part that
    it serves), the page past the cursor; then the first ids of them all."""
    grid = CELLS_PER_DEGREE
    return (
        "SELECT page.id FROM unnest({rows}::float8[], {cols}::float8[], {s}::float8[], "  # noqa: S608
        "{n}::float8[], {w}::float8[], {e}::float8[]) AS cell(r, c, s, n, w, e) "
        "CROSS JOIN LATERAL (SELECT p.id FROM service_point p "
        f"WHERE floor(p.public_lat * {grid}) = cell.r AND floor(p.public_lon * {grid}) = cell.c "
        f"AND {_SHOWN} AND p.public_lat BETWEEN cell.s AND cell.n "
        "AND p.public_lon BETWEEN cell.w AND cell.e AND p.id > {after} "
        "ORDER BY p.id LIMIT {limit}) page ORDER BY page.id LIMIT {limit}"
    )


def _sqlite_country() -> str:
    """One range of ``ix_service_point_status_country`` per status, each in id order,
    merged: the page's ids without sorting every point of the country."""
    arms = " UNION ALL ".join(
        f"SELECT id FROM service_point WHERE status = '{status}' "  # noqa: S608
        "AND country = {country} AND id > {after} AND deleted_at IS NULL"
        for status in SEARCHABLE_STATUSES
    )
    return f"{arms} ORDER BY 1 LIMIT {{limit}}"


def _sqlite_boxes(parts: int) -> str:
    """The ids from the R*Tree of the searchable points (``app.geo``; kept by triggers at
    their public place): its 32-bit boxes are rounded outwards, so the second column, the
    exact test on the row, says which of them are in."""
    arms = " UNION ".join(
        f"SELECT id FROM {SEARCH_TABLE.rtree} "  # noqa: S608
        f"WHERE max_lat >= {{s{i}}} AND min_lat <= {{n{i}}} "
        f"AND max_lon >= {{w{i}}} AND min_lon <= {{e{i}}} AND id > {{after}}"
        for i in range(parts)
    )
    return (
        f"WITH page(id) AS ({arms} ORDER BY 1 LIMIT {{limit}}) "  # noqa: S608
        f"SELECT page.id, {_SHOWN} AND ({_in_boxes(parts)}) "
        "FROM page JOIN service_point p ON p.id = page.id"
    )


def _bound(sql: str, dialect: str) -> str:
    """``sql`` with the parameter style of the engine's driver."""
    names = {name for _, name, _, _ in string.Formatter().parse(sql) if name}
    style = ":{}" if dialect == "sqlite" else "%({})s"
    return sql.format(**{name: style.format(name) for name in names})


_SNAPSHOT: dict[tuple[str, str], str] = {
    ("sqlite", "country"): _bound(_sqlite_country(), "sqlite"),
    ("postgresql", "country"): _bound(_scanned("p.country = {country}"), "postgresql"),
    ("postgresql", "cells"): _bound(_postgres_cells(), "postgresql"),
    **{("sqlite", f"rtree{n}"): _bound(_sqlite_boxes(n), "sqlite") for n in (1, 2)},
    **{
        (dialect, f"box{n}"): _bound(_scanned(_in_boxes(n)), dialect)
        for dialect in ("sqlite", "postgresql")
        for n in (1, 2)
    },
}
# How many ids the R*Tree statement reads beyond the page, for those on the scope's edge
# that its rounded boxes let in; a page that loses more is read by the scanning statement.
SLACK = 16


def cells(parts: list[BBox]) -> dict[str, list[float]] | None:
    """The cells of the grid that ``parts`` touch, each with its part's box (the
    parameters of the cell statement), or None past ``MAX_CELLS``. ``floor(x * 5)`` never
    decreases as ``x`` grows (in floating point too), so every point of a part lies in a
    cell between those of its corners."""
    grid = CELLS_PER_DEGREE
    found: dict[str, list[float]] = {key: [] for key in ("rows", "cols", "s", "n", "w", "e")}
    count = 0
    for box in parts:
        rows = range(math.floor(box.min_lat * grid), math.floor(box.max_lat * grid) + 1)
        cols = range(math.floor(box.min_lon * grid), math.floor(box.max_lon * grid) + 1)
        count += len(rows) * len(cols)
        if count > MAX_CELLS:
            return None
        for row in rows:
            for col in cols:
                found["rows"].append(float(row))
                found["cols"].append(float(col))
                found["s"].append(box.min_lat)
                found["n"].append(box.max_lat)
                found["w"].append(box.min_lon)
                found["e"].append(box.max_lon)
    return found


def snapshot_ids(session: Session, *, scope: Scope, after_id: int, limit: int) -> list[int]:
    """:func:`~app.sync.repository.visible_point_ids` (the same ids, in the same order) on
    the cursor of the session's connection, through the indexes that fit the scope."""
    reads = reads_of(session)
    dialect = reads.dialect
    params: dict[str, Any] = {"after": after_id, "limit": limit}
    if scope.country is not None:
        params["country"] = scope.country
        return [row[0] for row in reads.rows(_SNAPSHOT[dialect, "country"], params)]
    assert scope.bbox is not None
    parts = scope.bbox.parts()
    if dialect == "postgresql" and (grid := cells(parts)) is not None:
        return [row[0] for row in reads.rows(_SNAPSHOT[dialect, "cells"], params | grid)]
    for i, box in enumerate(parts):
        params |= {f"s{i}": box.min_lat, f"n{i}": box.max_lat}
        params |= {f"w{i}": box.min_lon, f"e{i}": box.max_lon}
    if dialect == "sqlite":
        params["limit"] = limit + SLACK
        rows = reads.rows(_SNAPSHOT[dialect, f"rtree{len(parts)}"], params)
        kept = sorted(row[0] for row in rows if row[1])[:limit]
        if len(kept) == limit or len(rows) < limit + SLACK:
            return kept
        params["limit"] = limit  # the edge took more than the slack: scan
    return [row[0] for row in reads.rows(_SNAPSHOT[dialect, f"box{len(parts)}"], params)]
