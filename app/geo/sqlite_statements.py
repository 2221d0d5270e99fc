"""The statements of the SQLite search backend (:mod:`app.geo.sqlite`) over one searched
table: its R*Tree and FTS5 index, built once with bound parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    TableClause,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    true,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session

from app.geo.compiled import Compiled
from app.geo.results import (
    SpatialTable,
)
from app.geo.ring import ring_clause
from app.raw_reads import reads_of

__all__ = ["SqliteStatements", "rtree_table"]


def rtree_table(name: str) -> TableClause:
    """An R*Tree of points as the migrations create it: each point's box (32-bit floats,
    rounded outwards) and its exact location as auxiliary columns."""
    names = ("id", "min_lat", "max_lat", "min_lon", "max_lon", "lat", "lon")
    return table(name, *(column(n) for n in names))


class SqliteStatements:
    """The statements of one searched table, built once with bound parameters: on SQLite,
    building and hashing a statement costs more than running it. Filters (rare) build
    theirs per request."""

    def __init__(self, spatial: SpatialTable) -> None:
        rtree = rtree_table(spatial.rtree)
        self.rtree = rtree
        self.fts = table(spatial.fts, column("rowid"), column("search_text"))
        self.fts_table: ColumnClause[Any] = literal_column(spatial.fts)
        self.spatial = spatial
        self.in_box = (
            (rtree.c.max_lat >= bindparam("south"))
            & (rtree.c.min_lat <= bindparam("north"))
            & (rtree.c.max_lon >= bindparam("west"))
            & (rtree.c.min_lon <= bindparam("east"))
        )
        self.box = select(rtree.c.id, rtree.c.lat, rtree.c.lon).where(self.in_box)
        # A point's box in the nodes (32-bit floats, rounded outwards): its location within
        # COARSE_M, read without a lookup per row.
        self.coarse = select(
            rtree.c.id,
            (rtree.c.min_lat + rtree.c.max_lat) / 2,
            (rtree.c.min_lon + rtree.c.max_lon) / 2,
        ).where(self.in_box)
        self.coarse_capped = self.coarse.limit(bindparam("cap"))
        self.count = select(func.count()).select_from(
            select(rtree.c.id).where(self.in_box).limit(bindparam("cap")).subquery()
        )
        # Past a cursor, only the points in the ring beyond it (app/geo/ring.py), computed
        # by SQLite's math functions from the R*Tree's exact coordinates: a deep page reads
        # its ring, not the whole disc of the pages before it.
        self.beyond = ring_clause(rtree.c.lat, rtree.c.lon)
        self.box_beyond = self.box.where(self.beyond)
        self.count_beyond = select(func.count()).select_from(
            select(rtree.c.id).where(self.in_box, self.beyond).limit(bindparam("cap")).subquery()
        )
        match = self.fts_table.op("MATCH")(bindparam("match"))
        self.text_ids = (
            select(self.fts.c.rowid)
            .join(spatial.table, spatial.id == self.fts.c.rowid)
            .where(match, spatial.searchable, self.fts.c.rowid > bindparam("after"))
            .order_by(self.fts.c.rowid)
            .limit(bindparam("n"))
        )
        # The unfiltered statements (nearly every request), compiled once for the cursor.
        dialect = sqlite_dialect.dialect()
        self.compiled: dict[int, Compiled] = {
            id(stmt): Compiled(stmt, dialect)
            for stmt in (
                self.box,
                self.coarse,
                self.coarse_capped,
                self.count,
                self.box_beyond,
                self.count_beyond,
                self.text_ids,
            )
        }

    def run(self, session: Session, stmt: Select[Any], params: dict[str, Any]) -> list[Any]:
        """Every row of ``stmt``: through the cursor when it is one compiled above."""
        compiled = self.compiled.get(id(stmt))
        if compiled is not None:
            return compiled.rows(reads_of(session), params)
        return list(session.connection().execute(stmt, params).all())

    def filtered(self, stmt: Select[Any], where: Sequence[ColumnElement[bool]]) -> Select[Any]:
        if not where:
            return stmt
        table_ = self.spatial.table
        return stmt.join(table_, self.spatial.id == self.rtree.c.id).where(*where)

    def count_query(self, where: Sequence[ColumnElement[bool]], *, beyond: bool) -> Select[Any]:
        if not where:
            return self.count_beyond if beyond else self.count
        inner = select(self.rtree.c.id).where(self.in_box, self.beyond if beyond else true())
        inner = self.filtered(inner, where).limit(bindparam("cap"))
        return select(func.count()).select_from(inner.subquery())
