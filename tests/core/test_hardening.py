"""Smaller hardening: nosniff everywhere, /docs without any CDN under a strict CSP, and
/readyz telling its details only when configured to."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/points?limit=1", 200),
        ("GET", "/v1/countries/CO", 200),
        ("GET", "/healthz", 200),
        ("GET", "/readyz", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/docs", 200),
        ("GET", "/v1/points/not-a-point", 404),
        ("GET", "/v1/points?limit=-1", 422),
        ("GET", "/v1/points?q=" + "x" * 9000, 414),
        ("POST", "/v1/api-keys", 401),
        ("GET", "/console/login", 200),
        ("GET", "/nowhere", 404),
    ],
)
def test_every_response_says_nosniff(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)
    assert response.status_code == status, response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_docs_load_nothing_from_elsewhere_under_a_strict_csp(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in csp  # no other origin
    # No inline script, nothing from another origin.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls)
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert asset.headers["content-type"].split(";")[0] in (
            "text/javascript",
            "application/javascript",
            "text/css",
            "image/png",
        ), url
    assert "cdn.jsdelivr.net" not in page.text


@pytest.fixture
def detailed(app: FastAPI) -> Iterator[FastAPI]:
    saved = app.state.settings
    app.state.settings = saved.model_copy(update={"readyz_details": True})
    try:
        yield app
    finally:
        app.state.settings = saved


def test_readyz_says_only_ready_unless_configured(client: TestClient, app: FastAPI) -> None:
    body = client.get("/readyz").json()
    assert body == {"status": "ready"}


def test_readyz_details_when_configured(client: TestClient, detailed: FastAPI) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert set(body["schema_heads"]) == detailed.state.expected_heads
    assert body["database"] in ("sqlite", "postgresql")
