"""Read replica benchmark: the same nearest-20 load against ``rumbo serve`` reading from the
primary, then from a real streaming replica of it (a second PostgreSQL server on this
machine, ``bench/pg_replica.py``), and the replication lag seen during a write burst.

On one machine both servers share the cores, so the figures show the cost of the extra hop
and that reads really move, not the capacity a replica on its own machine adds.

    BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python -m bench.replica --points 100000 --seconds 10
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import normalise_url
from app.signing import keyring
from bench import load
from bench.pg_replica import StreamingReplica
from bench.scenarios import build_scenarios, sample_points
from bench.server import Server
from bench.wrk import run_wrk

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _reads_on_replica(replica_url: str) -> int:
    """Index scans counted by the replica's statistics (they grow when reads land there)."""
    engine = create_engine(normalise_url(replica_url))
    try:
        with engine.connect() as conn:
            value = conn.execute(
                text("SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_tables")
            ).scalar_one()
            return int(value)
    finally:
        engine.dispose()


def _drive(server: Server, lines: list[str], seconds: int, workdir: Path) -> dict[str, Any]:
    requests = workdir / "nearest.tsv"
    requests.write_text("\n".join(lines) + "\n")
    run_wrk(server.base_url, requests, seconds=2, connections=16)  # warm-up
    cpu_before = _cpu_seconds(server.pid)
    result = run_wrk(server.base_url, requests, seconds=seconds, connections=16)
    cpu = _cpu_seconds(server.pid) - cpu_before
    return {
        "rps": result.rps,
        "p50_ms": result.latency_ms["p50"],
        "p99_ms": result.latency_ms["p99"],
        "errors": result.error_count,
        "server_cpu_ms_per_request": round(cpu * 1000 / max(result.requests, 1), 3),
    }


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _lag_during_writes(primary_url: str, replica: StreamingReplica, name: str) -> dict[str, Any]:
    """Write 2,000 rows in 20 transactions on the primary; the replay lag seen meanwhile."""
    engine = create_engine(normalise_url(primary_url))
    lags: list[float] = []
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_lag (n int, at timestamptz)"))
        for batch in range(20):
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO bench_lag SELECT g, now() FROM generate_series(1, 100) g")
                )
            started = time.perf_counter()
            replica.catch_up(primary_url, name)
            lags.append((time.perf_counter() - started) * 1000)
            del batch
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_lag"))
    finally:
        engine.dispose()
    lags.sort()
    return {
        "transactions": len(lags),
        "catch_up_ms_p50": round(lags[len(lags) // 2], 1),
        "catch_up_ms_max": round(lags[-1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    base = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    primary_url = load.postgres_url_for(base, args.points)
    report = load.load_postgres(primary_url, args.points)
    print(f"loaded {args.points:,} points ({report.total_seconds} s)")
    samples = sample_points(primary_url, 2000)
    scenario = next(s for s in build_scenarios(samples, {"/healthz"}) if s.name == "nearest")
    name = str(make_url(normalise_url(primary_url)).database)
    out: dict[str, Any] = {"points": args.points, "seconds": args.seconds}
    keys = ROOT / "var" / "bench" / "keys"
    keyring.generate(keys)
    replica = StreamingReplica(base, Path(tempfile.mkdtemp(prefix="rumbo-replica-bench-")))
    try:
        started = time.perf_counter()
        replica.start()
        replica.catch_up(primary_url, name)
        out["replica_start_s"] = round(time.perf_counter() - started, 1)
        replica_url = replica.url(name)
        env = {"RUMBO_KEYS_DIR": str(keys)}
        with tempfile.TemporaryDirectory() as work:
            for label, extra in (
                ("primary", {}),
                ("replica", {"RUMBO_READ_REPLICA_URL": replica_url}),
            ):
                log = ROOT / "var" / "bench" / f"server-replica-{label}.log"
                before = _reads_on_replica(replica_url)
                with Server(primary_url, log_path=log, extra_env={**env, **extra}) as server:
                    ok = httpx.get(f"{server.base_url}/readyz", timeout=10).status_code
                    assert ok == 200
                    out[label] = _drive(server, scenario.lines, args.seconds, Path(work))
                out[label]["replica_index_scans"] = _reads_on_replica(replica_url) - before
                print(label, out[label])
        out["lag"] = _lag_during_writes(primary_url, replica, name)
        print("lag", out["lag"])
    finally:
        replica.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "replica.json").write_bytes(orjson.dumps(out, option=orjson.OPT_INDENT_2))
    print(f"written {RESULTS / 'replica.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
