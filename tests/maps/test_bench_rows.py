"""The map rows of the benchmark report's Targets table (issue #18)."""

from __future__ import annotations

from bench.maps_bench import scenarios
from bench.report import evaluate


def _run(maps: dict, http: dict) -> dict:
    return {"engine": "sqlite", "points": 100_000, "maps": maps, "http": http}


def test_map_targets_are_rows_of_the_report():
    maps = {
        "tile_z5": {"p50_ms": 12.5, "p90_ms": 20.0, "bytes": 2000, "gzip_bytes": 1200},
        "tile_z12": {"p50_ms": 31.0, "p90_ms": 40.0, "bytes": 90000, "gzip_bytes": 60000},
        "corridor": {"p50_ms": 50.0, "p90_ms": 60.0, "bytes": 20000, "gzip_bytes": 4000},
    }
    http = {
        "tile_z5": {"rps": 400.0, "p50_ms": 10.0, "ratio": 0.2},
        "corridor": {"rps": 40.0, "p50_ms": 50.0, "ratio": 0.02},
    }
    rows = {t.name: t for t in evaluate({"runs": [_run(maps, http)]})}
    where = "sqlite, 100,000 points"
    assert rows[f"tile z=5 over Central America: server time p50, {where}"].met is True
    assert rows[f"tile z=12 over Tapachula: server time p50, {where}"].met is False
    assert rows[f"tile z=12 over Tapachula: size gzip, {where}"].met is False
    assert rows[f"tile z=5 over Central America: tiles/s / ceiling, {where}"].value == 0.2
    assert rows[f"tile z=12 over Tapachula: tiles/s / ceiling, {where}"].value is None
    corridor = rows[
        f"corridor Necoclí -> Panama City (5 km), first page: pages/s / ceiling, {where}"
    ]
    assert corridor.met is False and corridor.wanted == ">= 0.05"
    assert (
        rows[f"corridor Necoclí -> Panama City (5 km), first page: server time p50, {where}"].met
        is None
    )  # reported


def test_map_scenarios_for_the_load_generator():
    found = scenarios({"/v1/tiles/{z}/{x}/{y}.mvt", "/v1/points"})
    assert [s.name for s in found] == ["tile_z5", "tile_z12", "corridor"]
    assert all(not s.skipped and s.lines[0].startswith("GET\t/v1/") for s in found)
    assert all(s.skipped for s in scenarios({"/v1/points"})[:2])
