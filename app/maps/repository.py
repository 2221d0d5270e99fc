"""Statements of the map endpoints: the points of a box, with their main category."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app.geo.compiled import Compiled
from app.geo.sphere import BBox
from app.geo.sqlite_statements import rtree_table
from app.journal.models import SyncChange
from app.raw_reads import reads_of
from app.service_points.models import ServicePoint, ServicePointCategory
from app.service_points.visibility import searchable
from app.taxonomy import repository as taxonomy_repository

__all__ = [
    "BoxPoint",
    "CellRow",
    "GridRow",
    "LatestChange",
    "cell_rows",
    "change_at",
    "changes_between",
    "latest_change",
    "points_by_public_id",
    "points_in_box",
    "public_points_after",
    "top_categories",
]

BoxPoint = tuple[int, float, float, str | None]  # (id, lat, lon, main category)

_sp = ServicePoint.__table__
_cat = ServicePointCategory.__table__
_rtree = rtree_table("service_point_rtree")
_geog: Any = column("geog")
_W, _S, _E, _N = (bindparam(k, type_=Float) for k in ("west", "south", "east", "north"))
# The main category: the first one a point lists.
_MAIN = and_(_cat.c.point_id == _sp.c.id, _cat.c.position == 0)


def _sqlite(where: Sequence[ColumnElement[bool]]) -> Any:
    # The R*Tree holds only public points (kept by triggers), with exact coordinates.
    main = and_(_cat.c.point_id == _rtree.c.id, _cat.c.position == 0)
    stmt = (
        select(_rtree.c.id, _rtree.c.lat, _rtree.c.lon, _cat.c.category_code)
        .outerjoin(_cat, main)
        .where(
            _rtree.c.max_lat >= _S,
            _rtree.c.min_lat <= _N,
            _rtree.c.max_lon >= _W,
            _rtree.c.min_lon <= _E,
        )
    )
    if where:
        stmt = stmt.join(_sp, _sp.c.id == _rtree.c.id).where(*where)
    return stmt


def _postgis(where: Sequence[ColumnElement[bool]]) -> Any:
    envelope = func.geography(func.ST_MakeEnvelope(_W, _S, _E, _N, 4326))
    return (
        # The public location (app.service_points.precision): ``geog`` is built on it and
        # is NULL for hidden points, which maps never show.
        select(_sp.c.id, _sp.c.public_lat, _sp.c.public_lon, _cat.c.category_code)
        .outerjoin(_cat, _MAIN)
        .where(searchable(), _geog.is_not(None), _geog.op("&&")(envelope), *where)
    )


def points_in_box(
    session: Session, box: BBox, where: Sequence[ColumnElement[bool]]
) -> Iterator[BoxPoint]:
    """Every public point inside ``box`` (either side of the antimeridian) passing ``where``."""
    conn = session.connection()
    stmt = _sqlite(where) if conn.dialect.name == "sqlite" else _postgis(where)
    for part in box.parts():
        params = {
            "west": part.min_lon,
            "south": part.min_lat,
            "east": part.max_lon,
            "north": part.max_lat,
        }
        for pid, lat, lon, code in conn.execute(stmt, params):
            # The index answers a slightly larger box (R*Tree rounding, geodesic edges).
            if part.min_lat <= lat <= part.max_lat and part.min_lon <= lon <= part.max_lon:
                yield pid, lat, lon, code


# The latest logged change: (id, when). With the data version it tells apart two states of
# the database that reached one sequence number along different paths (a rolled-back
# transaction's number is taken again by the next).
LatestChange = tuple[int, str]


# Constant SQL for the session's cursor (app/raw_reads.py): checked on every map request.
_LATEST_SQL = "SELECT id, changed_at FROM sync_change ORDER BY id DESC LIMIT 1"
_CHANGE_AT_SQL = {
    "sqlite": "SELECT changed_at FROM sync_change WHERE id = ?",
    "postgresql": "SELECT changed_at FROM sync_change WHERE id = %s",
}


def _stamp(value: object) -> str:
    # The driver's value as it comes (SQLite: the stored text; PostgreSQL: a datetime):
    # only ever compared with another read the same way.
    return str(value)


def latest_change(session: Session) -> LatestChange:
    """The latest row of the change log (a primary-key lookup on the session's cursor)."""
    rows = reads_of(session).rows(_LATEST_SQL, ())
    return (0, "") if not rows else (int(rows[0][0]), _stamp(rows[0][1]))


def change_at(session: Session, change_id: int) -> str | None:
    """When the change ``change_id`` was logged, if it still is."""
    reads = reads_of(session)
    rows = reads.rows(_CHANGE_AT_SQL[reads.dialect], (change_id,))
    return None if not rows else _stamp(rows[0][0])


def changes_between(session: Session, after: int, upto: int) -> list[tuple[str, str]]:
    """(kind, key) of the changes logged with a sequence number in (after, upto]."""
    stmt = select(SyncChange.kind, SyncChange.key).where(
        SyncChange.seq > after, SyncChange.seq <= upto
    )
    return [(str(kind), str(key)) for kind, key in session.execute(stmt)]


# (id, public lat, public lon, main category, country, free)
GridRow = tuple[int, float, float, str | None, str, bool | None]


def _grid_rows(*where: ColumnElement[bool]) -> Any:
    return (
        select(
            _sp.c.id,
            _sp.c.public_lat,
            _sp.c.public_lon,
            _cat.c.category_code,
            _sp.c.country,
            _sp.c.free,
        )
        .outerjoin(_cat, _MAIN)
        .where(searchable(), _sp.c.public_lat.is_not(None), _sp.c.public_lon.is_not(None))
        .where(*where)
    )


def public_points_after(session: Session, after_id: int, limit: int) -> list[GridRow]:
    """The points the public sees on a map (visible, not hidden) with an id above
    ``after_id``, by id, at most ``limit``: at their public location, with what the grid
    index filters and counts on (a bulk read in chunks, both engines)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # The connection's statement timeout is the request budget's; the build's own
        # budget (app/maps/refresh.py) is larger.
        conn.exec_driver_sql("SET LOCAL statement_timeout = '300s'")
    stmt = _compiled(conn.dialect)
    # Straight from the driver (app/raw_reads.py): many rows without a result object each;
    # the budget is checked and armed before the read.
    rows: list[GridRow] = stmt.rows(reads_of(session), {"after": after_id, "n": limit})
    return rows


_GRID_AFTER = (
    _grid_rows(_sp.c.id > bindparam("after", type_=Integer))
    .order_by(_sp.c.id)
    .limit(bindparam("n", type_=Integer))
)
_COMPILED: dict[str, Compiled] = {}


def _compiled(dialect: Dialect) -> Compiled:
    found = _COMPILED.get(dialect.name)
    if found is None:
        found = _COMPILED[dialect.name] = Compiled(_GRID_AFTER, dialect)
    return found


def points_by_public_id(
    session: Session, public_ids: Collection[str]
) -> tuple[list[int], list[GridRow]]:
    """The internal ids of the points with these public ids (those still stored), and the
    grid rows of those the public sees on a map."""
    ids: list[int] = []
    rows: list[GridRow] = []
    keys = sorted(public_ids)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        ids.extend(
            int(i)
            for i in session.execute(select(_sp.c.id).where(_sp.c.public_id.in_(chunk))).scalars()
        )
        found = session.connection().execute(_grid_rows(_sp.c.public_id.in_(chunk)))
        rows.extend((r[0], r[1], r[2], r[3], r[4], r[5]) for r in found)
    return ids, rows


def top_categories(session: Session) -> dict[str, str]:
    """Each category code's top-level ancestor."""
    parents = {c.code: c.parent_code for c in taxonomy_repository.all_categories(session)}
    out = {}
    for code in parents:
        top = code
        for _ in range(16):  # a bounded walk up the tree
            parent = parents.get(top)
            if parent is None:
                break
            top = parent
        out[code] = top
    return out


# (column, row, main category, count, sum lat, sum lon, min lat, max lat, min lon, max lon,
# smallest id) of the points of one grid cell and main category.
CellRow = tuple[int, int, str | None, int, float, float, float, float, float, float, int]


def cell_rows(
    session: Session,
    box: BBox,
    where: Sequence[ColumnElement[bool]],
    *,
    cells_per_axis: int,
    first_row: int,
    row_edges: Sequence[float],
) -> Iterator[CellRow]:
    """The points of ``box`` aggregated per grid cell in the database (no row per point
    crosses to Python). Columns are linear in longitude; a point's row is the first row
    of the box plus how many of ``row_edges`` (the northern edges of the box's next rows,
    as latitudes) lie north of it: no mercator maths in SQL."""
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    # Public locations only: the R*Tree holds nothing else; on PostgreSQL the public
    # columns (NULL for hidden points, left out below).
    lat: Any
    lon: Any
    pid: Any
    if sqlite:
        lat, lon, pid = _rtree.c.lat, _rtree.c.lon, _rtree.c.id
    else:
        lat, lon, pid = _sp.c.public_lat, _sp.c.public_lon, _sp.c.id
    # The same operations, in the same order, as ``grid.cell_of``: the same cell at an edge.
    scaled = (lon + 180.0) / 360.0 * cells_per_axis
    col = cast(scaled, Integer) if sqlite else cast(func.floor(scaled), Integer)
    row: Any = literal(first_row)
    for edge in row_edges:
        row = row + case((lat <= edge, 1), else_=0)
    code = _cat.c.category_code
    stmt = select(
        col.label("col"),
        row.label("row"),
        code,
        func.count(),
        func.sum(lat),
        func.sum(lon),
        func.min(lat),
        func.max(lat),
        func.min(lon),
        func.max(lon),
        func.min(pid),
    )
    if sqlite:
        stmt = (
            stmt.select_from(_rtree)
            .outerjoin(_cat, and_(_cat.c.point_id == _rtree.c.id, _cat.c.position == 0))
            .where(
                _rtree.c.max_lat >= _S,
                _rtree.c.min_lat <= _N,
                _rtree.c.max_lon >= _W,
                _rtree.c.min_lon <= _E,
                lat >= _S,
                lat <= _N,
                lon >= _W,
                lon <= _E,
            )
        )
        if where:
            stmt = stmt.join(_sp, _sp.c.id == _rtree.c.id).where(*where)
    else:
        envelope = func.geography(func.ST_MakeEnvelope(_W, _S, _E, _N, 4326))
        stmt = (
            stmt.select_from(_sp)
            .outerjoin(_cat, _MAIN)
            .where(
                searchable(),
                _geog.op("&&")(envelope),
                lat >= _S,
                lat <= _N,
                lon >= _W,
                lon <= _E,
                *where,
            )
        )
    stmt = stmt.group_by(col, row, code)
    for part in box.parts():
        params = {
            "west": part.min_lon,
            "south": part.min_lat,
            "east": part.max_lon,
            "north": part.max_lat,
        }
        for r in conn.execute(stmt, params):
            yield (
                int(r[0]),
                int(r[1]),
                r[2],
                int(r[3]),
                float(r[4]),
                float(r[5]),
                float(r[6]),
                float(r[7]),
                float(r[8]),
                float(r[9]),
                int(r[10]),
            )
