"""Read replicas, proven on a real PostgreSQL streaming replica (a second server on this
machine): public reads go to the replica and writes to the primary; staff read their own
writes; a sync cursor never goes backwards, nor forces a full resync, across replication lag.

Replication lag is made deterministic by pausing the replica's replay
(``pg_wal_replay_pause``): changes reach it but are not applied until resumed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app import schema
from app.db import Database
from app.main import create_app
from bench.pg_replica import ReplicaUnavailable, StreamingReplica
from tests.accounts.helpers import make_api_key
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    seed_database,
)
from tests.conftest import (
    test_settings as settings_for,
)
from tests.factories import make_organization, point_payload

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def replica(engine_kind: str) -> Iterator[StreamingReplica]:
    if engine_kind != "postgres" or not POSTGRES_URL:
        pytest.skip("PostgreSQL only")
    # Not under pytest's temporary directory: the postgres user must reach the data.
    server = StreamingReplica(POSTGRES_URL, Path(tempfile.mkdtemp(prefix="rumbo-replica-")))
    try:
        server.start()
    except ReplicaUnavailable as exc:
        server.stop()
        if os.environ.get("CI"):
            raise  # CI sets the machine up for it (.ci/run): a failure there is a failure
        pytest.skip(f"no streaming replica on this machine: {exc}")
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Replicated:
    primary_url: str
    replica_url: str
    name: str
    headers: dict[str, str]
    replica: StreamingReplica

    def caught_up(self) -> None:
        self.replica.catch_up(self.primary_url, self.name)


@pytest.fixture
def replicated(replica: StreamingReplica, engine_kind: str) -> Iterator[Replicated]:
    if engine_kind != "postgres":
        pytest.skip("PostgreSQL only")
    assert POSTGRES_URL
    primary_url = create_postgres_database(POSTGRES_URL)
    name = str(make_url(primary_url).database)
    schema.upgrade(primary_url)
    seed_database(primary_url)
    database = Database(primary_url)
    with database.session() as session, session.begin():
        org = make_organization(session, slug="replica-org")
        _, headers = make_api_key(session, org, role="editor")
    database.dispose()
    state = Replicated(primary_url, replica.url(name), name, headers, replica)
    state.caught_up()
    try:
        yield state
    finally:
        replica.resume(name)
        drop_postgres_database(POSTGRES_URL, primary_url)


def app_client(primary_url: str, replica_url: str | None) -> TestClient:
    app = create_app(settings_for(primary_url, read_replica_url=replica_url))
    return TestClient(app, raise_server_exceptions=False)


def test_reads_go_to_the_replica_writes_to_the_primary_staff_read_their_own(
    replicated: Replicated,
) -> None:
    with app_client(replicated.primary_url, replicated.replica_url) as client:
        replicated.replica.pause(replicated.name)
        created = client.post("/v1/points", json=point_payload(), headers=replicated.headers)
        assert created.status_code == 201, created.text
        point_id = created.json()["id"]

        # The replica has not applied the write: the public read (replica) does not see it...
        assert client.get(f"/v1/points/{point_id}").status_code == 404
        # ...the staff member who wrote it does (their reads go to the primary)...
        own = client.get(f"/v1/points/{point_id}", headers=replicated.headers)
        assert own.status_code == 200, own.text
        assert own.json()["id"] == point_id
        near = client.get(
            "/v1/points",
            params={"near": "8.5126,-76.7821", "radius": 100},
            headers=replicated.headers,
        )
        assert point_id in [item["id"] for item in near.json()["items"]]
        # ...and so does a staff edit, which reads and writes the primary.
        etag = created.headers["etag"]
        patched = client.patch(
            f"/v1/points/{point_id}",
            json={"free": False},
            headers={**replicated.headers, "If-Match": etag},
        )
        assert patched.status_code == 200, patched.text

        replicated.replica.resume(replicated.name)
        replicated.caught_up()
        public = client.get(f"/v1/points/{point_id}")
        assert public.status_code == 200
        assert public.json()["free"] is False


def point_ids(page: Any) -> list[str]:
    return [record["id"] for record in page.json().get("points", [])]


def test_a_sync_cursor_never_goes_backwards_across_replication_lag(
    replicated: Replicated,
) -> None:
    """Behind a load balancer a phone may sync once through a process whose reads are
    current and next through one whose replica lags: it gets the changes, not a 410."""
    params = {"country": "CO"}
    with (
        app_client(replicated.primary_url, replicated.replica_url) as lagging,
        app_client(replicated.primary_url, None) as current,
    ):
        first = lagging.get("/v1/sync", params=params)
        assert first.status_code == 200, first.text
        cursor = first.json()["cursor"]
        while first.json()["more"]:
            first = lagging.get("/v1/sync", params={**params, "since": cursor})
            cursor = first.json()["cursor"]

        replicated.replica.pause(replicated.name)
        created = current.post("/v1/points", json=point_payload(), headers=replicated.headers)
        assert created.status_code == 201, created.text
        point_id = created.json()["id"]

        # A sync through the up-to-date process: the new point, and a cursor past it.
        fresh = current.get("/v1/sync", params={**params, "since": cursor})
        assert fresh.status_code == 200, fresh.text
        assert point_id in point_ids(fresh)
        ahead = fresh.json()["cursor"]

        # The next sync lands on the lagging replica with that cursor: answered (from the
        # primary), no 410, nothing lost, and the cursor handed back is not older.
        after = lagging.get("/v1/sync", params={**params, "since": ahead})
        assert after.status_code == 200, after.text
        assert point_ids(after) == []
        edited = current.patch(
            f"/v1/points/{point_id}",
            json={"free": False},
            headers={**replicated.headers, "If-Match": created.headers["etag"]},
        )
        assert edited.status_code == 200, edited.text
        following = lagging.get("/v1/sync", params={**params, "since": after.json()["cursor"]})
        assert following.status_code == 200, following.text
        assert point_ids(following) == [point_id]

        # Once the replica catches up it answers the same cursors itself.
        replicated.replica.resume(replicated.name)
        replicated.caught_up()
        again = lagging.get("/v1/sync", params={**params, "since": ahead})
        assert again.status_code == 200
        assert point_ids(again) == [point_id]


def test_the_replica_is_read_only_and_really_a_standby(replicated: Replicated) -> None:
    from sqlalchemy import create_engine, text

    from app.db import normalise_url

    engine = create_engine(normalise_url(replicated.replica_url))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
            count = conn.execute(text("SELECT count(*) FROM service_point")).scalar_one()
            assert count > 0, "the seed replicated"
    finally:
        engine.dispose()
