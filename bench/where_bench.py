"""Benchmark of the ``/v1/where`` country lookup: prints the median microseconds per point.

    .venv/bin/python bench/where_bench.py [--points 20000]

Loads the Natural Earth 1:50m index once (timed separately), then looks up random points
in the Americas' bounding box (land and sea) and, for comparison, the time zone lookup.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timezonefinder import TimezoneFinder

from app.countries.boundaries import Surface, load_boundaries


def _median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    boundaries = load_boundaries()
    load_s = time.perf_counter() - started

    rng = random.Random(args.seed)
    points = [(rng.uniform(-56.0, 33.0), rng.uniform(-118.0, -34.0)) for _ in range(args.points)]

    land: list[int] = []
    sea: list[int] = []
    for lat, lon in points:
        t0 = time.perf_counter_ns()
        location = boundaries.locate(lat, lon)
        elapsed = time.perf_counter_ns() - t0
        (land if location.surface is Surface.LAND else sea).append(elapsed)

    finder = TimezoneFinder(in_memory=True)
    zones: list[int] = []
    for lat, lon in points:
        t0 = time.perf_counter_ns()
        finder.timezone_at(lng=lon, lat=lat)
        zones.append(time.perf_counter_ns() - t0)

    print(f"index load: {load_s * 1000:.0f} ms")
    print(f"points: {len(points)} ({len(land)} on land, {len(sea)} at sea)")
    print(f"country lookup, all points: median {_median_us(land + sea):.1f} us")
    print(f"country lookup, on land:    median {_median_us(land):.1f} us")
    print(f"country lookup, at sea:     median {_median_us(sea):.1f} us")
    print(f"time zone lookup:           median {_median_us(zones):.1f} us")
    print(f"median_us={_median_us(land + sea):.1f}")


if __name__ == "__main__":
    main()
