"""Measurements inside one process: the search query alone (response sizes: ``bench.sizes``).

The query alone is the search backend's own call (``nearest`` / ``within``) on a session of
the real application, over many different centres, without HTTP, dependency resolution,
loading or rendering: what the spatial index costs.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from typing import Any

from app.db import Database
from app.geo import backend_for
from app.geo.sphere import BBox
from app.service_points.visibility import SEARCH_TABLE
from bench.scenarios import Sample

__all__ = ["QueryTiming", "time_queries"]


@dataclass
class QueryTiming:
    name: str
    runs: int
    median_us: float
    p90_us: float
    p99_us: float
    mean_results: float

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _timing(name: str, samples_ns: list[int], results: list[int]) -> QueryTiming:
    ordered = sorted(samples_ns)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] / 1000, 1)

    return QueryTiming(
        name=name,
        runs=len(ordered),
        median_us=round(statistics.median(ordered) / 1000, 1),
        p90_us=pct(0.90),
        p99_us=pct(0.99),
        mean_results=round(statistics.fmean(results), 1),
    )


def time_queries(
    database_url: str, samples: list[Sample], *, runs: int = 2000, seed: int = 5
) -> list[QueryTiming]:
    """Median microseconds of nearest-20 (25 km) and of a street-level viewport."""
    database = Database(database_url)
    backend = backend_for(database.dialect, SEARCH_TABLE)
    rng = random.Random(seed)
    centres = [
        (s.lat + rng.uniform(-0.01, 0.01), s.lon + rng.uniform(-0.01, 0.01)) for s in samples
    ]
    out: list[QueryTiming] = []
    try:
        with database.read_sessionmaker() as session:
            # Warm the page cache and the statement cache as a running server would be.
            for lat, lon in centres[:200]:
                backend.nearest(session, lat=lat, lon=lon, radius_m=25_000, limit=21, where=[])
            took: list[int] = []
            found: list[int] = []
            for i in range(runs):
                lat, lon = centres[i % len(centres)]
                started = time.perf_counter_ns()
                hits = backend.nearest(
                    session, lat=lat, lon=lon, radius_m=25_000, limit=21, where=[]
                )
                took.append(time.perf_counter_ns() - started)
                found.append(len(hits))
            out.append(_timing("nearest-20 within 25 km", took, found))
            took, found = [], []
            for i in range(runs):
                lat, lon = centres[i % len(centres)]
                half_w, half_h = rng.uniform(0.012, 0.025), rng.uniform(0.008, 0.015)
                box = BBox(lon - half_w, lat - half_h, lon + half_w, lat + half_h)
                started = time.perf_counter_ns()
                hits = backend.within(session, bbox=box, limit=21, where=[])
                took.append(time.perf_counter_ns() - started)
                found.append(len(hits))
            out.append(_timing("bbox viewport, 20 points", took, found))
    finally:
        database.dispose()
    return out
