"""The cost of ``synchronous=FULL`` on SQLite: one small write transaction at a time.

Each acknowledged edit is one write transaction through the app's write path
(``Database.session()``: the process's write gate, ``BEGIN IMMEDIATE``, commit). With
``FULL`` SQLite syncs the WAL at every commit; with ``NORMAL`` only at checkpoints, so a
power cut may lose the last commits. This runs the same sequence of single-row write
transactions on a fresh file under each level and reports the commit latency.

    .venv/bin/python -m bench.durability [--writes 400] [--dir var/bench]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import get_args

from sqlalchemy import text

from app.db import Database, SqliteSynchronous

__all__ = ["measure"]


def measure(directory: Path, level: SqliteSynchronous, writes: int) -> dict[str, float]:
    """Commit latencies (ms) of ``writes`` one-row write transactions under ``level``."""
    path = directory / f"durability-{level.lower()}.db"
    path.unlink(missing_ok=True)
    database = Database(f"sqlite:///{path}", sqlite_synchronous=level)
    try:
        with database.session() as session, session.begin():
            session.execute(text("CREATE TABLE edit (id INTEGER PRIMARY KEY, body TEXT)"))
        latencies = []
        for i in range(writes):
            started = time.perf_counter()
            with database.session() as session, session.begin():
                session.execute(text("INSERT INTO edit (body) VALUES (:b)"), {"b": f"edit {i}"})
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        database.dispose()
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "writes_per_s": writes / (sum(latencies) / 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        results = {
            level: measure(Path(tmp), level, args.writes) for level in get_args(SqliteSynchronous)
        }
    print(f"{'level':<8}{'p50 ms':>9}{'p95 ms':>9}{'writes/s':>10}")
    for level, r in results.items():
        print(f"{level:<8}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['writes_per_s']:>10.0f}")


if __name__ == "__main__":
    main()
