"""Payload sizes on the seed data: 20-point pages and each country's offline bundle.

    .venv/bin/python -m bench.sizes [--json]

Builds a throwaway SQLite database with the seed, then asks the app in process (no network)
for each response with ``Accept-Encoding: identity``, ``gzip`` and ``br`` and prints the bytes
on the wire. 20-point pages are measured in every shape (full, ``view=summary``, the summary
as GeoJSON) by :func:`page_sizes`, which ``bench.run`` also uses against the real server on
the bench data; issue #8's target (20 points in one language, <= 1,600 B with brotli) is
checked against the summary, the shape a list or a map asks for. Bundles are also timed:
the first request builds and stores the bundle, the second is served from storage. Last,
the cost per request of the caching and compression middleware around a bare ASGI app
(microseconds, one core).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.types import Message, Receive, Scope, Send

from app import schema
from app import seed as seed_module
from app.compression import Compression
from app.countries.models import CountryProfile
from app.db import Database
from app.http_cache import HttpCache
from app.main import create_app
from app.service_points.models import ServicePoint
from app.settings import Settings
from bench.scenarios import Sample

ENCODINGS = ("identity", "gzip", "br")
# Issue #8: 20 points in one language, over the wire with brotli.
TARGET_BROTLI_BYTES = 1600
# The shapes of a 20-point page: extra query parameters and headers.
SHAPES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "full": ({}, {}),
    "summary": ({"view": "summary"}, {}),
    "summary, GeoJSON": ({"view": "summary"}, {"Accept": "application/geo+json"}),
}
_LABELS = {"identity": "raw", "gzip": "gzip", "br": "brotli"}


def _sizes(
    client: httpx.Client,
    path: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, int]:
    """Bytes of the body on the wire per ``Accept-Encoding`` (as the server encoded it)."""
    out: dict[str, int] = {}
    for encoding in ENCODINGS:
        wanted = {**(headers or {}), "Accept-Encoding": encoding}
        with client.stream("GET", path, params=params, headers=wanted) as r:
            r.raise_for_status()
            out[encoding] = len(b"".join(r.iter_raw()))
    return out


def page_sizes(client: httpx.Client, queries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Bytes on the wire of ``GET /v1/points`` for each query (nearest 20 around many
    centres) in every shape of :data:`SHAPES`: per shape and encoding, the median and the
    largest page. Only full pages count (``limit`` points; ``skipped`` says how many were
    not)."""
    full = [
        q
        for q in queries
        if len(client.get("/v1/points", params={**q, "view": "summary"}).json()["items"])
        == int(q["limit"])
    ]
    out: dict[str, Any] = {"pages": len(full), "skipped": len(queries) - len(full), "shapes": {}}
    for shape, (extra, headers) in SHAPES.items():
        measured = [_sizes(client, "/v1/points", {**q, **extra}, headers) for q in full]
        sizes: dict[str, int] = {}
        for encoding, label in _LABELS.items():
            values = [m[encoding] for m in measured]
            sizes[label] = round(statistics.median(values))
            sizes[f"{label}_max"] = max(values)
        out["shapes"][shape] = sizes
    return out


def nearest_queries(samples: Sequence[Sample], count: int = 25) -> list[dict[str, Any]]:
    """Nearest 20 in Spanish around the first ``count`` sampled points (within 500 km, so
    that points scattered far from a town still fill a page)."""
    return [
        {"near": f"{s.lat},{s.lon}", "radius": 500_000, "limit": 20, "lang": "es"}
        for s in samples[:count]
    ]


def page_target(pages: dict[str, Any]) -> tuple[int, bool]:
    """The summary's median brotli bytes and whether they meet issue #8's target."""
    value = int(pages["shapes"]["summary"]["brotli"])
    return value, value <= TARGET_BROTLI_BYTES


def measure(workdir: Path) -> dict[str, Any]:
    url = f"sqlite:///{workdir / 'sizes.db'}"
    schema.upgrade(url)
    database = Database(url)
    with database.session() as session, session.begin():
        seed_module.load_all(session)
    with database.session() as session:
        countries = sorted(
            set(session.scalars(select(ServicePoint.country).distinct()))
            | set(session.scalars(select(CountryProfile.code)))
        )
    database.dispose()
    settings = Settings(
        database_url=url,
        environment="test",
        log_level="WARNING",
        keys_dir=workdir / "keys",
        secret_key="bench-secret-key-0123456789",
    )
    client = TestClient(create_app(settings))
    listed = {"limit": 20, "lang": "es"}
    near = {**listed, "near": "8.42,-76.78", "radius": 500000}
    answers = {}
    for label, params in (("points, 20", listed), ("points, 20, near Necoclí", near)):
        for shape, (extra, headers) in SHAPES.items():
            name = label if shape == "full" else f"{label}, {shape}"
            answers[name] = _sizes(client, "/v1/points", {**params, **extra}, headers)
    answers["sync page 1, 20 points, es"] = _sizes(
        client, "/v1/sync", {"country": "CO", "lang": "es", "limit": 20}
    )
    # Nearest 20 (500 km: the seed is sparse) around each town of the route it covers.
    pages = page_sizes(client, [{**near, "near": f"{lat},{lon}"} for lat, lon in SEED_TOWNS])
    bundles: dict[str, dict[str, Any]] = {}
    for code in countries:
        started = time.perf_counter()
        first = client.get(f"/v1/bundles/{code}", headers={"Accept-Encoding": "br"})
        built_ms = (time.perf_counter() - started) * 1000
        if first.status_code != 200:
            continue
        started = time.perf_counter()
        client.get(f"/v1/bundles/{code}", headers={"Accept-Encoding": "br"})
        served_ms = (time.perf_counter() - started) * 1000
        bundles[code] = {
            **_sizes(client, f"/v1/bundles/{code}"),
            "points": len(first.json().get("points", [])),
            "build_ms": round(built_ms, 1),
            "serve_ms": round(served_ms, 1),
        }
    body = client.get(
        "/v1/points", params={"limit": 20}, headers={"Accept-Encoding": "identity"}
    ).content
    return {
        "answers": answers,
        "pages": pages,
        "bundles": bundles,
        "middleware_us": {"body_bytes": len(body), **_middleware_overhead(body)},
    }


