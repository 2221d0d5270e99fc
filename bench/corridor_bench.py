"""The corridor search's own work at any size, in memory: no database, no documents.

    .venv/bin/python -m bench.corridor_bench [--points 100000 1000000] [--runs 50]

Draws the benchmark's locations (``bench.data``: the same places, weights and spreads,
without the rest of a point), builds the grid index's columns from them, and times the
first page (21 candidates: a page of 20 and one to tell a next page exists) of the
corridor Necoclí -> Panama City, 5 km, as the stored documents' path finds it
(``app.maps.corridor`` + ``app.geo.corridor``): thread CPU time, p50 and p90, and how
many candidates were fetched and measured. What a request adds to this (version check,
reading 20 stored documents, splicing, the framework) does not grow with the data.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np
import polyline

from app.geo import corridor as geo_corridor
from app.geo.route import Route, parse_route
from app.maps.corridor import grid_candidates
from app.maps.filters import MapFilters
from app.maps.index import GridPoints, keys_of
from bench import data
from bench.maps_bench import ROUTE


def locations(count: int, seed: int = 2026) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons) drawn as ``bench.data.generate`` draws its points' locations."""
    rng = random.Random(seed)
    route_weights = np.cumsum([p.weight for p in data.ROUTE]).tolist()
    scatter_weights = np.cumsum([p.weight for p in data.SCATTER]).tolist()
    lats, lons = np.empty(count), np.empty(count)
    for i in range(count):
        if rng.random() < data.ROUTE_SHARE:
            place = rng.choices(data.ROUTE, cum_weights=route_weights)[0]
            sigma = rng.choices((0.8, 3.0, 12.0), weights=(5, 4, 2))[0]
        else:
            place = rng.choices(data.SCATTER, cum_weights=scatter_weights)[0]
            sigma = rng.choices((2.0, 15.0, 120.0), weights=(3, 4, 3))[0]
        lats[i], lons[i] = data._scatter(rng, place, sigma)
    return lats, lons


def grid(lats: np.ndarray, lons: np.ndarray) -> GridPoints:
    keys = keys_of(lats, lons)
    ids = np.arange(1, len(lats) + 1, dtype=np.int64)
    order = np.lexsort((ids, keys))
    zeros = np.zeros(len(lats), dtype=np.int32)
    return GridPoints(
        version=((0, 0), (0, "")),
        keys=keys[order],
        ids=ids[order],
        lat=lats[order],
        lon=lons[order],
        code=zeros - 1,
        country=zeros,
        free=np.zeros(len(lats), dtype=np.int8) - 1,
        codes=(),
        countries=("CO",),
        tops=(),
        top_of=np.array([-1], dtype=np.int64),
    )


def first_page(points: GridPoints, route: Route, runs: int) -> dict[str, float]:
    counts = {"fetched": 0, "measured": 0}

    def counted_fetch(pieces: object) -> object:
        found = fetch(pieces)  # type: ignore[arg-type]
        counts["fetched"] += len(found[0])
        return found

    measure = route.measure

    def counted_measure(lats: object, lons: object) -> object:
        counts["measured"] += len(lats)  # type: ignore[arg-type]
        return measure(lats, lons)

    route.measure = counted_measure  # type: ignore[method-assign]
    times = []
    for _ in range(runs):
        counts.update(fetched=0, measured=0)
        started = time.thread_time()
        fetch = grid_candidates(points, route, 5000, MapFilters())
        assert fetch is not None
        geo_corridor.walk_corridor(route, 5000, limit=21, fetch=counted_fetch)  # type: ignore[arg-type]
        times.append((time.thread_time() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 2),
        **counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    route = parse_route(polyline.encode(ROUTE, 5))
    for count in args.points:
        points = grid(*locations(count))
        figures = first_page(points, route, args.runs)
        print(
            f"{count:>9,} points: p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms "
            f"(thread CPU), {figures['fetched']:,} candidates fetched, "
            f"{figures['measured']:,} measured"
        )


if __name__ == "__main__":
    main()
