"""The real server (``rumbo serve`` on a loopback port) killed with SIGKILL mid-work.

After a restart on the same database: an import that was running left nothing behind (it
is one transaction), every write the server had acknowledged is there, and the database
passes its integrity checks (SQLite ``integrity_check`` and the R*Tree/FTS5 checks;
PostgreSQL ``amcheck`` on the indexes), with the search index in step with the table.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import bindparam, create_engine, text

from app.db import Database, normalise_url
from app.signing import keyring
from bench.imports import write_csv
from bench.server import Server
from tests.accounts.helpers import make_api_key
from tests.factories import make_organization, point_payload

pytestmark = pytest.mark.slow

ORG = "crash-org"


@dataclass
class Served:
    server: Server
    url: str
    engine_kind: str
    headers: dict[str, str]

    def scalar(self, sql: str, **params: Any) -> Any:
        engine = create_engine(normalise_url(self.url))
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar_one()
        finally:
            engine.dispose()

    def execute(self, sql: str) -> None:
        engine = create_engine(normalise_url(self.url))
        try:
            with engine.begin() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def count_in(self, table: str, column: str, values: list[str]) -> int:
        statement = text(f"SELECT count(*) FROM {table} WHERE {column} IN :values").bindparams(
            bindparam("values", expanding=True)
        )
        engine = create_engine(normalise_url(self.url))
        try:
            with engine.connect() as conn:
                return int(conn.execute(statement, {"values": values}).scalar_one())
        finally:
            engine.dispose()


@pytest.fixture
def served(
    engine_kind: str, fresh_app: Callable[..., tuple[FastAPI, str]], tmp_path: Path
) -> Iterator[Served]:
    """``rumbo serve`` (production settings) on a fresh, seeded database, with an editor's
    API key for the organisation ``crash-org``."""
    _, url = fresh_app(seed=True)
    database = Database(url)
    try:
        with database.session() as session, session.begin():
            org = make_organization(session, slug=ORG)
            _, headers = make_api_key(session, org, role="editor")
    finally:
        database.dispose()
    keys = tmp_path / "keys"
    keyring.generate(keys)
    env = {
        "RUMBO_KEYS_DIR": str(keys),
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT": "1000000/hour",
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT_POINT": "1000000/day",
        "RUMBO_FEEDBACK_LIMIT_PER_POINT": "1000000/hour",
    }
    server = Server(url, log_path=tmp_path / "server.log", extra_env=env)
    server.start()
    try:
        yield Served(server, url, engine_kind, headers)
    finally:
        server.stop()


def assert_database_sound(served: Served) -> None:
    """Integrity checks, and the search index in step with the visible points."""
    visible = served.scalar(
        "SELECT count(*) FROM service_point WHERE status IN ('published', "
        "'temporarily_closed') AND deleted_at IS NULL"
    )
    orphans = served.scalar(
        "SELECT count(*) FROM service_point_translation t "
        "WHERE NOT EXISTS (SELECT 1 FROM service_point p WHERE p.id = t.point_id)"
    )
    assert orphans == 0
    if served.engine_kind == "sqlite":
        assert served.scalar("PRAGMA integrity_check") == "ok"
        assert served.scalar("SELECT rtreecheck('service_point_rtree')") == "ok"
        _fts_check(served)
        assert served.scalar("SELECT count(*) FROM service_point_rtree") == visible
    else:
        served.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = served.scalar(
            "SELECT count(bt_index_check(c.oid)) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = 'public'"
        )
        assert indexes > 0
        with_geography = served.scalar("SELECT count(*) FROM service_point WHERE geog IS NOT NULL")
        assert with_geography == served.scalar("SELECT count(*) FROM service_point")


def _fts_check(served: Served) -> None:
    # Raises (SQLITE_CORRUPT_VTAB) if the index and its content table disagree.
    served.execute(
        "INSERT INTO service_point_fts(service_point_fts, rank) VALUES ('integrity-check', 1)"
    )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def import_in_progress(served: Served) -> bool:
    """A write transaction is open (seen from outside): on SQLite somebody holds the write
    lock; on PostgreSQL a backend has an assigned transaction id (it has written)."""
    if served.engine_kind == "sqlite":
        probe = sqlite3.connect(served.url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    return bool(
        served.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
    )


def test_killed_during_import_leaves_nothing(served: Served, tmp_path: Path) -> None:
    rows = 20_000
    csv_bytes = write_csv(tmp_path / "crash.csv", rows).read_bytes()
    before = served.scalar("SELECT count(*) FROM service_point")
    outcome: dict[str, Any] = {}

    def upload() -> None:
        try:
            outcome["response"] = httpx.post(
                f"{served.server.base_url}/v1/imports",
                params={"organization": ORG},
                content=csv_bytes,
                headers={**served.headers, "Content-Type": "text/csv"},
                timeout=600,
            )
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    sender = threading.Thread(target=upload)
    sender.start()
    wait_for(lambda: import_in_progress(served), "the import to start writing")
    time.sleep(1.5)  # well into the rows: a 20,000-row import takes much longer
    served.server.kill()
    sender.join(30)
    assert "response" not in outcome, "the import finished before the kill: make it larger"

    served.server.start()
    assert served.scalar("SELECT count(*) FROM service_point") == before
    assert (
        served.scalar("SELECT count(*) FROM service_point WHERE external_id LIKE 'import-%'") == 0
    )
    assert_database_sound(served)
    assert httpx.get(f"{served.server.base_url}/readyz", timeout=10).status_code == 200


def test_killed_during_burst_of_writes_keeps_every_acknowledged_write(served: Served) -> None:
    base = served.server.base_url
    first = httpx.get(f"{base}/v1/points", params={"limit": 50}, timeout=30).json()["items"]
    targets = [item["id"] for item in first]
    receipts: list[str] = []
    created: list[str] = []
    statuses: list[tuple[int, str]] = []
    stop = threading.Event()
    lock = threading.Lock()

    def feedback_writer(n: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    response = client.post(
                        f"/v1/points/{targets[(n * 7 + i) % len(targets)]}/feedback",
                        json={"rating": 1 + i % 5, "comment": f"crash {n}-{i}", "lang": "es"},
                    )
                except httpx.HTTPError:
                    return
                if response.status_code == 202:
                    with lock:
                        receipts.append(response.json()["receipt"])
                else:
                    statuses.append((response.status_code, response.text[:300]))

    def staff_writer(n: int) -> None:
        with httpx.Client(base_url=base, timeout=30, headers=served.headers) as client:
            i = 0
            while not stop.is_set():
                i += 1
                body = point_payload(
                    external_id=f"crash-{n}-{i}-{uuid.uuid4().hex[:6]}", status="published"
                )
                try:
                    response = client.post("/v1/points", json=body)
                except httpx.HTTPError:
                    return
                if response.status_code == 201:
                    with lock:
                        created.append(response.json()["id"])
                else:
                    statuses.append((response.status_code, response.text[:300]))

    writers = [threading.Thread(target=feedback_writer, args=(n,)) for n in range(6)]
    writers += [threading.Thread(target=staff_writer, args=(n,)) for n in range(4)]
    for writer in writers:
        writer.start()
    wait_for(lambda: len(receipts) >= 20 and len(created) >= 10, "acknowledged writes")
    assert not statuses, statuses[:3]
    served.server.kill()
    stop.set()
    for writer in writers:
        writer.join(30)

    served.server.start()
    acknowledged = list(receipts)
    assert served.count_in("feedback", "receipt", acknowledged) == len(acknowledged)
    points = list(created)
    assert served.count_in("service_point", "public_id", points) == len(points)
    assert_database_sound(served)
    # The restarted server serves the points created before the crash.
    response = httpx.get(f"{base}/v1/points/{points[-1]}", timeout=10)
    assert response.status_code == 200