# Towns of the seed's route (lat, lon): Necoclí, Panama City, Paso Canoas, Tegucigalpa,
# Tapachula, Mexico City.
SEED_TOWNS = (
    (8.4265, -76.7848),
    (8.9824, -79.5199),
    (8.5336, -82.8401),
    (14.0723, -87.1921),
    (14.9060, -92.2634),
    (19.4326, -99.1332),
)


def _middleware_overhead(body: bytes) -> dict[str, float]:
    """Microseconds per request through HttpCache + Compression, against the bare app."""

    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def receive() -> Message:
        return {"type": "http.request"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    def scope(encoding: bytes, if_none_match: bytes | None = None) -> Scope:
        headers = [(b"accept-encoding", encoding), (b"accept-language", b"es")]
        if if_none_match is not None:
            headers.append((b"if-none-match", if_none_match))
        return {"type": "http", "method": "GET", "path": "/v1/points", "headers": headers}

    async def per_request(app: Any, request: Scope, rounds: int = 3000) -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            await app(request, receive, send)
        return round((time.perf_counter() - started) / rounds * 1e6, 1)

    async def run() -> dict[str, float]:
        wrapped = Compression(HttpCache(bare))
        await wrapped(scope(b"identity"), receive, send)
        etag = dict(sent[-2]["headers"])[b"etag"]
        return {
            "bare app": await per_request(bare, scope(b"br")),
            "+ cache, identity": await per_request(wrapped, scope(b"identity")),
            "+ cache, gzip": await per_request(wrapped, scope(b"gzip")),
            "+ cache, brotli": await per_request(wrapped, scope(b"br")),
            "+ cache, 304": await per_request(wrapped, scope(b"br", etag)),
        }

    return asyncio.run(run())


def _print(result: dict[str, Any]) -> None:
    print(f"{'answer (lang=es)':<46}{'raw':>10}{'gzip':>10}{'brotli':>10}")
    for name, size in result["answers"].items():
        print(f"{name:<46}{size['identity']:>10}{size['gzip']:>10}{size['br']:>10}")
    print()
    print(format_pages(result["pages"], "nearest 20 around each seed town, lang=es"))
    print()
    print(
        f"{'bundle':<8}{'points':>8}{'raw':>10}{'gzip':>10}{'brotli':>10}"
        f"{'build ms':>10}{'serve ms':>10}"
    )
    for code, size in result["bundles"].items():
        print(
            f"{code:<8}{size['points']:>8}{size['identity']:>10}{size['gzip']:>10}"
            f"{size['br']:>10}{size['build_ms']:>10}{size['serve_ms']:>10}"
        )
    print()
    overhead = dict(result["middleware_us"])
    print(f"middleware, per request, {overhead.pop('body_bytes')} B body (microseconds)")
    for name, value in overhead.items():
        print(f"  {name:<22}{value:>8}")


def format_pages(pages: dict[str, Any], what: str) -> str:
    """The page sizes as a plain-text table, and the target line."""
    lines = [
        f"20-point pages, {what}: median (max) of {pages['pages']} pages"
        + (f" ({pages['skipped']} not full, left out)" if pages["skipped"] else ""),
        f"{'shape':<20}{'raw':>16}{'gzip':>16}{'brotli':>16}",
    ]
    for shape, size in pages["shapes"].items():
        cells = ""
        for label in ("raw", "gzip", "brotli"):
            cell = f"{size[label]} ({size[label + '_max']})"
            cells += f"{cell:>16}"
        lines.append(f"{shape:<20}{cells}")
    value, met = page_target(pages)
    lines.append(
        f"target (issue #8, checked on the summary): brotli <= {TARGET_BROTLI_BYTES} B: "
        f"{value} B, {'met' if met else f'missed by {value - TARGET_BROTLI_BYTES} B'}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(Path(tmp))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)


if __name__ == "__main__":
    main()
