"""OpenTelemetry: off by default; when on, request, SQL and outgoing spans are exported
without query strings, coordinates, raw paths or client addresses — both through an
in-memory exporter and as OTLP/HTTP to a local collector."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.main import create_app
from app.telemetry import install_tracing, private_attributes
from tests.conftest import test_settings as settings_for

NEAR = "8.42651,-76.78483"
TEXT = "albergue para mujeres"
SECRETS = ("8.42651", "76.78483", "14.90812", "92.26473", "albergue", "mujeres", "testclient")


def requests_of_a_traveller(client: TestClient) -> str:
    assert client.get("/v1/points", params={"near": NEAR, "q": TEXT}).status_code == 200
    assert (
        client.get("/v1/where", params={"lat": "14.90812", "lon": "-92.26473"}).status_code == 200
    )
    found = client.get("/v1/points", params={"near": NEAR}).json()["items"][0]["id"]
    assert client.get(f"/v1/points/{found}").status_code == 200
    return str(found)


@pytest.fixture
def untraced() -> Iterator[None]:
    yield
    HTTPXClientInstrumentor().uninstrument()
    SQLAlchemyInstrumentor().uninstrument()


def test_off_unless_an_endpoint_is_set(client: TestClient) -> None:
    assert getattr(client.app.state, "tracer_provider", None) is None  # type: ignore[attr-defined]


def test_spans_carry_templates_not_places(database_url: str, untraced: None) -> None:
    memory = InMemorySpanExporter()
    app = create_app(settings_for(database_url))
    provider = install_tracing(app, app.state.database, endpoint=None, exporter=memory)
    assert provider is not None
    try:
        with TestClient(app) as client:
            point_id = requests_of_a_traveller(client)
        provider.force_flush()
    finally:
        app.state.database.dispose()
    spans = memory.get_finished_spans()
    server = [s for s in spans if s.kind == SpanKind.SERVER]
    assert {s.name for s in server} >= {
        "GET /v1/points",
        "GET /v1/where",
        "GET /v1/points/{point_id}",
    }
    sql = [
        s
        for s in spans
        if (s.attributes or {}).get("db.system") == "sqlite"
        or (s.attributes or {}).get("db.system") == "postgresql"
    ]
    assert sql, "SQL is traced"
    dump = repr([(s.name, dict(s.attributes or {})) for s in spans])
    for secret in (*SECRETS, point_id):
        assert secret not in dump, secret
    detail = next(s for s in server if s.name == "GET /v1/points/{point_id}")
    paths = {k: v for k, v in (detail.attributes or {}).items() if k in ("url.path", "http.target")}
    assert all(v == "/v1/points/{point_id}" for v in paths.values())


def test_private_attributes_rules() -> None:
    server = private_attributes(
        SpanKind.SERVER,
        {
            "http.route": "/v1/tiles/{z}/{x}/{y}.mvt",
            "url.path": "/v1/tiles/14/4321/7654.mvt",
            "url.query": "lang=fr",
            "url.full": "https://rumbo.example.org/v1/tiles/14/4321/7654.mvt?lang=fr",
            "client.address": "203.0.113.7",
            "user_agent.original": "Mozilla/5.0",
            "http.response.status_code": 200,
        },
    )
    assert server == {
        "http.route": "/v1/tiles/{z}/{x}/{y}.mvt",
        "url.path": "/v1/tiles/{z}/{x}/{y}.mvt",
        "url.full": "https://rumbo.example.org/v1/tiles/{z}/{x}/{y}.mvt",
        "http.response.status_code": 200,
    }
    outgoing = private_attributes(
        SpanKind.CLIENT, {"url.full": "https://fcm.googleapis.com/fcm/send/abc123secret"}
    )
    assert outgoing == {"url.full": "https://fcm.googleapis.com"}
    sql = private_attributes(SpanKind.CLIENT, {"db.statement": "SELECT 1 WHERE lat > 14.90812"})
    assert sql == {"db.statement": "SELECT 1 WHERE lat > ?"}
    unmatched = private_attributes(SpanKind.SERVER, {"url.path": "/a/place/14.908"})
    assert unmatched == {}


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length", "0"))
        _Collector.received.append((self.path, self.rfile.read(size)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_otlp_export_to_a_local_collector(database_url: str, untraced: None) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    app = create_app(settings_for(database_url, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint))
    try:
        assert app.state.tracer_provider is not None
        with TestClient(app) as client:
            requests_of_a_traveller(client)
        assert app.state.tracer_provider.force_flush(10_000)
    finally:
        app.state.database.dispose()
        server.shutdown()
        thread.join(5)
    assert _Collector.received, "the collector got the traces"
    names = set()
    for path, body in _Collector.received:
        assert path == "/v1/traces"
        for secret in SECRETS:
            assert secret.encode() not in body, secret
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                names.update(span.name for span in scope.spans)
    assert "GET /v1/points/{point_id}" in names
