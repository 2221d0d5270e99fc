"""The side-by-side baseline of issue #15 on PostGIS: the nearest-20 query of the benchmark
through a minimal FastAPI + psycopg endpoint over the same database, and nothing else.

One statement: a KNN scan (``geog <-> point`` on the GiST index Rumbo uses) of the visible
points, the radius applied to what it returns, ten fields of the page's points. Served by
``bench.minimal`` under uvicorn, one worker, like ``rumbo serve``.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import orjson
import psycopg
from fastapi import FastAPI, Query, Response

__all__ = ["app"]

_local = threading.local()
_dsn = os.environ.get("RUMBO_DATABASE_URL", "").replace("postgresql+psycopg://", "postgresql://")

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

_NEAREST = """
WITH here AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS g),
knn AS (
    SELECT p.id, ST_Distance(p.geog, here.g) AS d FROM service_point p, here
    WHERE p.status IN ('published', 'temporarily_closed') AND p.deleted_at IS NULL
      AND p.geog IS NOT NULL
    ORDER BY p.geog <-> here.g LIMIT %(limit)s
)
SELECT p.public_id, coalesce(t.name, o.name), p.public_lat, p.public_lon, knn.d, p.country,
       p.locality, p.phones, p.opening_hours, p.status
FROM knn JOIN service_point p ON p.id = knn.id
LEFT JOIN service_point_translation t ON t.point_id = p.id AND t.lang = %(lang)s
LEFT JOIN service_point_translation o ON o.point_id = p.id AND o.lang = p.original_language
WHERE knn.d <= %(radius)s
ORDER BY knn.d
"""
_FIELDS = ("id", "name", "lat", "lon", "distance_m", "country", "locality", "phones")


def _conn() -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(_dsn, autocommit=True, prepare_threshold=0)
        _local.conn = conn
    return conn


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/points")
def points(
    near: str, radius: float = 25_000, limit: int = Query(20, le=100), lang: str = "es"
) -> Response:
    lat, lon = (float(x) for x in near.split(","))
    rows = _conn().execute(
        _NEAREST, {"lat": lat, "lon": lon, "radius": radius, "limit": limit, "lang": lang}
    )
    items = []
    for r in rows:
        item = dict(zip(_FIELDS, r[:8], strict=True))
        item["distance_m"] = round(r[4])
        item.update(opening_hours=r[8], status=r[9])
        items.append(item)
    return Response(orjson.dumps({"items": items}), media_type="application/json")
