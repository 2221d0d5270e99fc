"""The read model's figures: nearest-20 (full and summary), bbox and text at one size on
SQLite, req/s and server CPU per request, through the real server and wrk.

    .venv/bin/python -m bench.documents_bench [--size 100000] [--seconds 10] [--label after]

A focused run (issue #15) beside ``make bench``: the same data set, server and wrk script,
only the point searches. CPU per request is the server process's user + system time over
the run (``/proc/<pid>/stat``) divided by the requests served; wrk runs on the same cores.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench import load, profile
from bench.run import RESULTS
from bench.scenarios import Scenario, build_scenarios, sample_points
from bench.server import Server
from bench.wrk import run_wrk

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its reaped children, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / _TICKS


def _tree_cpu(pid: int) -> float:
    """CPU of ``pid`` and its live descendants (uvicorn's worker processes)."""
    total = _cpu_seconds(pid)
    for child in Path(f"/proc/{pid}/task").iterdir():
        children = child / "children"
        if children.exists():
            for cpid in children.read_text().split():
                total += _tree_cpu(int(cpid))
    return total


def _variants(scenarios: list[Scenario]) -> list[Scenario]:
    by_name = {s.name: s for s in scenarios}
    nearest = by_name["nearest"]
    summary = Scenario(
        "nearest_summary",
        "Nearest 20 within 25 km, view=summary",
        [line + "&view=summary" for line in nearest.lines],
    )
    return [by_name["ceiling"], nearest, summary, by_name["bbox"], by_name["text"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--label", default="latest")
    parser.add_argument(
        "--paths", nargs="+", default=["off", "on"], help="the hot path off (before) and on"
    )
    args = parser.parse_args(argv)
    path, _report = load.load_sqlite(args.size)
    url = load.sqlite_url(path)
    samples = sample_points(url, 2000)
    scenarios = _variants(build_scenarios(samples, {"/v1/sync"}))
    out: dict[str, Any] = {"size": args.size, "workers": args.workers}
    for mode in args.paths:
        print(f"hot path {mode}", flush=True)
        out[mode] = _measure(url, scenarios, mode, args)
    target = RESULTS / f"documents-{args.label}.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(f"written {target}")
    return 0


def _measure(
    url: str, scenarios: list[Scenario], mode: str, args: argparse.Namespace
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server = Server(
            url,
            log_path=workdir / "server.log",
            workers=args.workers,
            extra_env={"RUMBO_DOCUMENTS_HOT_PATH": mode},
        )
        server.start()
        try:
            for scenario in scenarios:
                requests_file = scenario.write(workdir)
                run_wrk(server.base_url, requests_file, seconds=2)  # warm-up
                before = _tree_cpu(server.pid)
                result = run_wrk(
                    server.base_url,
                    requests_file,
                    seconds=args.seconds,
                    connections=args.connections,
                )
                cpu = _tree_cpu(server.pid) - before
                row = {
                    "title": scenario.title,
                    "rps": result.rps,
                    "p50_ms": result.latency_ms.get("p50"),
                    "p99_ms": result.latency_ms.get("p99"),
                    "cpu_ms_per_request": round(1000 * cpu / max(1, result.requests), 3),
                    "errors": result.errors,
                }
                out[scenario.name] = row
                print(scenario.name, json.dumps(row), flush=True)
            if mode == "on":
                nearest = next(s for s in scenarios if s.name == "nearest")
                found = profile.profile_scenario(
                    server.pid,
                    server.base_url,
                    nearest,
                    workdir,
                    seconds=args.seconds,
                    connections=args.connections,
                )
                if found is not None:
                    out["profile_nearest"] = found.as_dict()
                    for row in found.components:
                        print("  ", json.dumps(row), flush=True)
                    print("   hottest:", json.dumps(found.hottest[:8]), flush=True)
        finally:
            server.stop()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
