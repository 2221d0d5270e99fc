"""The database goes away and comes back: the API answers 503 problem+json with
Retry-After while it is gone, and recovers without a restart.

- PostgreSQL: the network to the server is cut (a proxy that drops every connection and
  refuses new ones), then restored; and, separately, every backend of the app is
  terminated (what a server restart or failover does to a connection pool).
- SQLite: another process holds the write lock (a long import or maintenance job), so
  writes cannot get it within the busy timeout; reads go on (WAL), writes get a 503 and
  then succeed once the lock is released.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import normalise_url
from app.main import create_app
from tests import conftest
from tests.faults.proxy import TcpProxy

pytestmark = pytest.mark.slow

NEAR_NECOCLI = {"near": "8.42,-76.78", "radius": 50000, "limit": 5}


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert body["type"] == "/problems/service-unavailable"


def feedback(client: TestClient, point_id: str, n: int) -> Any:
    return client.post(
        f"/v1/points/{point_id}/feedback",
        json={"rating": 4, "comment": f"outage test {n}", "lang": "es"},
    )


def some_point(client: TestClient) -> str:
    response = client.get("/v1/points", params=NEAR_NECOCLI)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items
    return str(items[0]["id"])


@pytest.fixture
def proxied(
    engine_kind: str, fresh_app: Callable[..., tuple[FastAPI, str]]
) -> Iterator[tuple[TestClient, TcpProxy, str]]:
    """An app reaching a fresh, seeded PostgreSQL database through a proxy we can cut."""
    if engine_kind != "postgres":
        pytest.skip("network outage: PostgreSQL only")
    _, url = fresh_app(seed=True)
    parsed = make_url(normalise_url(url))
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    proxy.start()
    through = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    app = create_app(conftest.test_settings(through))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, proxy, url
    finally:
        proxy.stop()
        app.state.database.dispose()


def test_postgres_unreachable_then_back(proxied: tuple[TestClient, TcpProxy, str]) -> None:
    client, proxy, _ = proxied
    point_id = some_point(client)
    assert feedback(client, point_id, 1).status_code == 202

    proxy.stop()
    assert_unavailable(client.get("/v1/points", params=NEAR_NECOCLI))
    assert_unavailable(client.get(f"/v1/points/{point_id}"))
    assert_unavailable(feedback(client, point_id, 2))
    assert client.get("/readyz").status_code == 503
    # The process itself is alive and says so.
    assert client.get("/healthz").status_code == 200

    proxy.start()
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "no recovery within 30 s"
        time.sleep(0.2)
    assert client.get("/v1/points", params=NEAR_NECOCLI).status_code == 200
    assert feedback(client, point_id, 3).status_code == 202


def test_postgres_backends_terminated(proxied: tuple[TestClient, TcpProxy, str]) -> None:
    """A server restart kills every pooled connection: the next requests must not fail."""
    client, _, url = proxied
    point_id = some_point(client)
    name = make_url(normalise_url(url)).database
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
    finally:
        admin.dispose()
    assert killed >= 1
    assert client.get("/v1/points", params=NEAR_NECOCLI).status_code == 200
    assert client.get(f"/v1/points/{point_id}").status_code == 200
    assert feedback(client, point_id, 1).status_code == 202


def test_sqlite_write_lock_held_elsewhere(
    engine_kind: str, fresh_app: Callable[..., tuple[FastAPI, str]]
) -> None:
    if engine_kind != "sqlite":
        pytest.skip("write lock held by another process: SQLite only")
    app, url = fresh_app(seed=True)
    path = make_url(url).database
    assert path
    with TestClient(app, raise_server_exceptions=False) as client:
        point_id = some_point(client)
        assert feedback(client, point_id, 1).status_code == 202
        # Another process (an import, a maintenance job) takes the write lock and keeps it.
        other = sqlite3.connect(path, isolation_level=None, timeout=1)
        try:
            other.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            assert_unavailable(feedback(client, point_id, 2))
            # It waited for the lock (busy timeout) instead of failing at once or hanging.
            assert 5 < time.monotonic() - started < 60
            # Reads are not blocked by a writer (WAL).
            assert client.get("/v1/points", params=NEAR_NECOCLI).status_code == 200
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert feedback(client, point_id, 3).status_code == 202
        assert client.get("/readyz").status_code == 200
