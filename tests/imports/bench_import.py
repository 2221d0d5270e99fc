"""Benchmark: ``rumbo import`` of a large generated CSV, rows per second and peak memory.

    .venv/bin/python -m tests.imports.bench_import --rows 100000 [--database-url URL]

Builds a fresh database (SQLite in a temporary folder unless ``--database-url`` names an
empty PostgreSQL database), loads the taxonomy, writes a CSV of ``--rows`` points spread
around towns on the migration route, and runs ``rumbo import`` in a child process (so its
peak resident memory is the import's own). Prints one line of figures per run; run it with
two sizes to see memory stay flat while rows grow. Not collected by pytest: a benchmark
prints figures, it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOWNS = [  # (lat, lon, country): inland, so a 0.1 degree jitter stays in the country
    (4.711, -74.072, "CO"),
    (6.244, -75.581, "CO"),
    (8.983, -79.517, "PA"),
    (9.928, -84.090, "CR"),
    (12.114, -86.236, "NI"),
    (14.072, -87.192, "HN"),
    (14.634, -90.506, "GT"),
    (16.753, -93.116, "MX"),
    (19.432, -99.133, "MX"),
    (25.686, -100.316, "MX"),
    (-12.046, -77.043, "PE"),
    (-0.180, -78.467, "EC"),
]
CATEGORIES = ["shelter", "food", "water", "health_primary", "legal_aid", "information_point"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    header = [
        "external_id", "status", "lat", "lon", "country", "locality", "categories",
        "opening_hours", "free", "original_language", "name:es", "description:es", "name:en",
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(rows):
            lat, lon, country = rng.choice(TOWNS)
            writer.writerow(
                [
                    f"bench-{i}",
                    "published",
                    f"{lat + rng.uniform(-0.1, 0.1):.6f}",
                    f"{lon + rng.uniform(-0.1, 0.1):.6f}",
                    country,
                    f"Localidad {i % 500}",
                    "; ".join(rng.sample(CATEGORIES, rng.randint(1, 2))),
                    "Mo-Fr 08:00-17:00; Sa 09:00-12:00",
                    rng.choice(["true", "false", ""]),
                    "es",
                    f"Punto de servicio {i} {rng.randrange(10**6)}",
                    "Atención a personas en tránsito. " * rng.randint(1, 4),
                    f"Service point {i}",
                ]
            )


def fresh_database(url: str) -> None:
    """Migrate ``url`` and load languages, taxonomy and one organisation (no points)."""
    from app import schema
    from app import seed as seed_module
    from app.db import Database
    from app.organizations.models import Organization

    schema.upgrade(url)
    database = Database(url)
    with database.session() as session, session.begin():
        seed_module.load_languages(session, set(seed_module.BASE_LANGUAGES))
        seed_module.load_languages(
            session, seed_module.load_taxonomy(session, seed_module.SEED_DIR)
        )
        session.add(Organization(slug="bench", name="Benchmark NGO"))
    database.dispose()


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def run(rows: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "points.csv"
        write_csv(data, rows)
        db_url = url or f"sqlite:///{folder / 'bench.db'}"
        env = {**os.environ, "RUMBO_DATABASE_URL": db_url, "RUMBO_LOG_LEVEL": "WARNING"}
        # This process imports nothing of the app: a child's peak memory (ru_maxrss, which
        # Linux carries over fork and exec) is then the import's own.
        prepared = _python(
            f"from tests.imports.bench_import import fresh_database; fresh_database({db_url!r})",
            env,
        )
        if prepared.returncode:
            print(prepared.stderr[-2000:])
            return
        started = time.perf_counter()
        done = _python(
            f"import sys; sys.argv = ['rumbo', 'import', {str(data)!r}, '--organization', "
            "'bench']; from app.cli import main; main()",
            env,
        )
        wall = time.perf_counter() - started
        summary = done.stdout.strip().splitlines()[0] if done.stdout.strip() else done.stderr
        peak = re.search(r"peak memory (\d+) MiB", summary)
        rate = re.search(r"(\d+) rows/s", summary)
        engine = "postgresql" if db_url.startswith("postgres") else "sqlite"
        print(
            f"import {rows} rows [{engine}]: {wall:.1f} s wall (process start included), "
            f"{rate.group(1) if rate else '?'} rows/s in the import, "
            f"peak RSS {peak.group(1) if peak else '?'} MiB, "
            f"file {data.stat().st_size / 1e6:.1f} MB, exit {done.returncode}"
        )
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    for rows in args.rows:
        run(rows, args.database_url)


if __name__ == "__main__":
    main()
