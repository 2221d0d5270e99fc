"""Request headers are bounded all together, whatever server runs the app: 431
problem+json (``rumbo serve`` refuses them earlier, as they arrive: see
tests/faults/test_slow_clients.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_headers_over_the_limit_all_together_are_431(client: TestClient) -> None:
    limit = client.app.state.settings.max_header_bytes  # type: ignore[attr-defined]
    many = {f"x-filler-{i}": "a" * 200 for i in range(limit // 200 + 1)}
    response = client.get("/healthz", headers=many)
    assert response.status_code == 431
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 431
    one = client.get("/healthz", headers={"x-big": "b" * (limit + 1)})
    assert one.status_code == 431


def test_ordinary_headers_pass(client: TestClient) -> None:
    headers = {"Authorization": "Bearer " + "t" * 1200, "Cookie": "c=" + "v" * 3000}
    assert client.get("/healthz", headers=headers).status_code == 200
