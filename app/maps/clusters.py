"""Grid clusters of the points in a viewport, for apps that draw maps without tiles.

Points are counted per web-mercator cell of the zoom level (``app.geo.tilegrid``): a cell with
several points is a cluster (count, centroid, bounds, counts per top-level category), a
cell with one is that point (its summary, as ``/v1/points?view=summary`` gives it). Counts
are exact: the clusters' counts and the lone points add up to every point in the box that
passes the filters.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.orm import Session

from app.errors import ValidationProblem
from app.geo.sphere import BBox
from app.geo.tilegrid import cell_of, cells_per_axis, row_edges
from app.i18n.negotiation import LanguagePreference
from app.maps import repository
from app.maps.cells import Cell
from app.maps.filters import MapFilters
from app.public_points.rendering import RenderCache, finish
from app.public_points.service import renderings_of
from app.tasks import service as tasks_service

if TYPE_CHECKING:
    from app.maps.refresh import PointGrid

__all__ = ["MAX_CELLS", "Cell", "cluster_points", "clusters_body", "grid_cells"]

# The most grid cells a request may span (a phone screen at its zoom spans about 500).
MAX_CELLS = 4096
# Boxes up to this many cell rows are aggregated by the database (a row costs a term of
# the SQL expression); taller ones are counted here.
MAX_SQL_ROWS = 128


def grid_cells(box: BBox, zoom: int) -> int:
    """How many grid cells of ``zoom`` the box spans."""
    total = 0
    for part in box.parts():
        west, north = cell_of(part.max_lat, part.min_lon, zoom)
        east, south = cell_of(part.min_lat, part.max_lon, zoom)
        total += (east - west + 1) * (south - north + 1)
    return total


def cluster_points(
    session: Session,
    box: BBox,
    zoom: int,
    filters: MapFilters,
    grid: PointGrid | None = None,
) -> dict[tuple[int, int], Cell]:
    """The points in ``box`` passing ``filters``, per grid cell of ``zoom``: from the grid
    index (``app.maps.index``) when it answers the filters, else from the database."""
    points = grid.current(session) if grid is not None and filters.indexable else None
    if points is not None:
        return points.cells(points.in_box(box, zoom, filters), zoom)
    where = filters.clauses(session)
    tops = repository.top_categories(session)
    cells: dict[tuple[int, int], Cell] = {}
    first_row, edges = row_edges(box, zoom)
    if len(edges) <= MAX_SQL_ROWS:
        # Aggregated in the database: one row per cell and category, not per point.
        n = cells_per_axis(zoom)
        for row in repository.cell_rows(
            session, box, where, cells_per_axis=n, first_row=first_row, row_edges=edges
        ):
            key = (min(row[0], n - 1), row[1])
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = Cell()
            cell.merge(row, tops.get(row[2]) if row[2] else None)
        return cells
    for pid, lat, lon, code in repository.points_in_box(session, box, where):
        key = cell_of(lat, lon, zoom)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell()
        cell.add(pid, lat, lon, tops.get(code) if code else None)
    return cells


def clusters_body(
    session: Session,
    box: BBox,
    zoom: int,
    filters: MapFilters,
    *,
    pref: LanguagePreference,
    cache: RenderCache,
    stale_after: dt.timedelta,
    grid: PointGrid | None = None,
) -> dict[str, Any]:
    """The clusters and lone points of a viewport (``PointClusters`` shape)."""
    if grid_cells(box, zoom) > MAX_CELLS:
        raise ValidationProblem.for_field(
            "query",
            "zoom",
            f"this bbox spans more than {MAX_CELLS} cells at zoom {zoom}: lower the zoom "
            "or use a smaller bbox",
        )
    cells = cluster_points(session, box, zoom, filters, grid)
    ordered = sorted(cells.items())
    clusters = [
        {
            "count": cell.count,
            "location": dict(zip(("lat", "lon"), cell.centre(), strict=True)),
            "bounds": cell.bounds(),
            "categories": dict(sorted(cell.categories.items())),
        }
        for _, cell in ordered
        if cell.count > 1
    ]
    lone = [cell.first for _, cell in ordered if cell.count == 1]
    rendered, flagged = renderings_of(session, lone, pref=pref, cache=cache, view="summary")
    warnings = tasks_service.warnings_for(session, flagged) if flagged else {}
    now = dt.datetime.now(dt.UTC)
    points = [
        orjson.loads(
            finish(
                rendered[pid],
                distance_m=None,
                at=now,
                now=now,
                stale_after=stale_after,
                warnings=warnings.get(pid),
            )
        )
        for pid in lone
        if pid in rendered
    ]
    return {
        "zoom": zoom,
        "bbox": [box.min_lon, box.min_lat, box.max_lon, box.max_lat],
        "total": sum(cell.count for cell in cells.values()),
        "clusters": clusters,
        "points": points,
        "lang": pref.served,
    }
