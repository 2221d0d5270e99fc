"""The side-by-side baseline of issue #15 on SQLite: the nearest-20 query of the benchmark
through a minimal FastAPI + sqlite3 endpoint over the same database, and nothing else.

A growing-radius search of the R*Tree (the same table Rumbo searches: visible points
only): a capped count first where the box may hold a crowd (a town centre holds thousands
of points within the first kilometre), exact distances in Python, then one read of ten
fields for the page's points. One connection with a memory map of the file, used on the
event loop (``async def``: SQLite reads are short and never wait for a lock under WAL), as
Rumbo's hot path does. Served under uvicorn, one worker, like ``rumbo serve``:

    RUMBO_DATABASE_URL=sqlite:///var/bench/rumbo-100000.db \\
        .venv/bin/uvicorn bench.minimal_sqlite:app --port 8001
"""

from __future__ import annotations

import math
import os
import sqlite3
from typing import Any

import orjson
from fastapi import FastAPI, Query, Response

__all__ = ["app"]

EARTH_M = 6_371_008.8
START_M = 1_000.0
# A box holding more than this is a crowd: the radius shrinks before fetching.
CROWD = 200
_state: dict[str, sqlite3.Connection] = {}
_path = os.environ.get("RUMBO_DATABASE_URL", "").removeprefix("sqlite:///")

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

_PAGE = (
    "SELECT p.id, p.public_id, p.public_lat, p.public_lon, p.country, p.locality, p.phones, "
    "p.opening_hours, p.status, coalesce(t.name, o.name) FROM service_point p "
    "LEFT JOIN service_point_translation t ON t.point_id = p.id AND t.lang = ? "
    "LEFT JOIN service_point_translation o ON o.point_id = p.id "
    "AND o.lang = p.original_language "
    "WHERE p.id IN (SELECT value FROM json_each(?))"
)
_WHERE = "WHERE min_lat >= ? AND max_lat <= ? AND min_lon >= ? AND max_lon <= ?"
_BOX = "SELECT id, lat, lon FROM service_point_rtree " + _WHERE
_COUNT = f"SELECT count(*) FROM (SELECT 1 FROM service_point_rtree {_WHERE} LIMIT {CROWD + 1})"


def _conn() -> sqlite3.Connection:
    conn = _state.get("conn")
    if conn is None:
        conn = sqlite3.connect(f"file:{_path}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("PRAGMA mmap_size=2147418112")
        _state["conn"] = conn
    return conn


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


def nearest(
    conn: sqlite3.Connection, lat: float, lon: float, radius: float, limit: int
) -> list[tuple[float, int]]:
    """(distance, id) of the ``limit`` nearest visible points within ``radius`` metres:
    a box around a circle, grown (by the density found so far) until it holds ``limit``."""
    reach = min(START_M, radius)
    fetched = False
    while True:
        dlat = math.degrees(reach / EARTH_M)
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        box = (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
        # Shrink only before the first fetch: after it, the radius only grows (so it ends).
        crowd = 0 if fetched else conn.execute(_COUNT, box).fetchone()[0]
        if crowd > CROWD and reach > 10.0:
            # Aim at about 3 times the page (points per area as counted; more if capped).
            reach *= max(0.1, math.sqrt(3 * limit / crowd))
            continue
        fetched = True
        found = sorted(
            (d, pid)
            for pid, plat, plon in conn.execute(_BOX, box)
            if (d := _distance(lat, lon, plat, plon)) <= reach
        )
        if len(found) >= limit or reach >= radius:
            return found[:limit]
        # Points per area so far: the circle that should hold ``limit``, with a margin.
        wanted = reach * math.sqrt(limit / len(found)) * 1.2 if found else reach * 4
        reach = min(radius, max(reach * 1.5, wanted))


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/points")
async def points(
    near: str, radius: float = 25_000, limit: int = Query(20, le=100), lang: str = "es"
) -> Response:
    lat, lon = (float(x) for x in near.split(","))
    conn = _conn()
    ranked = nearest(conn, lat, lon, radius, limit)
    rows = {r[0]: r for r in conn.execute(_PAGE, (lang, orjson.dumps([pid for _, pid in ranked])))}
    items: list[dict[str, Any]] = []
    for distance, pid in ranked:
        r = rows[pid]
        items.append(
            {
                "id": r[1],
                "name": r[9],
                "lat": r[2],
                "lon": r[3],
                "distance_m": round(distance),
                "country": r[4],
                "locality": r[5],
                "phones": orjson.loads(r[6]) if r[6] else [],
                "opening_hours": r[7],
                "status": r[8],
            }
        )
    return Response(orjson.dumps({"items": items}), media_type="application/json")
