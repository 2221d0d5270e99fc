"""The benchmark's sections of issues #15 and #16 (bench/sidebyside.py, bench/crowd.py,
bench/beside_import.py, bench/minimal_*.py): their figures reach the report and its
targets, and they run end to end in a tiny configuration."""

from __future__ import annotations

import math
import os
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench import load, minimal_sqlite, run
from bench.report import evaluate, markdown
from bench.server import tree_cpu_seconds
from bench.wrk import find_wrk


def _scenario(rps: float, cpu: float | None = None, **more: Any) -> dict[str, Any]:
    return {
        "title": more.pop("title", "x"),
        "rps": rps,
        "p50_ms": 1.0,
        "p90_ms": 2.0,
        "p99_ms": 3.0,
        "max_ms": 4.0,
        "requests": 100,
        "cpu_ms_per_request": cpu,
        "errors": 0,
        "error_kinds": {},
        **more,
    }


def _report() -> dict[str, Any]:
    http = {
        "ceiling": _scenario(10_000, 0.1),
        "nearest": _scenario(3_000, 0.4, ratio=0.3),
        "nearest_summary": _scenario(2_000, 0.5, ratio=0.2),
        "sync": _scenario(120, 10.0, ratio=0.012),
    }
    crowd_result = {
        "probes": 100,
        "failed": 0,
        "failures": {},
        "p50_ms": 2.0,
        "p99_ms": 20.0,
        "max_ms": 30.0,
        "connections": 1000,
        "held_median": 1000,
        "opened": 1000,
        "closed_by_server": 0,
        "answered": {},
    }
    return {
        "started_at": "2026-12-07T00:00:00+00:00",
        "machine": {
            "cpu": "test",
            "cores": 2,
            "memory_gib": 1,
            "load_before": "0",
            "load_after": "0",
        },
        "settings": {
            "seconds": 1,
            "warmup_seconds": 1,
            "connections": 4,
            "load_generator": "wrk",
            "server": "uvicorn",
        },
        "runs": [
            {
                "engine": "sqlite",
                "points": 1000,
                "load": {"total_seconds": 1.0, "cached": True, "seconds": {}},
                "server_memory_mib": {"start": {}},
                "http": http,
                "side_by_side": {
                    "minimal": _scenario(2_000, 0.3, title="minimal"),
                    "workers_2": {
                        "ceiling": _scenario(12_000, 0.1, title="ceiling, 2 workers"),
                        "nearest": _scenario(3_500, 0.45, title="nearest, 2 workers"),
                    },
                },
            }
        ],
        "faults": {
            "slow_crowd": {
                "addresses": 5,
                "per_address": 200,
                "seconds": 20,
                "quiet": {**crowd_result, "max_ms": 5.0},
                "ipv4": crowd_result,
                "ipv6_64": {**crowd_result, "max_ms": 1500.0, "failed": 3},
            },
            "beside_import": {
                "rows": 50_000,
                "import": {"seconds": 30.0, "status": 200, "created": 50_000},
                "merge_lock_seconds": 2.5,
                "writes": 80,
                "failed": 0,
                "statuses": {"200": 40, "202": 40},
                "by_kind": {"feedback": 40, "patch": 40},
                "wait_p50_ms": 20.0,
                "wait_p99_ms": 2600.0,
                "wait_max_ms": 2700.0,
            },
        },
        "notes": [],
    }


def test_targets_of_the_new_sections() -> None:
    report = _report()
    targets = {t.name: t for t in evaluate(report)}
    versus = targets["nearest-20, Rumbo / minimal FastAPI endpoint, sqlite, 1,000 points"]
    assert (versus.value, versus.met) == (1.5, True)
    cpu = targets["server CPU per nearest-20 request, sqlite, 1,000 points"]
    assert (cpu.value, cpu.met) == (0.4, True)
    summary = targets["nearest-20 view=summary / full (req/s), sqlite, 1,000 points"]
    assert (summary.value, summary.met) == (0.667, False)
    assert targets["sync snapshot pages/s (4 connections), sqlite, 1,000 points"].met
    crowd = [t for name, t in targets.items() if name.startswith("/healthz beside")]
    assert [t.met for t in crowd] == [True, False]  # the /64 crowd: too slow, failures
    failed = targets["writes that failed beside a 50,000-row import (SQLite)"]
    assert (failed.value, failed.met) == (0, True)
    longest = next(t for n, t in targets.items() if n.startswith("longest write beside"))
    assert longest.wanted == "<= 3500.0 ms" and longest.met


