"""``make soak``: mixed reads and writes at a fixed rate against the real server.

    .venv/bin/python -m bench.soak [--seconds 600] [--rate 40] [--points 100000]

Loopback only. The server (``rumbo serve``, production settings, one worker) runs on a
copy of the generated database; an open-loop client sends requests on a fixed schedule
(latency counts from the scheduled moment, so a stalled server cannot hide behind its own
slowness): nearest and viewport searches, text searches, single points, anonymous
feedback and staff edits (create a point, change it with If-Match). It reports every
error (any unexpected status or transport failure: there must be none), the latency
percentiles of each minute, and the server's memory at the start and the end. Written to
``bench/results/soak.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.access.principal import cli_principal
from app.accounts import keys as account_keys
from app.accounts.models import Role
from app.db import Database
from app.organizations.models import Organization
from app.signing import keyring
from bench import load
from bench.scenarios import WORDS, Sample, sample_points
from bench.server import Server

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"

# (kind, weight): what a crowd of phones and a few staff do.
MIX = (
    ("nearest", 45),
    ("bbox", 15),
    ("text", 10),
    ("point", 10),
    ("feedback", 12),
    ("staff_create", 4),
    ("staff_update", 4),
)
EXPECTED = {"feedback": {202}, "staff_create": {201}}


@dataclass
class Minute:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2) if ordered else 0.0


class Soak:
    def __init__(self, base: str, samples: list[Sample], headers: dict[str, str], seed: int):
        self.base = base
        self.samples = samples
        self.headers = headers
        self.rng = random.Random(seed)
        self.minutes: dict[int, Minute] = defaultdict(Minute)
        self.created: list[str] = []
        self.started = 0.0

    def _request(self, kind: str) -> tuple[str, str, dict[str, Any]]:
        rng, s = self.rng, self.rng.choice(self.samples)
        lang = rng.choice(("es", "en", "fr"))
        if kind == "nearest":
            return "GET", "/v1/points", {"params": {"near": f"{s.lat},{s.lon}", "lang": lang}}
        if kind == "bbox":
            box = f"{s.lon - 0.02},{s.lat - 0.012},{s.lon + 0.02},{s.lat + 0.012}"
            return "GET", "/v1/points", {"params": {"bbox": box, "lang": lang}}
        if kind == "text":
            return "GET", "/v1/points", {"params": {"q": rng.choice(WORDS), "lang": lang}}
        if kind == "point":
            return "GET", f"/v1/points/{s.public_id}", {"params": {"lang": lang}}
        if kind == "feedback":
            body = {"rating": rng.randint(1, 5), "comment": f"soak {rng.random()}", "lang": "es"}
            return "POST", f"/v1/points/{s.public_id}/feedback", {"json": body}
        payload = {
            "external_id": f"soak-{rng.getrandbits(64):x}",
            "status": "published",
            "lat": round(8.5 + rng.uniform(-0.05, 0.05), 6),
            "lon": round(-76.7 + rng.uniform(-0.05, 0.05), 6),
            "country": "CO",
            "locality": "Necoclí",
            "categories": [rng.choice(("shelter", "food", "water", "health_primary"))],
            "original_language": "es",
            "opening_hours": "Mo-Fr 08:00-17:00",
            "translations": {
                "es": {"name": "Punto de prueba de carga", "description": "Creado por soak"},
                "en": {"name": "Soak test point"},
            },
        }
        return "POST", "/v1/points", {"json": payload, "headers": self.headers}

    async def _one(self, client: httpx.AsyncClient, kind: str, scheduled: float) -> None:
        minute = self.minutes[int((scheduled - self.started) // 60)]
        try:
            if kind == "staff_update" and self.created:
                await self._update(client, self.rng.choice(self.created))
            else:
                kind = "staff_create" if kind == "staff_update" else kind
                method, path, options = self._request(kind)
                response = await client.request(method, path, **options)
                if response.status_code not in EXPECTED.get(kind, {200}):
                    minute.errors.append(f"{kind} {response.status_code} {response.text[:120]}")
                elif kind == "staff_create":
                    self.created.append(response.json()["id"])
        except httpx.HTTPError as exc:
            minute.errors.append(f"{kind} {type(exc).__name__}: {exc}")
        minute.latencies[kind].append((time.monotonic() - scheduled) * 1000)

    async def _update(self, client: httpx.AsyncClient, point_id: str) -> None:
        current = await client.get(f"/v1/points/{point_id}", headers=self.headers)
        if current.status_code != 200:
            raise httpx.HTTPError(f"read before edit: {current.status_code}")
        for _ in range(5):
            got = await client.get(f"/v1/staff/points/{point_id}", headers=self.headers)
            etag = got.headers.get("etag", "")
            change = {"locality": f"Necoclí {self.rng.randint(1, 999)}"}
            response = await client.patch(
                f"/v1/points/{point_id}", json=change, headers={**self.headers, "If-Match": etag}
            )
            if response.status_code == 200:
                return
            if response.status_code != 412:  # a concurrent edit won: read again, retry
                raise httpx.HTTPError(f"edit: {response.status_code} {response.text[:120]}")
        raise httpx.HTTPError("edit: still conflicting after 5 attempts")

    async def run(self, seconds: int, rate: float) -> None:
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=self.base, timeout=30, limits=limits) as client:
            self.started = time.monotonic()
            tasks: set[asyncio.Task[None]] = set()
            for i in range(int(seconds * rate)):
                scheduled = self.started + i / rate
                delay = scheduled - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                kind = self.rng.choices(kinds, weights)[0]
                task = asyncio.create_task(self._one(client, kind, scheduled))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.gather(*tasks)

    def report(self) -> list[dict[str, Any]]:
        out = []
        for index in sorted(self.minutes):
            minute = self.minutes[index]
            every = [v for values in minute.latencies.values() for v in values]
            out.append(
                {
                    "minute": index + 1,
                    "requests": len(every),
                    "errors": len(minute.errors),
                    "error_samples": minute.errors[:5],
                    "p50_ms": _pct(every, 0.50),
                    "p90_ms": _pct(every, 0.90),
                    "p99_ms": _pct(every, 0.99),
                    "max_ms": round(max(every), 2) if every else 0.0,
                    "by_kind_p99_ms": {k: _pct(v, 0.99) for k, v in minute.latencies.items()},
                }
            )
        return out


def _credentials(url: str) -> dict[str, str]:
    """An editor's API key for a new organisation (through the real service)."""
    database = Database(url)
    try:
        with database.session() as session, session.begin():
            org = Organization(slug=f"soak-{random.getrandbits(32):x}", name="Soak test")
            session.add(org)
            session.flush()
            _, key = account_keys.create_api_key(
                session,
                actor=cli_principal(),
                organization_id=org.id,
                role=Role.editor,
                name="soak",
            )
    finally:
        database.dispose()
    return {"X-API-Key": key}


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Rumbo soak run",
        "",
        f"{result['started_at']}: {result['seconds']} s at {result['rate']} requests/s "
        f"({result['mix']}), {result['points']:,} points on SQLite, `rumbo serve` with "
        "production settings and one worker, loopback.",
        "",
        f"**Errors: {result['errors']}** of {result['requests']} requests. Server memory, "
        f"its own (RssAnon): {result['own_mib']['start']} MiB at start, "
        f"{result['own_mib']['end']} MiB at the end (peak seen {result['own_mib']['peak']} "
        f"MiB); resident in all (VmRSS, with the database pages SQLite maps): "
        f"{result['rss_mib']['start']} -> {result['rss_mib']['end']} MiB.",
        "",
        "| minute | requests | errors | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in result["minutes"]:
        lines.append(
            f"| {m['minute']} | {m['requests']} | {m['errors']} | {m['p50_ms']} | "
            f"{m['p90_ms']} | {m['p99_ms']} | {m['max_ms']} |"
        )
    return "\n".join(lines) + "\n"


