"""What the server spends a request on: py-spy samples of ``rumbo serve`` while wrk drives
one scenario, summed by the part of Rumbo (or of the stack under it) that was running.

Samples are taken only while a thread holds the GIL (``py-spy record --gil``): Python
work, the thing a single worker runs out of. Time in SQLite's C code or waiting on
PostgreSQL, with the GIL released, is not sampled; the query alone is timed apart.

Each sample goes to the deepest frame of Rumbo's own code on its stack (``app/...``),
named by the component below; samples with no Rumbo frame go to the library at work
(the HTTP server and event loop, FastAPI/Starlette, the thread hand-off). A second
figure says how much of each component's share ran inside SQLAlchemy or the driver.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.scenarios import Scenario
from bench.wrk import run_wrk

__all__ = ["Profile", "find_py_spy", "profile_scenario", "summarise"]

RATE_HZ = 100
# Rumbo's modules, by what they do on the read path (first match wins).
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("app/documents/", "read model (stored documents: parse, read, splice)"),
    ("app/geo/", "search query (app/geo: R*Tree/FTS5 or PostGIS, exact ranking)"),
    ("app/service_points/records.py", "loading the page's rows and texts (records)"),
    ("app/public_points/repository.py", "loading the page's rows and texts (records)"),
    ("app/public_points/rendering.py", "rendering points (cache, open_now, JSON)"),
    ("app/public_points/service.py", "search orchestration (service)"),
    ("app/public_points/dependencies.py", "query parameters (parsing, validation)"),
    ("app/i18n/", "language negotiation"),
    ("app/public_points/router.py", "router (page assembly, headers)"),
    ("app/feedback/", "feedback (service, throttle, redaction)"),
    ("app/sync/", "sync (records, cursors, signing)"),
    ("app/compression.py", "middleware (compression)"),
    ("app/http_cache.py", "middleware (ETag, 304)"),
    ("app/limits.py", "middleware (request limits)"),
    ("app/observability.py", "middleware (access log)"),
    ("app/connection_guard.py", "HTTP server (connection guard)"),
    ("app/db.py", "sessions and transactions (app/db)"),
)
LIBRARIES: tuple[tuple[str, str], ...] = (
    ("sqlalchemy/", "SQLAlchemy with no Rumbo frame"),
    ("fastapi/", "FastAPI/Starlette (routing, dependencies, responses)"),
    ("starlette/", "FastAPI/Starlette (routing, dependencies, responses)"),
    ("pydantic", "FastAPI/Starlette (routing, dependencies, responses)"),
    ("anyio/", "thread hand-off (anyio worker threads)"),
    ("threading.py", "thread hand-off (anyio worker threads)"),
    ("queue.py", "thread hand-off (anyio worker threads)"),
    ("uvicorn/", "HTTP server and event loop (uvicorn, uvloop)"),
    ("asyncio/", "HTTP server and event loop (uvicorn, uvloop)"),
)
_FRAME = re.compile(r"^(?P<func>.*) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")
_DATABASE = ("sqlalchemy/", "psycopg", "sqlite3")


@dataclass
class Profile:
    scenario: str
    samples: int
    rps_while_profiled: float
    rate_hz: int
    components: list[dict[str, Any]] = field(default_factory=list)
    hottest: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for raw in stack.split(";"):
        match = _FRAME.match(raw)
        if match:
            out.append((match["func"], match["path"]))
    return out


# Libraries that call back into Rumbo (middleware, routes) rather than serve it: work in
# them below a Rumbo frame is theirs, not the Rumbo frame's (a middleware wraps everything).
_FRAMEWORK = ("fastapi/", "starlette/", "uvicorn/", "anyio/", "asyncio/")


def _library(frames: list[tuple[str, str]]) -> str:
    for index in range(len(frames) - 1, -1, -1):
        for prefix, label in LIBRARIES:
            if prefix in frames[index][1]:
                return label
    return "other"


def _component(frames: list[tuple[str, str]]) -> tuple[str, int | None]:
    """The component of one stack (root first) and the index of its deepest Rumbo frame."""
    for index in range(len(frames) - 1, -1, -1):
        path = frames[index][1]
        if "/app/" in f"/{path}" and "site-packages" not in path:
            below = frames[index + 1 :]
            if any(marker in p for _, p in below for marker in _FRAMEWORK):
                return _library(below), None
            for prefix, label in COMPONENTS:
                if prefix in path:
                    return label, index
            short = path[path.find("app/") :]
            return f"other Rumbo code ({short})", index
    return _library(frames), None


def summarise(raw: str, *, top: int = 12) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(samples, components, hottest leaf functions) of py-spy's raw (collapsed) output."""
    components: Counter[str] = Counter()
    in_database: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = _frames(stack)
        if not frames:
            continue
        total += n
        label, index = _component(frames)
        components[label] += n
        below = frames[index + 1 :] if index is not None else []
        if any(marker in path for _, path in below for marker in _DATABASE):
            in_database[label] += n
        func, path = frames[-1]
        leaves[f"{func} ({path.split('site-packages/')[-1]})"] += n
    if not total:
        return 0, [], []
    rows = [
        {
            "component": label,
            "share": round(n / total, 3),
            "of_which_sqlalchemy_or_driver": round(in_database[label] / total, 3),
        }
        for label, n in components.most_common()
    ]
    hottest = [
        {"function": name, "self_share": round(n / total, 3)} for name, n in leaves.most_common(top)
    ]
    return total, rows, hottest


def profile_scenario(
    pid: int, base_url: str, scenario: Scenario, workdir: Path, *, seconds: int, connections: int
) -> Profile | None:
    """Drive ``scenario`` for ``seconds`` while py-spy samples the server (None without
    py-spy, or when it may not attach to the process)."""
    py_spy = find_py_spy()
    if py_spy is None:
        return None
    requests = scenario.write(workdir)
    output = workdir / f"profile-{scenario.name}.txt"
    command = [py_spy, "record", "--gil", "--rate", str(RATE_HZ), "--format", "raw"]
    command += ["--duration", str(seconds), "--pid", str(pid), "--output", str(output)]
    sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    load = run_wrk(base_url, requests, seconds=seconds, connections=connections)
    _, errors = sampler.communicate(timeout=seconds + 60)
    if sampler.returncode != 0 or not output.exists():
        print(f"  profile skipped: py-spy failed: {errors.decode()[-300:]}", flush=True)
        return None
    samples, components, hottest = summarise(output.read_text())
    return Profile(
        scenario=scenario.name,
        samples=samples,
        rps_while_profiled=load.rps,
        rate_hz=RATE_HZ,
        components=components,
        hottest=hottest,
    )
