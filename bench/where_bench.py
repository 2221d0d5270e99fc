"""Benchmark of the ``/v1/where`` country lookup: prints the median microseconds per point.

    .venv/bin/python bench/where_bench.py [--points 20000]

Loads the sources once (timed separately: Natural Earth 1:50m, the land grid, the time-zone
polygons), then looks up random points in the Americas' bounding box (land and sea) with the
full lookup (``app.countries.location.locate``: zone, country, surface) and, for comparison,
the time zone lookup alone.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.countries import location, zones
from app.countries.boundaries import Surface


def _median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    location.load()
    load_s = time.perf_counter() - started

    rng = random.Random(args.seed)
    points = [(rng.uniform(-56.0, 33.0), rng.uniform(-118.0, -34.0)) for _ in range(args.points)]

    land: list[int] = []
    sea: list[int] = []
    for lat, lon in points:
        t0 = time.perf_counter_ns()
        place = location.locate(lat, lon)
        elapsed = time.perf_counter_ns() - t0
        (land if place.surface is Surface.LAND else sea).append(elapsed)

    timings: list[int] = []
    for lat, lon in points:
        t0 = time.perf_counter_ns()
        zones.timezone_at(lat, lon)
        timings.append(time.perf_counter_ns() - t0)

    print(f"sources load: {load_s * 1000:.0f} ms")
    print(f"points: {len(points)} ({len(land)} on land, {len(sea)} at sea)")
    print(f"country lookup, all points: median {_median_us(land + sea):.1f} us")
    print(f"country lookup, on land:    median {_median_us(land):.1f} us")
    print(f"country lookup, at sea:     median {_median_us(sea):.1f} us")
    print(f"time zone lookup:           median {_median_us(timings):.1f} us")
    print(f"median_us={_median_us(land + sea):.1f}")


if __name__ == "__main__":
    main()
