"""Mapbox Vector Tiles (2.1) of public points, on the web-mercator XYZ grid.

A tile has a ``points`` layer (public id, name in the request's language, main category,
status, warnings; no ``open_now``, which changes with the clock while tiles are cached).
A tile holding more than ``MAX_TILE_POINTS`` points groups them per 64-pixel cell
(``app.geo.tilegrid``), the same cells as ``/v1/points/clusters``: cells of one point stay in
``points``, the others go to a ``clusters`` layer (count, counts per top-level category,
the cluster's bounds), so no tile holds more than ``MAX_TILE_POINTS`` features.

Which points and clusters a tile shows comes from the grid index (``app.maps.index``) when
it answers the filters, else from the database; PostgreSQL then encodes the tile itself
(``ST_AsMVTGeom``/``ST_AsMVT``), SQLite through ``mapbox-vector-tile``: same layers, same
attributes. Points are shown at their public location; hidden points are never shown.

Tiles are versioned by the database's change sequence (``app.journal``): a tile URL carrying
the current version (``v``, as the TileJSON document gives it) is cached for a year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mapbox_vector_tile
import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.geo.tilegrid import TileId, unit_xy
from app.i18n.negotiation import LanguagePreference
from app.journal import repository as journal_repository
from app.maps import repository
from app.maps.cells import Cell
from app.maps.clusters import cluster_points
from app.maps.filters import MapFilters
from app.public_points.rendering import RenderCache, finish
from app.public_points.service import renderings_of
from app.tasks import service as tasks_service

if TYPE_CHECKING:
    from app.maps.refresh import PointGrid

__all__ = [
    "EXTENT",
    "MAX_TILE_POINTS",
    "ClusterFeature",
    "PointFeature",
    "TileOut",
    "data_version",
    "encode",
    "encode_postgis",
    "render_tile",
    "tile_etag",
    "tile_features",
]

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
    counter = journal_repository.counter(session)
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


def _selection(
    session: Session, tile: TileId, filters: MapFilters, grid: PointGrid | None
) -> tuple[list[tuple[int, float, float]], list[Cell]]:
    """The tile's lone points (id, lat, lon) and its clusters: every point when it holds
    at most ``MAX_TILE_POINTS``, else one cluster per cell of several points."""
    points = grid.current(session) if grid is not None and filters.indexable else None
    if points is not None:
        positions = points.in_tile(tile, filters)
        if points.count(positions) <= MAX_TILE_POINTS:
            return points.points(positions), []
        grouped = points.cells(positions, tile.z)
    else:
        grouped = cluster_points(session, tile.bbox(), tile.z, filters)
        if sum(cell.count for cell in grouped.values()) <= MAX_TILE_POINTS:
            where = filters.clauses(session)
            return [
                (pid, lat, lon)
                for pid, lat, lon, _ in repository.points_in_box(session, tile.bbox(), where)
            ], []
    ordered = [cell for _, cell in sorted(grouped.items())]
    lone = [(c.first, c.min_lat, c.min_lon) for c in ordered if c.count == 1]
    return lone, [c for c in ordered if c.count > 1]


# (internal id, lat, lon, properties) of a point feature; (lat, lon, properties) of a cluster.
PointFeature = tuple[int, float, float, dict[str, Any]]
ClusterFeature = tuple[float, float, dict[str, Any]]


def render_tile(
    session: Session,
    tile: TileId,
    filters: MapFilters,
    *,
    pref: LanguagePreference,
    cache: RenderCache,
    stale_after: dt.timedelta,
    grid: PointGrid | None = None,
) -> TileOut:
    points, clusters = tile_features(
        session, tile, filters, pref=pref, cache=cache, stale_after=stale_after, grid=grid
    )
    if session.connection().dialect.name == "postgresql":
        body = encode_postgis(session, tile, points, clusters)
    else:
        body = encode(tile, points, clusters)
    return TileOut(body=body, points=len(points), clusters=len(clusters))


def tile_features(
    session: Session,
    tile: TileId,
    filters: MapFilters,
    *,
    pref: LanguagePreference,
    cache: RenderCache,
    stale_after: dt.timedelta,
    grid: PointGrid | None = None,
) -> tuple[list[PointFeature], list[ClusterFeature]]:
    """What a tile shows, before encoding: its points and clusters with their attributes."""
    lone, cells = _selection(session, tile, filters, grid)
    ids = [pid for pid, _, _ in lone]
    rendered, flagged = renderings_of(session, ids, pref=pref, cache=cache, view="summary")
    warnings = tasks_service.warnings_for(session, flagged) if flagged else {}
    now = dt.datetime.now(dt.UTC)
    points: list[PointFeature] = []
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
        properties = {
            "id": item["id"],
            "name": item["name"] or "",
            "lang": item["lang"],
            "category": item["categories"][0] if item["categories"] else "",
            "status": item["status"],
            "warnings": ",".join(warnings.get(pid, [])),
        }
        points.append((pid, lat, lon, properties))
    clusters: list[ClusterFeature] = []
    for cell in cells:
        properties = {
            "count": cell.count,
            "categories": orjson.dumps(dict(sorted(cell.categories.items()))).decode(),
            "min_lon": cell.min_lon,
            "min_lat": cell.min_lat,
            "max_lon": cell.max_lon,
            "max_lat": cell.max_lat,
        }
        for code, count in sorted(cell.categories.items()):
            properties[f"count_{code}"] = count
        clusters.append((*cell.centre(), properties))
    return points, clusters


def encode(tile: TileId, points: list[PointFeature], clusters: list[ClusterFeature]) -> bytes:
    """The tile, encoded here (``mapbox-vector-tile``); an empty layer is left out."""
    layers = []
    if points:
        features = []
        for pid, lat, lon, properties in points:
            x, y = _pixel(tile, lat, lon)
            features.append({"geometry": f"POINT({x} {y})", "id": pid, "properties": properties})
        layers.append({"name": "points", "features": features})
    if clusters:
        features = []
        for lat, lon, properties in clusters:
            x, y = _pixel(tile, lat, lon)
            features.append({"geometry": f"POINT({x} {y})", "properties": properties})
        layers.append({"name": "clusters", "features": features})
    if not layers:
        return b""
    return bytes(
        mapbox_vector_tile.encode(layers, default_options={"y_coord_down": True, "extents": EXTENT})
    )


def encode_postgis(
    session: Session, tile: TileId, points: list[PointFeature], clusters: list[ClusterFeature]
) -> bytes:
    """The tile, encoded by PostGIS (``ST_AsMVTGeom``, ``ST_AsMVT``): the same layers and
    attributes as :func:`encode`. A point's geometry is its public location as stored."""
    point_columns = ("id", "name", "lang", "category", "status", "warnings")
    params: dict[str, Any] = {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "fids": [pid for pid, _, _, _ in points],
        **{f"p_{c}": [p[c] for _, _, _, p in points] for c in point_columns},
        "c_lat": [lat for lat, _, _ in clusters],
        "c_lon": [lon for _, lon, _ in clusters],
        "c_count": [p["count"] for _, _, p in clusters],
        "c_categories": [p["categories"] for _, _, p in clusters],
        **{
            f"c_{c}": [p[c] for _, _, p in clusters]
            for c in ("min_lon", "min_lat", "max_lon", "max_lat")
        },
        "c_counts": [
            orjson.dumps({k: v for k, v in p.items() if k.startswith("count_")}).decode()
            for _, _, p in clusters
        ],
    }
    return bytes(session.connection().execute(_MVT, params).scalar_one())


