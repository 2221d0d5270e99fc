"""Benchmark of the map endpoints, in process: tiles, clusters and search along a route.

    .venv/bin/python -m bench.maps_bench [--points 100000] [--postgres-url URL] [--runs 30]

``make bench`` (``bench.run``) runs :func:`measure` on each data set before starting the
server (server time, sizes) and drives :func:`scenarios` with the load generator (requests
per second, ratio to the ceiling); ``bench.report`` turns both into rows of its Targets.

Loads (or reuses) the generated data set of ``bench/load.py``, then times each request
through the whole app (routing, middleware, database, encoding) with a TestClient, after
one warm-up request: p50 and p90 milliseconds, and the body's size raw and gzipped.

- ``tile_z5``: the zoom-5 tile over Central America (8/13, Nicaragua to Panama);
- ``tile_z12``: the zoom-12 tile over Tapachula's centre;
- ``clusters_z5``: ``/v1/points/clusters`` over Central America at zoom 5;
- ``corridor``: ``/v1/points?route=...&corridor=5000``, Necoclí -> Panama City (about
  500 km through the Darién reception stations), first page of 20.
"""

from __future__ import annotations

import argparse
import gzip
import math
import statistics
import time
from typing import Any
from urllib.parse import urlencode

import polyline
from fastapi.testclient import TestClient

from app.main import create_app
from app.maps.refresh import BUILD_ALLOWANCE_S, grid_of
from app.settings import Settings
from bench import load
from bench.scenarios import Scenario

# Necoclí, Acandí, Bajo Chiquito, Lajas Blancas, Metetí, Chepo, Panama City (lat, lon).
ROUTE = [
    (8.4265, -76.7836),
    (8.5122, -77.2786),
    (8.065, -77.545),
    (8.292, -77.728),
    (8.4997, -77.9775),
    (9.17, -79.1),
    (8.9824, -79.5199),
]


def _tile(lat: float, lon: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def _requests() -> dict[str, tuple[str, dict[str, Any]]]:
    z5 = _tile(11.0, -84.0, 5)
    z12 = _tile(14.9061, -92.2634, 12)
    return {
        "tile_z5": (f"/v1/tiles/{z5[0]}/{z5[1]}/{z5[2]}.mvt", {"lang": "es"}),
        "tile_z12": (f"/v1/tiles/{z12[0]}/{z12[1]}/{z12[2]}.mvt", {"lang": "es"}),
        "clusters_z5": (
            "/v1/points/clusters",
            {"bbox": "-92.5,7,-76,18.5", "zoom": 5, "lang": "es"},
        ),
        "corridor": (
            "/v1/points",
            {"route": polyline.encode(ROUTE, 5), "corridor": 5000, "limit": 20, "lang": "es"},
        ),
    }


TITLES = {
    "tile_z5": "Vector tile z=5 over Central America",
    "tile_z12": "Vector tile z=12 over Tapachula",
    "corridor": "Corridor Necoclí -> Panama City, 5 km, first page of 20",
}


def scenarios(paths: set[str]) -> list[Scenario]:
    """The map requests for the load generator (one URL each, as a map asks again and
    again for the same popular tiles)."""
    out = []
    for name, (path, params) in _requests().items():
        if name not in TITLES:
            continue
        scenario = Scenario(name, TITLES[name], [f"GET\t{path}?{urlencode(params)}"])
        template = "/v1/tiles/{z}/{x}/{y}.mvt" if name.startswith("tile") else "/v1/points"
        if template not in paths:
            scenario.skipped = "not available: the app has no vector tiles"
        out.append(scenario)
    return out


def measure(url: str, runs: int) -> dict[str, dict[str, float]]:
    settings = Settings(
        database_url=url,
        environment="test",
        log_level="WARNING",
        secret_key="bench-secret-key-0123456789abcdef",
    )
    out: dict[str, dict[str, float]] = {}
    app = create_app(settings)
    with TestClient(app) as client:
        # The grid index is built in the background from start-up (app/maps/refresh.py):
        # these figures are the index's.
        grid_of(app.state).wait(BUILD_ALLOWANCE_S)
        for name, (path, params) in _requests().items():
            first = client.get(path, params=params)
            first.raise_for_status()
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path, params=params)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            times.sort()
            body = response.content
            out[name] = {
                "p50_ms": round(statistics.median(times), 1),
                "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
                "bytes": len(body),
                "gzip_bytes": len(gzip.compress(body)),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    targets = [("sqlite", load.sqlite_url(load.load_sqlite(args.points)[0]))]
    if args.postgres_url:
        pg_url = load.postgres_url_for(args.postgres_url, args.points)
        load.load_postgres(pg_url, args.points)
        targets.append(("postgis", pg_url))
    for engine, url in targets:
        for name, figures in measure(url, args.runs).items():
            print(
                f"{engine:8} {args.points:>8} {name:12} p50 {figures['p50_ms']:7.1f} ms  "
                f"p90 {figures['p90_ms']:7.1f} ms  {figures['bytes']:>8} B  "
                f"gzip {figures['gzip_bytes']:>7} B"
            )


if __name__ == "__main__":
    main()
