"""``make bench``: the whole benchmark in one run, printed and written to ``bench/results``.

    .venv/bin/python -m bench.run [--sizes 100000 1000000] [--postgres-url URL]
                                  [--seconds 20] [--connections 32] [--skip-import]

For each engine (SQLite, and PostGIS when a URL is given) and each size: load the
generated data set (cached under ``var/bench``, or ``RUMBO_BENCH_CACHE``), time the query
alone in process, start the real server (``rumbo serve``, production settings, one worker)
and drive it with wrk from a separate process through every scenario, measuring the
framework ceiling before and after; then issue #15's side-by-side (a minimal endpoint over
the same data, and two workers). Then issue #16's faults (a crowd of slow clients, writers
beside a large import) and the CSV import, at 10,000 and 100,000 rows. ``--sections``
picks what to run; ``--prepare-only`` builds the cached data sets and stops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.signing import keyring
from bench import (
    beside_import,
    crowd,
    imports,
    inprocess,
    load,
    maps_bench,
    profile,
    sidebyside,
    sizes,
)
from bench.report import write_report
from bench.scenarios import Scenario, build_scenarios, sample_points
from bench.server import Server
from bench.wrk import LoadResult, find_wrk, run_wrk

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGS = ROOT / "var" / "bench"
KEYS = LOGS / "keys"
# What a run measures (--sections): the scenarios of every data set, issue #15's
# side-by-side (minimal endpoints, 2 workers), issue #16's crowd of slow clients and
# writers beside a large import, and the CSV import.
# ``maps`` alone: the map rows (in process, and through the server between two ceilings).
SECTIONS = ("http", "side", "crowd", "beside", "import", "maps")
# The load is generated on the same machine: one wrk thread, like the anchors.
THREADS = 1
# Scenarios profiled with py-spy after the measured runs: those with ratio targets.
PROFILED = ("nearest", "bbox", "text")


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    wrk = find_wrk()
    wrk_version = ""
    if wrk:
        done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        wrk_version = (
            (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
        )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk_version,
        "load_before": _loadavg(),
    }


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _say(message: str) -> None:
    print(message, flush=True)


# Scenarios that run after the closing ceiling measurement: writes, and sync pages, which
# are large (hundreds of records) and run with fewer connections so the queue stays bounded.
LATE = ("feedback", "sync")
SYNC_CONNECTIONS = 4


def _drain(server: Server, timeout: float = 120.0) -> None:
    """Wait until the server answers a probe promptly (the previous scenario's queue is
    gone), so one scenario's backlog is not charged to the next."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            httpx.get(f"{server.base_url}/healthz", timeout=5)
            if time.monotonic() - started < 0.05:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def measure(
    server: Server,
    scenario: Scenario,
    workdir: Path,
    *,
    seconds: int,
    warmup: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """One scenario after a warm-up, the server drained before each; ``cpu_ms`` is the
    CPU the server's processes (workers included) spent per request of the measured run."""
    path = scenario.write(workdir)
    _drain(server)
    run_wrk(server.base_url, path, seconds=warmup, connections=connections, headers=headers)
    _drain(server)
    cpu_before = server.cpu_seconds()
    result = run_wrk(
        server.base_url, path, seconds=seconds, connections=connections, headers=headers
    )
    spent = server.cpu_seconds() - cpu_before
    result.cpu_ms = round(1000 * spent / result.requests, 3) if result.requests else None
    return result


def _http_runs(
    server: Server,
    scenarios: list[Scenario],
    *,
    seconds: int,
    warmup: int,
    connections: int,
    workdir: Path,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ceilings: list[Any] = []

    def drive(scenario: Scenario, headers: dict[str, str] | None = None, conns: int = 0) -> Any:
        return measure(
            server,
            scenario,
            workdir,
            seconds=seconds,
            warmup=warmup,
            connections=conns or connections,
            headers=headers,
        )

    def record(scenario: Scenario, conns: int = 0) -> None:
        if scenario.skipped:
            out[scenario.name] = {"title": scenario.title, "skipped": scenario.skipped}
            _say(f"  {scenario.name:10s} skipped: {scenario.skipped}")
            return
        result = drive(scenario, conns=conns)
        title = scenario.title + (f" ({conns} connections)" if conns else "")
        out[scenario.name] = {"title": title, **_summary(result)}
        _say(f"  {scenario.name:10s} {_line(result)}")

    ceiling = scenarios[0]
    ceilings.append(drive(ceiling))
    _say(f"  {'ceiling':10s} {_line(ceilings[0])}")
    for scenario in scenarios[1:]:
        if scenario.name in LATE:
            continue
        record(scenario)
        if scenario.name == "nearest" and len(scenarios) > 2:  # not for the side-by-side alone
            compressed = drive(scenario, headers={"Accept-Encoding": "br"})
            out["nearest_br"] = {
                "title": "Nearest 20 within 25 km, Accept-Encoding: br",
                **_summary(compressed),
            }
            _say(f"  {'nearest_br':10s} {_line(compressed)}")
    ceilings.append(drive(ceiling))
    _say(f"  {'ceiling':10s} {_line(ceilings[1])}")
    for scenario in scenarios[1:]:
        if scenario.name in LATE:
            record(scenario, conns=SYNC_CONNECTIONS if scenario.name == "sync" else 0)
    rps = sum(c.rps for c in ceilings) / len(ceilings)
    out = {
        "ceiling": {
            "title": ceiling.title,
            **_summary(ceilings[0]),
            "rps": round(rps, 1),
            "rps_before": ceilings[0].rps,
            "rps_after": ceilings[1].rps,
            "p50_ms": max(c.latency_ms["p50"] for c in ceilings),
            "p99_ms": max(c.latency_ms["p99"] for c in ceilings),
        },
        **out,
    }
    for result in out.values():
        if "rps" in result and result is not out["ceiling"]:
            result["ratio"] = round(result["rps"] / rps, 3) if rps else None
    return out


def _summary(result: Any) -> dict[str, Any]:
    return {
        "rps": result.rps,
        "p50_ms": result.latency_ms["p50"],
        "p90_ms": result.latency_ms["p90"],
        "p99_ms": result.latency_ms["p99"],
        "max_ms": result.latency_ms["max"],
        "requests": result.requests,
        "cpu_ms_per_request": result.cpu_ms,
        "errors": result.error_count,
        "error_kinds": result.errors,
        "bytes_per_request": round(result.bytes / max(result.requests, 1)),
    }


def _line(result: Any) -> str:
    return (
        f"{result.rps:9.1f} req/s  p50 {result.latency_ms['p50']:7.2f} ms  "
        f"p99 {result.latency_ms['p99']:7.2f} ms  errors {result.error_count}"
        + (f"  cpu {result.cpu_ms:.3f} ms/req" if result.cpu_ms is not None else "")
    )


def bench_engine(
    engine: str,
    database_url: str,
    points: int,
    load_report: load.LoadReport,
    args: argparse.Namespace,
) -> dict[str, Any]:
    _say(
        f"== {engine}, {points:,} points (load {load_report.total_seconds} s"
        f"{', cached' if load_report.cached else ''})"
    )
    warmed = load.prewarm(database_url)
    _say(f"  prewarmed the database in {warmed} s")
    samples = sample_points(database_url, args.samples)
    # A choice of scenarios (--scenarios) measures them alone: no maps, profiles or sizes.
    everything = "http" in args.sections and not args.scenarios
    maps_only = "maps" in args.sections and "http" not in args.sections
    query_alone = (
        [] if maps_only else inprocess.time_queries(database_url, samples, runs=args.query_runs)
    )
    for timing in query_alone:
        _say(f"  query alone: {timing.name}: median {timing.median_us} us, p99 {timing.p99_us} us")
    run: dict[str, Any] = {
        "engine": engine,
        "points": points,
        "load": load_report.as_dict(),
        "query_alone": [t.as_dict() for t in query_alone],
    }
    env = _server_env()
    log_path = LOGS / f"server-{engine}-{points}.log"
    if everything or maps_only:
        # Map endpoints in process (server time, sizes), before the server takes the CPU.
        run["maps"] = maps_bench.measure(database_url, args.maps_runs)
        for name, figures in run["maps"].items():
            _say(
                f"  maps in process: {name}: p50 {figures['p50_ms']} ms, "
                f"gzip {figures['gzip_bytes']} B"
            )
    with Server(database_url, log_path=log_path, extra_env=env) as server:
        run["server_memory_mib"] = {"start": server.memory_mib()}
        paths = set(httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()["paths"])
        scenarios = build_scenarios(samples, paths) + maps_bench.scenarios(paths)
        if args.scenarios:
            scenarios = [s for s in scenarios if s.name in ("ceiling", *args.scenarios)]
        elif maps_only:
            map_names = {s.name for s in maps_bench.scenarios(paths)}
            scenarios = [s for s in scenarios if s.name == "ceiling" or s.name in map_names]
        elif not everything:
            # The side-by-side alone: the ceiling and nearest-20 it is compared with.
            scenarios = [s for s in scenarios if s.name in ("ceiling", "nearest")]
        with tempfile.TemporaryDirectory() as workdir:
            run["http"] = _http_runs(
                server,
                scenarios,
                seconds=args.seconds,
                warmup=args.warmup,
                connections=args.connections,
                workdir=Path(workdir),
            )
            if everything:
                run["profiles"] = _profiles(server, scenarios, Path(workdir), args)
        if everything:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                run["bytes"] = sizes.page_sizes(client, sizes.nearest_queries(samples))
        run["server_memory_mib"]["end"] = server.memory_mib()
    if args.baseline is not None:
        run["baseline"] = _baseline_runs(args, database_url, engine, points, scenarios, env)
    if everything:
        table = sizes.format_pages(run["bytes"], "nearest 20 around sampled points, lang=es")
        _say("  " + table.replace("\n", "\n  "))
    if "side" in args.sections:
        with tempfile.TemporaryDirectory() as workdir:

            def measured(server: Server, scenario: Scenario) -> LoadResult:
                return measure(
                    server,
                    scenario,
                    Path(workdir),
                    seconds=args.seconds,
                    warmup=args.warmup,
                    connections=args.connections,
                )

            run["side_by_side"] = sidebyside.side_by_side(
                engine,
                database_url,
                scenarios,
                env=env,
                log_dir=LOGS,
                measure=measured,
                summary=_summary,
                say=_say,
            )
    return run


def _baseline_runs(
    args: argparse.Namespace,
    database_url: str,
    engine: str,
    points: int,
    scenarios: list[Scenario],
    env: dict[str, str],
) -> dict[str, Any]:
    """The same scenarios served by the code of another checkout (``--baseline``: its
    root on ``PYTHONPATH``), right after, for a before/after from one run."""
    root = str(args.baseline.resolve())
    _say(f"  baseline: the code of {root}")
    log_path = LOGS / f"server-{engine}-{points}-baseline.log"
    with (
        Server(database_url, log_path=log_path, extra_env={**env, "PYTHONPATH": root}) as server,
        tempfile.TemporaryDirectory() as workdir,
    ):
        found = _http_runs(
            server,
            scenarios,
            seconds=args.seconds,
            warmup=args.warmup,
            connections=args.connections,
            workdir=Path(workdir),
        )
    return {"checkout": root, "http": found}


def _server_env() -> dict[str, str]:
    return {
        "RUMBO_KEYS_DIR": str(KEYS),
        # One loopback client plays thousands of phones: lift the per-client feedback and
        # sync limits (the throttles still run on every request; 1,200 sync pages an hour
        # would answer 429 to most of a run's pages).
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT": "100000000/hour",
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT_POINT": "100000000/day",
        "RUMBO_FEEDBACK_LIMIT_PER_POINT": "100000000/hour",
        "RUMBO_SYNC_LIMIT_PER_CLIENT": "100000000/hour",
    }


def bench_faults(args: argparse.Namespace) -> dict[str, Any]:
    """Issue #16's measured faults: a crowd of slow clients beside /healthz, and writers
    beside a large import (SQLite, fresh databases: they do not depend on the data set)."""
    out: dict[str, Any] = {}
    LOGS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=LOGS) as workdir:
        if "crowd" in args.sections:
            path, _ = load.load_sqlite(0, path=Path(workdir) / "crowd.db")
            found = crowd.slow_crowd(
                load.sqlite_url(path),
                log_path=LOGS / "server-crowd.log",
                env={"RUMBO_KEYS_DIR": str(KEYS)},
                seconds=args.crowd_seconds,
                addresses=args.crowd_addresses,
                per_address=args.crowd_per_address,
            )
            out["slow_crowd"] = found
            for name in ("quiet", "ipv4", "ipv6_64"):
                r = found[name]
                _say(
                    f"== /healthz beside the slow crowd, {name}: p50 {r['p50_ms']} ms, "
                    f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms, failed {r['failed']}"
                    + (f", crowd held {r['held_median']} connections" if name != "quiet" else "")
                )
        if "beside" in args.sections:
            found = beside_import.writers_beside_import(
                Path(workdir),
                rows=args.beside_rows,
                env={"RUMBO_KEYS_DIR": str(KEYS)},
                log_path=LOGS / "server-beside-import.log",
            )
            out["beside_import"] = found
            _say(
                f"== writers beside a {found['rows']:,}-row import: {found['writes']} writes, "
                f"{found['failed']} failed, wait p50 {found['wait_p50_ms']} ms, "
                f"p99 {found['wait_p99_ms']} ms, max {found['wait_max_ms']} ms; import "
                f"{found['import'].get('seconds')} s (HTTP {found['import'].get('status')}), "
                f"merge held the write lock {found['merge_lock_seconds']} s"
            )
    return out


def _profiles(
    server: Server, scenarios: list[Scenario], workdir: Path, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """py-spy profiles of the scenarios whose targets are ratios (after the measured runs,
    so sampling never slows a measured figure)."""
    if args.profile_seconds <= 0:
        return []
    out = []
    for scenario in scenarios:
        if scenario.name not in PROFILED or scenario.skipped:
            continue
        _drain(server)
        found = profile.profile_scenario(
            server.pid,
            server.base_url,
            scenario,
            workdir,
            seconds=args.profile_seconds,
            connections=args.connections,
        )
        if found is None:
            continue
        top = ", ".join(
            f"{c['component'].split(' (')[0]} {c['share']:.0%}" for c in found.components[:4]
        )
        _say(f"  profile {scenario.name}: {top}")
        out.append(found.as_dict())
    return out


def prepare(args: argparse.Namespace) -> int:
    """Load (or find cached) every data set the run would use, in ``load.VAR``."""
    _say(f"data sets cached in {load.VAR}")
    for points in args.sizes:
        path, found = load.load_sqlite(points)
        _say(f"  sqlite {points:,}: {path} ({found.total_seconds} s, cached: {found.cached})")
        if args.postgres_url:
            pg_url = load.postgres_url_for(args.postgres_url, points)
            found = load.load_postgres(pg_url, points)
            name = pg_url.rsplit("/", 1)[-1]
            _say(f"  postgis {points:,}: {name} ({found.total_seconds} s, cached: {found.cached})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL"))
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--query-runs", type=int, default=2000)
    parser.add_argument("--maps-runs", type=int, default=30)
    parser.add_argument("--import-rows", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument(
        "--import-baseline",
        action="store_true",
        help="import each file twice: also without the read model's documents "
        "(bench/without_documents.py), for the cost of keeping them current",
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="what to measure (default: all); without http, each data set gets the "
        "ceiling and nearest-20 only, for the side-by-side",
    )
    parser.add_argument("--crowd-seconds", type=int, default=20)
    parser.add_argument("--crowd-addresses", type=int, default=5)
    parser.add_argument("--crowd-per-address", type=int, default=200)
    parser.add_argument("--beside-rows", type=int, default=50_000)
    parser.add_argument(
        "--profile-seconds", type=int, default=15, help="py-spy per profiled scenario (0: none)"
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="generate (or check) the cached data sets of --sizes and stop",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        metavar="NAME",
        help="measure only these HTTP scenarios (and the ceiling), e.g. sync; no maps, "
        "profiles or page sizes",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="after each data set's scenarios, serve them again with the code of this "
        "checkout (e.g. /work/main) for a before/after in one run",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--stem", default="latest")
    args = parser.parse_args(argv)
    if args.prepare_only:
        return prepare(args)
    if find_wrk() is None:
        _say("wrk is not installed: `apt-get install wrk` (make bench does it)")
        return 2
    if not (KEYS / "keyring.json").exists():
        keyring.generate(KEYS)
    report: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "settings": {
            "seconds": args.seconds,
            "warmup_seconds": args.warmup,
            "connections": args.connections,
            "load_generator": f"wrk -t{THREADS} -c{args.connections} (Lua: bench/wrk.lua)",
            "server": "uvicorn via `rumbo serve --workers 1`",
            "samples": args.samples,
            "sections": list(args.sections),
        },
        "runs": [],
        "notes": [],
    }
    engines_measured = {"http", "side", "maps"} & set(args.sections)
    for points in args.sizes if engines_measured else []:
        path, load_report = load.load_sqlite(points)
        report["runs"].append(
            bench_engine("sqlite", load.sqlite_url(path), points, load_report, args)
        )
        if args.postgres_url:
            pg_url = load.postgres_url_for(args.postgres_url, points)
            pg_report = load.load_postgres(pg_url, points)
            report["runs"].append(bench_engine("postgis", pg_url, points, pg_report, args))
    if {"crowd", "beside"} & set(args.sections):
        report["faults"] = bench_faults(args)
    if not args.skip_import and "import" in args.sections:
        report["import"] = {}
        with tempfile.TemporaryDirectory(dir=LOGS) as workdir:
            for rows in args.import_rows:
                csv_path = imports.write_csv(Path(workdir) / f"points-{rows}.csv", rows)
                if args.import_baseline:
                    base = imports.run_import(csv_path, Path(workdir), documents=False)
                    report.setdefault("import_without_documents", {})[str(rows)] = base.as_dict()
                    _say(
                        f"== import {rows:,} rows without documents: "
                        f"{base.rows_per_second:,.0f} rows/s, peak {base.peak_rss_mib} MiB, "
                        f"exit {base.exit_code}, merge held the write lock "
                        f"{base.merge_lock_seconds} s"
                    )
                result = imports.run_import(csv_path, Path(workdir))
                report["import"][str(rows)] = result.as_dict()
                _say(
                    f"== import {rows:,} rows: {result.rows_per_second:,.0f} rows/s, "
                    f"peak {result.peak_rss_mib} MiB, exit {result.exit_code}, "
                    f"merge held the write lock {result.merge_lock_seconds} s"
                )
    report["machine"]["load_after"] = _loadavg()
    written = write_report(report, args.out, args.stem)
    for target in report["targets"]:
        flag = {True: "ok  ", False: "MISS", None: "n/a "}[target["met"]]
        _say(
            f"{flag} {target['name']}: {target['value']} (wanted {target['wanted']}) "
            f"{target['note']}"
        )
    _say("written: " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
