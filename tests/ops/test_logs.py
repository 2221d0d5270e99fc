"""Request ids and JSON logs: every answer carries an ``X-Request-ID`` (also in
problem+json bodies and in every log line of the request); ``RUMBO_LOG_FORMAT=json`` writes
one JSON object per line; the access log's privacy rules hold in both formats."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from app.main import create_app
from app.observability import configure_logging
from app.request_id import RequestId
from tests.conftest import test_settings as settings_for

# What a traveller's phone sends that must never reach a log line whole.
NEAR = "8.42651,-76.78483"
BBOX = "-77.12345,8.12345,-76.54321,8.76543"
WHERE = {"lat": "14.90812", "lon": "-92.26473"}
TEXT = "albergue para mujeres"
SECRETS = ("8.42651", "-76.78483", "-77.12345", "8.76543", "14.90812", "-92.26473", "albergue")


@pytest.fixture
def json_logs(database_url: str) -> Iterator[tuple[TestClient, io.StringIO]]:
    """An app logging JSON at INFO into a buffer (the root handler), torn down to text."""
    stream = io.StringIO()
    app = create_app(settings_for(database_url, log_format="json", log_level="INFO"))
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)  # type: ignore[arg-type]
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, stream
    finally:
        app.state.database.dispose()
        configure_logging("WARNING", "text")


def test_every_answer_has_a_request_id_and_problems_quote_it(client: TestClient) -> None:
    ok = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{16}", ok.headers["x-request-id"])
    again = client.get("/healthz")
    assert again.headers["x-request-id"] != ok.headers["x-request-id"]

    for response in (
        client.get("/v1/points", params={"near": "999,0"}),  # 422
        client.get("/v1/points/no-such-point"),  # 404
        client.get("/no/such/route"),  # 404 outside every router
    ):
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert body["request_id"] == response.headers["x-request-id"]


def test_a_client_cannot_choose_its_request_id(client: TestClient) -> None:
    sent = client.get("/healthz", headers={"X-Request-ID": "attacker-chosen-id"})
    assert sent.headers["x-request-id"] != "attacker-chosen-id"


async def _call(middleware: RequestId, peer: str, given: str | None) -> str:
    seen: dict[str, str] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            seen.update({k.decode(): v.decode() for k, v in message["headers"]})

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    headers = [(b"x-request-id", given.encode())] if given is not None else []
    scope = {"type": "http", "client": (peer, 4000), "headers": headers, "path": "/"}
    middleware.app = app
    await middleware(scope, receive, send)
    return seen["x-request-id"]


@pytest.mark.anyio
async def test_a_trusted_proxy_passes_its_request_id_on() -> None:
    middleware = RequestId(lambda *_: None, trusted="10.0.0.0/8")  # type: ignore[arg-type]
    assert await _call(middleware, "10.1.2.3", "caddy-7f3a.1") == "caddy-7f3a.1"
    # Not from the proxy, or not a plain token: a new id.
    assert await _call(middleware, "203.0.113.9", "caddy-7f3a.1") != "caddy-7f3a.1"
    for bad in ("x" * 65, "id with spaces", "id\r\ninjected: 1", ""):
        assert await _call(middleware, "10.1.2.3", bad) != bad


def test_json_logs_one_object_a_line_with_ids_and_no_trail(
    json_logs: tuple[TestClient, io.StringIO],
) -> None:
    client, stream = json_logs
    answers = [
        client.get("/v1/points", params={"near": NEAR, "q": TEXT}),
        client.get("/v1/points", params={"bbox": BBOX}),
        client.get("/v1/where", params=WHERE),
        client.get("/v1/points", params={"near": "999,0"}),
        client.get("/hsds/service_at_locations", params={"proximity": NEAR, "search": TEXT}),
    ]
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [r for r in records if r["logger"] == "rumbo.access"]
    assert len(access) == len(answers)
    for record, answer in zip(access, answers, strict=True):
        assert record["request_id"] == answer.headers["x-request-id"]
        assert record["status"] == answer.status_code
        assert record["method"] == "GET" and record["path"].startswith(("/v1/", "/hsds/"))
        assert isinstance(record["duration_ms"], float)
        assert record["level"] == "INFO" and record["ts"].endswith("+00:00")
    text = stream.getvalue()
    for secret in SECRETS:
        assert secret not in text, secret
    assert "8.4" in access[0]["query"]  # coarsened, not dropped: about 11 km


def test_text_logs_carry_the_request_id_too(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    app = create_app(settings_for(database_url, log_format="text", log_level="INFO"))
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)  # type: ignore[arg-type]
    try:
        with TestClient(app) as client:
            answer = client.get("/v1/points", params={"near": NEAR})
    finally:
        app.state.database.dispose()
        configure_logging("WARNING", "text")
    line = next(x for x in stream.getvalue().splitlines() if "rumbo.access" in x)
    assert f"[{answer.headers['x-request-id']}]" in line
    for secret in SECRETS:
        assert secret not in line


@pytest.mark.slow
def test_rumbo_serve_writes_only_json_lines(fresh_app: Any, tmp_path: Path) -> None:
    from bench.server import Server

    _, url = fresh_app(seed=True)
    log = tmp_path / "serve.log"
    env = {"RUMBO_LOG_FORMAT": "json", "RUMBO_LOG_LEVEL": "INFO"}
    with Server(url, log_path=log, extra_env=env) as server:
        answer = httpx.get(f"{server.base_url}/v1/points", params={"near": NEAR}, timeout=10)
        assert answer.status_code == 200
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # uvicorn's own lines included
    assert any(r["logger"].startswith("uvicorn") for r in records)
    assert any(r.get("request_id") == answer.headers["x-request-id"] for r in records)
    for secret in SECRETS:
        assert secret not in log.read_text()