# The extent (4096) is EXTENT.
_MVT = text(
    """
WITH envelope AS (SELECT ST_TileEnvelope(:z, :x, :y) AS box),
points AS (
  SELECT f.fid, f.id, f.name, f.lang, f.category, f.status, f.warnings,
    ST_AsMVTGeom(
      ST_Transform(ST_SetSRID(ST_MakePoint(sp.public_lon, sp.public_lat), 4326), 3857),
      envelope.box, 4096, 0, false
    ) AS geom
  FROM unnest(
    CAST(:fids AS bigint[]), CAST(:p_id AS text[]), CAST(:p_name AS text[]),
    CAST(:p_lang AS text[]), CAST(:p_category AS text[]), CAST(:p_status AS text[]),
    CAST(:p_warnings AS text[])
  ) AS f(fid, id, name, lang, category, status, warnings)
  JOIN service_point AS sp ON sp.id = f.fid AND sp.public_lat IS NOT NULL
  CROSS JOIN envelope
),
clusters AS (
  SELECT
    ST_AsMVTGeom(
      ST_Transform(ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326), 3857),
      envelope.box, 4096, 0, false
    ) AS geom,
    c.count, c.categories, c.min_lon, c.min_lat, c.max_lon, c.max_lat, c.counts
  FROM unnest(
    CAST(:c_lat AS float8[]), CAST(:c_lon AS float8[]), CAST(:c_count AS int[]),
    CAST(:c_categories AS text[]), CAST(:c_min_lon AS float8[]),
    CAST(:c_min_lat AS float8[]), CAST(:c_max_lon AS float8[]),
    CAST(:c_max_lat AS float8[]), CAST(:c_counts AS jsonb[])
  ) AS c(lat, lon, count, categories, min_lon, min_lat, max_lon, max_lat, counts)
  CROSS JOIN envelope
)
SELECT
  COALESCE(
    (SELECT ST_AsMVT(points, 'points', 4096, 'geom', 'fid') FROM points
     WHERE geom IS NOT NULL),
    ''::bytea
  ) || COALESCE(
    (SELECT ST_AsMVT(clusters, 'clusters', 4096, 'geom') FROM clusters
     WHERE geom IS NOT NULL),
    ''::bytea
  )
"""
)
