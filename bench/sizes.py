"""Payload sizes on the seed data: a 20-point answer and each country's offline bundle.

    .venv/bin/python -m bench.sizes [--json]

Builds a throwaway SQLite database with the seed, then asks the app in process (no network)
for each response with ``Accept-Encoding: identity``, ``gzip`` and ``br`` and prints the bytes
on the wire. Bundles are also timed: the first request builds and stores the bundle, the
second is served from storage. Last, the cost per request of the caching and compression
middleware around a bare ASGI app (microseconds, one core).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

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

ENCODINGS = ("identity", "gzip", "br")


def _sizes(client: TestClient, path: str, params: dict[str, Any] | None = None) -> dict[str, int]:
    out: dict[str, int] = {}
    for encoding in ENCODINGS:
        with client.stream("GET", path, params=params, headers={"Accept-Encoding": encoding}) as r:
            r.raise_for_status()
            out[encoding] = len(b"".join(r.iter_raw()))
    return out


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
    answers = {
        "points, 20, JSON": _sizes(client, "/v1/points", {"limit": 20}),
        "points, 20, near Necoclí": _sizes(
            client, "/v1/points", {"limit": 20, "near": "8.42,-76.78", "radius": 500000}
        ),
        "sync page 1, 20 points, es": _sizes(
            client, "/v1/sync", {"country": "CO", "lang": "es", "limit": 20}
        ),
    }
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
        "bundles": bundles,
        "middleware_us": {"body_bytes": len(body), **_middleware_overhead(body)},
    }


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
    print(f"{'answer':<28}{'raw':>10}{'gzip':>10}{'brotli':>10}")
    for name, size in result["answers"].items():
        print(f"{name:<28}{size['identity']:>10}{size['gzip']:>10}{size['br']:>10}")
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