def test_markdown_has_the_new_sections() -> None:
    report = _report()
    report["targets"] = [t.as_dict() for t in evaluate(report)]
    text = markdown(report)
    assert "Side by side (issue #15)" in text
    assert "| minimal | 2,000 |" in text
    assert "1.50x the minimal endpoint" in text
    assert "## A crowd of slow clients beside /healthz (issue #16, item 2)" in text
    assert "| one IPv6 /64 | 1,000 | 1,000 | 100 | 3 |" in text
    assert "## Writers beside a large import (issue #16, item 5)" in text
    assert "| 30.0 | 200 | 50,000 | 2.500 | 80 | 0 |" in text


def test_server_cpu_is_read_from_proc() -> None:
    before = tree_cpu_seconds(os.getpid())
    deadline = before + 0.05
    while tree_cpu_seconds(os.getpid()) < deadline:
        sum(range(10_000))
    assert tree_cpu_seconds(os.getpid()) >= deadline
    assert tree_cpu_seconds(2**22 + 1) == 0.0  # no such process


def test_minimal_sqlite_finds_the_true_nearest(tmp_path: Path) -> None:
    path, _ = load.load_sqlite(300, path=tmp_path / "bench.db")
    conn = sqlite3.connect(path)
    everything = conn.execute("SELECT id, lat, lon FROM service_point_rtree").fetchall()
    for lat, lon, radius in [(8.5, -76.7, 25_000), (14.9, -92.3, 50_000), (0.0, 0.0, 1_000)]:
        found = minimal_sqlite.nearest(conn, lat, lon, radius, 20)
        truth = sorted(
            (d, pid)
            for pid, plat, plon in everything
            if (d := minimal_sqlite._distance(lat, lon, plat, plon)) <= radius
        )[:20]
        assert [pid for _, pid in found] == [pid for _, pid in truth]
        assert all(math.isclose(a, b) for (a, _), (b, _) in zip(found, truth, strict=True))
    conn.close()


@pytest.mark.slow
def test_new_sections_run_end_to_end(
    engine_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--sections side crowd beside`` at a tiny size: the report holds their figures."""
    if engine_kind != "sqlite" or find_wrk() is None:
        pytest.skip("runs once, on SQLite, where wrk is installed")
    monkeypatch.setattr(load, "VAR", tmp_path / "cache")
    monkeypatch.setattr(run, "LOGS", tmp_path / "logs")
    monkeypatch.setattr(run, "KEYS", tmp_path / "logs" / "keys")
    argv = ["--sizes", "400", "--seconds", "1", "--warmup", "1", "--connections", "4"]
    argv += ["--samples", "50", "--query-runs", "20", "--out", str(tmp_path / "out")]
    argv += ["--sections", "side", "crowd", "beside", "--crowd-seconds", "2"]
    argv += ["--crowd-addresses", "2", "--crowd-per-address", "10", "--beside-rows", "300"]
    assert run.main(argv) == 0
    report = orjson.loads((tmp_path / "out" / "latest.json").read_bytes())
    (sqlite_run,) = report["runs"]
    assert set(sqlite_run["http"]) == {"ceiling", "nearest"}
    assert sqlite_run["http"]["nearest"]["cpu_ms_per_request"] > 0
    side = sqlite_run["side_by_side"]
    assert side["minimal"]["requests"] > 0 and not side["minimal"]["errors"]
    assert side["workers_2"]["nearest"]["requests"] > 0
    crowd = report["faults"]["slow_crowd"]
    assert crowd["ipv4"]["held_median"] == 20 and crowd["ipv4"]["failed"] == 0
    beside = report["faults"]["beside_import"]
    assert beside["import"]["status"] == 200 and beside["import"]["created"] == 300
    assert beside["merge_lock_seconds"] is not None and beside["failed"] == 0
    names = {t["name"] for t in report["targets"]}
    assert "nearest-20, Rumbo / minimal FastAPI endpoint, sqlite, 400 points" in names
    assert "writes that failed beside a 300-row import (SQLite)" in names
    text = (tmp_path / "out" / "latest.md").read_text()
    assert "Side by side (issue #15)" in text and "issue #16, item 5" in text


def test_a_figure_with_errors_is_never_met() -> None:
    # 429s (a per-client limit) or 503s answer fast: their rate is not the scenario's.
    report = _report()
    run_ = report["runs"][0]
    run_["http"]["sync"]["errors"] = 5341
    targets = {t.name: t for t in evaluate(report)}
    sync = targets["sync snapshot pages/s (4 connections), sqlite, 1,000 points"]
    assert sync.met is False and "5,341 errors" in sync.note