async def _sample_own(server: Server, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], server.memory_mib()["own"])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=5)


async def _soak(server: Server, soak: Soak, seconds: int, rate: float) -> float:
    peak = [server.memory_mib()["own"]]
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_own(server, peak, stop))
    await soak.run(seconds, rate)
    stop.set()
    await sampler
    return peak[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    source, _ = load.load_sqlite(args.points)
    copy = VAR / "soak.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    url = load.sqlite_url(copy)
    headers = _credentials(url)
    samples = sample_points(url, 2000)
    keys = VAR / "keys"
    if not (keys / "keyring.json").exists():
        keyring.generate(keys)
    env = {
        "RUMBO_KEYS_DIR": str(keys),
        # One loopback client stands for a crowd of phones: lift the per-client feedback
        # limits (the throttle itself still runs on every submission).
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT": "100000000/hour",
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT_POINT": "100000000/day",
        "RUMBO_FEEDBACK_LIMIT_PER_POINT": "100000000/hour",
    }
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with Server(url, log_path=VAR / "soak-server.log", extra_env=env) as server:
        start = server.memory_mib()
        soak = Soak(server.base_url, samples, headers, args.seed)
        print(f"soak: {args.seconds} s at {args.rate} req/s on {args.points:,} points", flush=True)
        peak = asyncio.run(_soak(server, soak, args.seconds, args.rate))
        end = server.memory_mib()
    minutes = soak.report()
    result = {
        "started_at": started_at,
        "seconds": args.seconds,
        "rate": args.rate,
        "points": args.points,
        "mix": ", ".join(f"{k} {w}%" for k, w in MIX),
        "requests": sum(m["requests"] for m in minutes),
        "errors": sum(m["errors"] for m in minutes),
        "own_mib": {"start": start["own"], "end": end["own"], "peak": peak},
        "rss_mib": {"start": start["rss"], "end": end["rss"]},
        "minutes": minutes,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    (args.out / "soak.md").write_text(_markdown(result))
    for m in minutes:
        print(
            f"minute {m['minute']:3d}: {m['requests']:5d} requests, {m['errors']} errors, "
            f"p50 {m['p50_ms']} ms, p99 {m['p99_ms']} ms"
        )
    print(
        f"errors: {result['errors']}; server memory (own) {result['own_mib']['start']} MiB -> "
        f"{result['own_mib']['end']} MiB; written {args.out / 'soak.md'}"
    )
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
