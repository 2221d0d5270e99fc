"""The load generator: wrk (a separate process) driven by ``bench/wrk.lua``."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["LoadResult", "find_wrk", "run_wrk"]

SCRIPT = Path(__file__).resolve().parent / "wrk.lua"


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    bytes: int
    errors: dict[str, int]
    latency_ms: dict[str, float]
    # CPU milliseconds the server spent per request, when measured (bench.run.measure).
    cpu_ms: float | None = None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_wrk() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    base_url: str,
    requests_file: Path,
    *,
    seconds: int,
    connections: int = 32,
    threads: int = 1,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Run wrk for ``seconds`` against ``base_url`` cycling through ``requests_file``."""
    wrk = find_wrk()
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        base_url,
        "--",
        str(requests_file),
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RUMBO ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    raw = orjson.loads(line.removeprefix("RUMBO "))
    if not raw["requests"]:
        # wrk counts a request that never completed nowhere (not even as a timeout when
        # the run ends first): a scenario where nothing came back failed, visibly.
        raw["errors"]["none_completed"] = 1
    elapsed = raw["duration_us"] / 1e6
    return LoadResult(
        requests=raw["requests"],
        seconds=round(elapsed, 2),
        rps=round(raw["requests"] / elapsed, 1),
        bytes=raw["bytes"],
        errors={k: v for k, v in raw["errors"].items() if v},
        latency_ms={k: round(v / 1000, 3) for k, v in raw["latency_us"].items()},
    )
