"""The Host header never reaches a publicly cached body: absolute URLs come from
``RUMBO_PUBLIC_URL``; without it they say ``Vary: Host``; with ``RUMBO_ALLOWED_HOSTS``
other hosts are refused (421)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import test_settings as settings_for

EVIL = "evil.example"
DOCUMENTS = ("/hsds/", "/hsds/profile", "/hsds/openapi.json")


@pytest.fixture
def make_client(database_url: str) -> Iterator[object]:
    apps: list[FastAPI] = []

    def make(**overrides: object) -> TestClient:
        app = create_app(settings_for(database_url, **overrides))
        apps.append(app)
        return TestClient(app, raise_server_exceptions=False)

    yield make
    for app in apps:
        app.state.database.dispose()


def _vary(response: object) -> set[str]:
    values = response.headers.get_list("vary")  # type: ignore[attr-defined]
    return {v.strip().lower() for value in values for v in value.split(",")}


def test_public_url_is_the_base_whatever_the_host(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(public_url="https://rumbo.example.org/")
    for path in DOCUMENTS:
        response = client.get(path, headers={"Host": EVIL})
        assert response.status_code == 200, response.text
        assert EVIL not in response.text
        assert "https://rumbo.example.org/hsds" in response.text
        assert "host" not in _vary(response)
    meta = client.get("/hsds/", headers={"Host": EVIL}).json()
    assert meta["openapi_url"] == "https://rumbo.example.org/hsds/openapi.json"
    document = client.get("/hsds/openapi.json").json()
    assert document["servers"] == [{"url": "https://rumbo.example.org/hsds"}]


def test_without_public_url_bodies_that_follow_the_host_vary_on_it(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    for path in DOCUMENTS:
        response = client.get(path, headers={"Host": EVIL})
        assert response.status_code == 200
        assert "host" in _vary(response), path
        assert "public" not in response.headers.get("cache-control", "") or "host" in _vary(
            response
        )


def test_unknown_hosts_are_refused_when_allowed_hosts_are_set(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(
        public_url="https://rumbo.example.org",
        allowed_hosts="rumbo.example.org, *.rumbo.example.org",
    )
    refused = client.get("/hsds/", headers={"Host": EVIL})
    assert refused.status_code == 421
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["status"] == 421
    assert (
        client.get("/v1/points", headers={"Host": "rumbo.example.org.evil.example"}).status_code
        == 421
    )
    for host in ("rumbo.example.org", "RUMBO.example.org:443", "api.rumbo.example.org"):
        assert client.get("/hsds/", headers={"Host": host}).status_code == 200, host
    # Orchestrators probe health by address.
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200


def test_bad_public_url_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="RUMBO_PUBLIC_URL"):
        settings_for("sqlite://", public_url="rumbo.example.org")


def test_no_other_public_body_echoes_the_host(make_client) -> None:  # type: ignore[no-untyped-def]
    """Next links, sync pages, bundles and the console's login page: relative or no URLs."""
    client = make_client()
    first = client.get("/v1/points", params={"limit": 1}, headers={"Host": EVIL})
    assert first.status_code == 200 and first.json().get("next_cursor")
    for path in (
        "/v1/points?limit=1",
        f"/v1/points?limit=1&cursor={first.json()['next_cursor']}",
        "/v1/sync?country=PA",
        "/v1/bundles/PA",
        "/v1/keys",
        "/console/login",
    ):
        response = client.get(path, headers={"Host": EVIL})
        assert response.status_code == 200, (path, response.text[:200])
        assert EVIL not in response.text, path
        assert EVIL not in response.headers.get("location", "")
