"""CPU per request of the near-me hot path, in process: the whole ASGI app (every middleware)
driven by a loop of requests, no HTTP server and no load generator sharing the cores.

    .venv/bin/python -m bench.hotpath --database-url sqlite:////work/bench-cache/rumbo-100000.db
        [--requests 3000] [--profile out.prof] [--scenario nearest nearest_summary ceiling]

Each scenario's requests are the benchmark's own (``bench.scenarios``: thousands of centres,
es/en/fr); CPU is ``time.process_time`` of this process (its worker threads included) over
the measured loop, after a warm-up pass. ``--profile`` writes a cProfile of the nearest
scenario (``python -m pstats`` or snakeviz read it).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.main import create_app
from app.settings import Settings
from bench.scenarios import build_scenarios, sample_points

__all__ = ["drive", "main"]


def _scope(target: str, headers: Sequence[tuple[bytes, bytes]]) -> dict[str, Any]:
    parts = urlsplit(target)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _one(app: Any, target: str, headers: Sequence[tuple[bytes, bytes]]) -> tuple[int, int]:
    status = 0
    size = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(_scope(target, headers), receive, send)
    return status, size


async def drive(
    app: Any,
    targets: list[str],
    *,
    concurrency: int = 1,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> tuple[float, float, dict[int, int]]:
    """(CPU seconds, wall seconds, statuses) of answering ``targets`` in order, with
    ``concurrency`` requests in flight at once."""
    statuses: dict[int, int] = {}
    queue = list(reversed(targets))

    async def worker() -> None:
        while queue:
            status, _ = await _one(app, queue.pop(), headers)
            statuses[status] = statuses.get(status, 0) + 1

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.process_time() - cpu, time.perf_counter() - wall, statuses


def _targets(lines: list[str]) -> list[str]:
    return [line.split("\t")[1] for line in lines if line.startswith("GET\t")]


async def _lifespan(app: Any) -> None:
    # What the server does at start-up (boundaries, time zones), without a lifespan protocol.
    from app.countries import location

    await asyncio.to_thread(location.load)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--scenario", nargs="+", default=["ceiling", "nearest", "nearest_summary"])
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument(
        "--inline",
        action="store_true",
        help="run the hot path's thread work on the event loop (cProfile sees one thread)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("RUMBO_KEYS_DIR", str(Path("var/bench/keys").resolve()))
    settings = Settings(
        database_url=args.database_url,
        environment="production",
        secret_key=secrets.token_urlsafe(32),
        log_level="WARNING",
    )
    app = create_app(settings)
    if args.inline:
        from app.documents import route

        async def inline(request: Any, call: Any) -> Any:
            return call()

        route._in_thread = inline  # type: ignore[attr-defined]
    samples = sample_points(args.database_url, args.samples)
    scenarios = {s.name: s for s in build_scenarios(samples, set())}

    async def run() -> None:
        await _lifespan(app)
        for name in args.scenario:
            targets = _targets(scenarios[name].lines)
            if len(targets) < args.requests:
                targets = (targets * (args.requests // len(targets) + 1))[: args.requests]
            targets = targets[: args.requests]
            await drive(app, targets[: min(500, len(targets))], concurrency=args.concurrency)
            profiler = cProfile.Profile() if args.profile and name == "nearest" else None
            if profiler:
                profiler.enable()
            cpu, wall, statuses = await drive(app, targets, concurrency=args.concurrency)
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(args.profile))
            print(
                f"{name:16s} {1000 * cpu / len(targets):7.3f} ms CPU/req  "
                f"{len(targets) / wall:8.1f} req/s  statuses {statuses}",
                flush=True,
            )

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
