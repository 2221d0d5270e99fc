"""Issue #15's side-by-side rows: the nearest-20 scenario through a minimal FastAPI endpoint
over the same database (``bench/minimal_sqlite.py``: sqlite3 and a growing-radius R*Tree
search; ``bench/minimal_pg.py``: psycopg and a PostGIS KNN), served by uvicorn with one
worker like ``rumbo serve``; and ``rumbo serve --workers 2`` against the one-worker run.

wrk runs on the same two cores as the server, so requests/s of two workers say little
alone: every row carries the CPU the server's processes spent per request as well.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.db import normalise_url
from bench.scenarios import Scenario
from bench.server import Server, free_port
from bench.wrk import LoadResult

__all__ = ["minimal_server", "side_by_side"]

MODULES = {"sqlite": "bench.minimal_sqlite", "postgis": "bench.minimal_pg"}

Measure = Callable[[Server, Scenario], LoadResult]
Summary = Callable[[LoadResult], dict[str, Any]]


def minimal_server(engine: str, database_url: str, log_path: Path) -> Server:
    """The minimal endpoint of ``engine`` over ``database_url`` (not started)."""
    port = free_port()
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    else:
        dsn = f"sqlite:///{url.database}"
    command = [sys.executable, "-m", "uvicorn", f"{MODULES[engine]}:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    command += ["--no-access-log", "--log-level", "warning", "--timeout-keep-alive", "5"]
    return Server(dsn, log_path=log_path, port=port, command=command)


def side_by_side(
    engine: str,
    database_url: str,
    scenarios: list[Scenario],
    *,
    env: dict[str, str],
    log_dir: Path,
    measure: Measure,
    summary: Summary,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Nearest-20 through the minimal endpoint, and ceiling + nearest-20 with 2 workers."""
    by_name = {s.name: s for s in scenarios}
    ceiling, nearest = by_name["ceiling"], by_name["nearest"]
    out: dict[str, Any] = {}
    log = log_dir / f"minimal-{engine}.log"
    with minimal_server(engine, database_url, log) as server:
        found = measure(server, nearest)
        out["minimal"] = {
            "title": f"Nearest 20 within 25 km, minimal FastAPI + "
            f"{'sqlite3' if engine == 'sqlite' else 'psycopg'} ({MODULES[engine]})",
            **summary(found),
        }
        say(f"  {'minimal':10s} {_line(found)}")
    log = log_dir / f"server-{engine}-workers2.log"
    with Server(database_url, log_path=log, extra_env=env, workers=2) as server:
        two: dict[str, Any] = {}
        for scenario in (ceiling, nearest):
            found = measure(server, scenario)
            two[scenario.name] = {"title": scenario.title + ", 2 workers", **summary(found)}
            say(f"  {scenario.name + '/2w':10s} {_line(found)}")
        out["workers_2"] = two
    return out


def _line(result: LoadResult) -> str:
    cpu = f"  cpu {result.cpu_ms:.3f} ms/req" if result.cpu_ms is not None else ""
    return (
        f"{result.rps:9.1f} req/s  p50 {result.latency_ms['p50']:7.2f} ms  "
        f"p99 {result.latency_ms['p99']:7.2f} ms  errors {result.error_count}{cpu}"
    )
