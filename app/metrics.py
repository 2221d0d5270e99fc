"""Prometheus metrics: what the service does, never who asked or from where.

Labels are bounded by construction: HTTP requests are counted by the *route template*
(``/v1/points/{public_id}``; ``<unmatched>`` for anything no route matched), never by the
raw path or query; search by mode and engine; feedback by decision; imports by outcome.

Exposure is off unless configured (``RUMBO_METRICS_TOKEN`` serves ``/metrics`` behind a
bearer token; ``RUMBO_METRICS_PORT`` serves it on a port of its own from ``rumbo serve``,
for a scraper inside the private network). With ``rumbo serve --workers N`` the workers
share one view through ``prometheus_client``'s multi-process mode: ``rumbo serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before the workers start, and a scrape of
any worker sums them all.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import NotFound, Unauthorized

__all__ = [
    "CONTENT_TYPE_LATEST",
    "MULTIPROC_ENV",
    "REGISTRY",
    "HttpMetrics",
    "count_feedback_decisions",
    "count_hot_path_handover",
    "count_import",
    "observe_search",
    "observe_sync_build",
    "render",
    "router",
    "track_pool",
]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"

# Rumbo's own registry (not the library's global one): nothing registers at import but here.
REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "rumbo_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "rumbo_http_request_duration_seconds",
    "Time from the request's start to the end of its response, by route template and method",
    ["route", "method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
SEARCH_LATENCY = Histogram(
    "rumbo_search_duration_seconds",
    "Point searches (database and rendering), by mode and engine",
    ["mode", "engine"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
DB_CONNECTIONS = Gauge(
    "rumbo_db_connections_in_use",
    "Database connections checked out of the pool, by pool (primary, replica)",
    ["pool"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
FEEDBACK_DECISIONS = Counter(
    "rumbo_feedback_decisions",
    "Moderation decisions on travellers' feedback",
    ["decision"],
    registry=REGISTRY,
)
SYNC_BUILDS = Histogram(
    "rumbo_sync_build_seconds",
    "Offline data built: sync pages and country bundles",
    ["kind"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
IMPORT_ROWS = Counter(
    "rumbo_import_rows",
    "Rows of committed imports by outcome (created, updated, unchanged, skipped);"
    " rows of imports refused whole count as rejected",
    ["outcome"],
    registry=REGISTRY,
)
ALERTS_PUBLISHED = Counter(
    "rumbo_alerts_published",
    "Alerts published",
    ["severity"],
    registry=REGISTRY,
)
HOT_PATH_HANDOVERS = Counter(
    "rumbo_hot_path_handovers",
    "Searches and details the stored documents' hot path began and handed on to the route:"
    " 'problem' (the request's own fault, e.g. a bad cursor: the route words the problem),"
    " 'error' (unexpected: a fault to look into; the route answered)",
    ["reason"],
    registry=REGISTRY,
)


def count_hot_path_handover(reason: str) -> None:
    HOT_PATH_HANDOVERS.labels(reason).inc()


def render() -> bytes:
    """The exposition text: this process's metrics, or every worker's in multi-process mode."""
    return generate_latest(_scrape_registry())


@contextmanager
def observe_search(mode: str, engine: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        SEARCH_LATENCY.labels(mode, engine).observe(time.perf_counter() - started)


@contextmanager
def observe_sync_build(kind: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        SYNC_BUILDS.labels(kind).observe(time.perf_counter() - started)


def count_feedback_decisions(decision: str, count: int = 1) -> None:
    FEEDBACK_DECISIONS.labels(decision).inc(count)


def count_import(outcomes: dict[str, int]) -> None:
    for outcome, rows in outcomes.items():
        if rows:
            IMPORT_ROWS.labels(outcome).inc(rows)


def track_pool(engine: object, pool: str) -> None:
    """Count the connections ``engine``'s pool has checked out (a gauge per pool)."""
    from sqlalchemy import event

    gauge = DB_CONNECTIONS.labels(pool)

    def checked_out(_dbapi: Any, record: Any, _proxy: Any) -> None:
        record.info["rumbo_in_use"] = True
        gauge.inc()

    def checked_in(_dbapi: Any, record: Any) -> None:
        # Only what this listener counted out (a connection checked out before it was
        # installed, or detached from its pool, is not counted back in).
        if record is not None and record.info.pop("rumbo_in_use", False):
            gauge.dec()

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)


class HttpMetrics:
    """Pure ASGI middleware: counts and times every HTTP request by its route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(template, method, str(status)).inc()
            HTTP_LATENCY.labels(template, method).observe(time.perf_counter() - started)


def _scrape_registry() -> CollectorRegistry:
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return registry


def serve_port(host: str, port: int) -> None:
    """Serve the metrics on ``host:port`` from a daemon thread of this process."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host, registry=_scrape_registry())


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """The exposition text, for a scraper holding ``RUMBO_METRICS_TOKEN``."""
    token = request.app.state.settings.metrics_token
    if token is None:
        raise NotFound("no such resource")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("metrics need the bearer token RUMBO_METRICS_TOKEN")
    return Response(render(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
