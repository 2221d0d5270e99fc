"""OpenTelemetry tracing, off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Spans of requests (FastAPI), SQL (SQLAlchemy) and outgoing calls (httpx) go to the OTLP/HTTP
endpoint, after :class:`PrivateExporter` has taken out what would make traces a trail of
where people are: query strings, full URLs, raw paths (a tile path is a place; the route
template stays), client addresses and user agents, outgoing URLs beyond their host (a push
service's endpoint is a capability), and any number with three or more decimals left in a
string (a coordinate).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import SpanKind

from app.db import Database

__all__ = ["PrivateExporter", "install_tracing", "private_attributes"]

# Who the client is: never exported.
_DROPPED = frozenset(
    {
        "client.address",
        "client.port",
        "net.peer.ip",
        "net.peer.port",
        "net.sock.peer.addr",
        "net.sock.peer.port",
        "network.peer.address",
        "network.peer.port",
        "http.client_ip",
        "http.user_agent",
        "user_agent.original",
        "url.query",
        "http.request.header.x-forwarded-for",
    }
)
# Attributes holding a URL or a path (with its query): kept as template or host only.
_URLS = frozenset({"http.url", "url.full"})
_PATHS = frozenset({"http.target", "url.path"})
_COORDINATE = re.compile(r"-?\d+\.\d{3,}")


def private_attributes(kind: SpanKind, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A span's attributes with every rule of the module docstring applied."""
    route = attributes.get("http.route")
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in _DROPPED:
            continue
        if key in _PATHS:
            if route is None:
                continue  # no template known (an unmatched path): leave it out
            value = route
        elif key in _URLS and isinstance(value, str):
            parts = urlsplit(value)
            tail = str(route) if kind == SpanKind.SERVER and route else ""
            value = f"{parts.scheme}://{parts.hostname or ''}{tail}"
        if isinstance(value, str):
            value = _COORDINATE.sub("?", value)
        out[key] = value
    return out


class PrivateExporter(SpanExporter):
    """Wraps the real exporter; hands it copies of the spans with private attributes."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([self._private(span) for span in spans])

    @staticmethod
    def _private(span: ReadableSpan) -> ReadableSpan:
        name = _COORDINATE.sub("?", span.name)
        return ReadableSpan(
            name=name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=private_attributes(span.kind, span.attributes or {}),
            events=span.events,
            links=span.links,
            kind=span.kind,
            status=span.status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def install_tracing(
    app: FastAPI,
    database: Database,
    *,
    endpoint: str | None,
    exporter: SpanExporter | None = None,
) -> TracerProvider | None:
    """Trace ``app`` to ``endpoint`` (OTLP/HTTP) or ``exporter``; nothing when neither."""
    if exporter is None:
        if not endpoint:
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces", timeout=10)
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    provider = TracerProvider(resource=Resource.create({"service.name": "rumbo"}))
    # Bounded: at most 2,048 spans wait; beyond that they are dropped, never the request.
    provider.add_span_processor(BatchSpanProcessor(PrivateExporter(exporter)))
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, exclude_spans=["receive", "send"]
    )
    engines = {database.engine, database.read_engine}
    # The instrumentor declares SQLAlchemy < 2.1; the engine events it uses are unchanged
    # in 2.1 (tests/ops/test_tracing.py checks that SQL spans arrive).
    SQLAlchemyInstrumentor().instrument(
        engines=list(engines),
        tracer_provider=provider,
        enable_commenter=False,
        skip_dep_check=True,
    )
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    app.state.tracer_provider = provider
    return provider
