"""Mapbox Vector Tiles (2.1) of public points, on the web-mercator XYZ grid.

A tile has a ``points`` layer (public id, name in the request's language, main category,
status, warnings; no ``open_now``, which changes with the clock while tiles are cached).
A tile holding more than ``MAX_TILE_POINTS`` points groups them per 64-pixel cell
(``app.maps.grid``), the same cells as ``/v1/points/clusters``: cells of one point stay in
``points``, the others go to a ``clusters`` layer (count, counts per top-level category,
the cluster's bounds), so no tile holds more than ``MAX_TILE_POINTS`` features.

Tiles are versioned by the database's change sequence (``app.sync``): a tile URL carrying
the current version (``v``, as the TileJSON document gives it) is cached for a year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile
import orjson
from sqlalchemy.orm import Session

from app.i18n.negotiation import LanguagePreference
from app.maps import repository
from app.maps.clusters import Cell, cluster_points
from app.maps.filters import MapFilters
from app.maps.grid import TileId, unit_xy
from app.service_points.rendering import RenderCache, finish
from app.service_points.service import _rendered
from app.sync import repository as sync_repository
from app.tasks import service as tasks_service

__all__ = ["EXTENT", "MAX_TILE_POINTS", "TileOut", "data_version", "render_tile", "tile_etag"]

EXTENT = 4096
MAX_TILE_POINTS = 256  # also the most cells a tile has (16 x 16 cells of 64 px)
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True, slots=True)
class TileOut:
    body: bytes
    points: int
    clusters: int


def data_version(session: Session) -> str:
    """The data version tiles are keyed by: the database's epoch and change sequence."""
    counter = sync_repository.counter(session)
    return f"{counter.epoch[:8]}-{counter.value}"


def tile_etag(version: str, tile: TileId, filters: MapFilters, pref: LanguagePreference) -> str:
    """A strong ETag for a tile's content: data version, tile, filters, the language served
    and the fallback order of names (two requests served in one language may still fall
    back differently)."""
    langs = ",".join((pref.served, *pref.chain))
    key = f"{version}/{tile.z}/{tile.x}/{tile.y}/{filters.key()}/{langs}".encode()
    return '"t' + hashlib.blake2b(key, digest_size=12).hexdigest() + '"'


def _pixel(tile: TileId, lat: float, lon: float) -> tuple[int, int]:
    x, y = unit_xy(lat, lon)
    n = 1 << tile.z
    return round((x * n - tile.x) * EXTENT), round((y * n - tile.y) * EXTENT)


def render_tile(
    session: Session,
    tile: TileId,
    filters: MapFilters,
    *,
    pref: LanguagePreference,
    cache: RenderCache,
    stale_after: dt.timedelta,
) -> TileOut:
    grouped = cluster_points(session, tile.bbox(), tile.z, filters)
    total = sum(cell.count for cell in grouped.values())
    lone: list[tuple[int, float, float]]
    cells: list[Cell] = []
    if total <= MAX_TILE_POINTS:
        where = filters.clauses(session)
        lone = [
            (pid, lat, lon)
            for pid, lat, lon, _ in repository.points_in_box(session, tile.bbox(), where)
        ]
    else:
        ordered = [cell for _, cell in sorted(grouped.items())]
        lone = [(c.first, c.min_lat, c.min_lon) for c in ordered if c.count == 1]
        cells = [c for c in ordered if c.count > 1]
    ids = [pid for pid, _, _ in lone]
    rendered, flagged = _rendered(session, ids, pref=pref, cache=cache, view="summary")
    warnings = tasks_service.warnings_for(session, flagged) if flagged else {}
    now = dt.datetime.now(dt.UTC)
    point_features = []
    for pid, lat, lon in lone:
        if pid not in rendered:
            continue
        item = orjson.loads(
            finish(
                rendered[pid],
                distance_m=None,
                at=now,
                now=now,
                stale_after=stale_after,
                warnings=None,
            )
        )
        x, y = _pixel(tile, lat, lon)
        point_features.append(
            {
                "geometry": f"POINT({x} {y})",
                "id": pid,
                "properties": {
                    "id": item["id"],
                    "name": item["name"],
                    "lang": item["lang"],
                    "category": item["categories"][0] if item["categories"] else "",
                    "status": item["status"],
                    "warnings": ",".join(warnings.get(pid, [])),
                },
            }
        )
    cluster_features = []
    for cell in cells:
        x, y = _pixel(tile, *cell.centre())
        properties: dict[str, Any] = {
            "count": cell.count,
            "categories": orjson.dumps(dict(sorted(cell.categories.items()))).decode(),
            "min_lon": cell.min_lon,
            "min_lat": cell.min_lat,
            "max_lon": cell.max_lon,
            "max_lat": cell.max_lat,
        }
        for code, count in cell.categories.items():
            properties[f"count_{code}"] = count
        cluster_features.append({"geometry": f"POINT({x} {y})", "properties": properties})
    layers = [{"name": "points", "features": point_features}]
    if cluster_features:
        layers.append({"name": "clusters", "features": cluster_features})
    body = mapbox_vector_tile.encode(
        layers, default_options={"y_coord_down": True, "extents": EXTENT}
    )
    return TileOut(body=body, points=len(point_features), clusters=len(cluster_features))
