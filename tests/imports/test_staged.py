"""Staged imports: validated without the write lock, merged in one write transaction. When
the database changed under the staging (an editor changed a point the file changes), the
merge is refused and the file is imported serially instead: the outcome is the one the
serial import gives, all or nothing, and the editor's change is kept."""

from __future__ import annotations

import io
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import db as db_module
from app.access.principal import cli_principal
from app.exchange import service
from tests.imports.helpers import csv_bytes, editor, points_of, post_import, row


def _request(slug: str) -> service.ImportRequest:
    return service.ImportRequest(organization=slug, format="csv")


def test_a_point_changed_while_staged_sends_the_file_to_the_serial_import(
    client: TestClient, db: Session
) -> None:
    headers, org = editor(client, db)
    existing = row(0, locality="Necoclí")
    assert post_import(client, headers, csv_bytes([existing]), organization=org.slug).is_success
    [point] = points_of(db, org)
    database = client.app.state.database  # type: ignore[attr-defined]
    upload = csv_bytes([{**existing, "locality": "Turbo"}, row(1), row(2)])
    principal = cli_principal()
    with database.staging_session() as session:
        staged = service.stage_import(
            session, principal=principal, request=_request(org.slug), binary=io.BytesIO(upload)
        )
    assert staged is not None and staged.ready and staged.staging.points == 3
    # Meanwhile an editor changes the same point (its version moves on).
    current = client.get(f"/v1/staff/points/{point.public_id}", headers=headers)
    edited = client.patch(
        f"/v1/points/{point.public_id}",
        json={"website": "https://example.org/albergue"},
        headers={**headers, "If-Match": current.headers["etag"]},
    )
    assert edited.status_code == 200, edited.text
    binary = io.BytesIO(upload)
    report = service.import_staged(
        database.session,
        staged,
        lambda s: service.run_import(
            s, principal=principal, request=_request(org.slug), binary=binary
        ),
    )
    assert staged.serial and report.committed
    assert (report.created, report.updated) == (2, 1)
    points = {p.public_id: p for p in points_of(db, org)}
    assert len(points) == 3
    assert points[point.public_id].locality == "Turbo"
    assert points[point.public_id].website == "https://example.org/albergue"


def test_a_staged_import_merges_whole(client: TestClient, db: Session) -> None:
    _, org = editor(client, db)
    database = client.app.state.database  # type: ignore[attr-defined]
    upload = csv_bytes([row(i) for i in range(5)])
    principal = cli_principal()
    with database.staging_session() as session:
        staged = service.stage_import(
            session, principal=principal, request=_request(org.slug), binary=io.BytesIO(upload)
        )
    assert staged is not None
    # Staging wrote nothing.
    assert points_of(db, org) == []
    report = service.import_staged(database.session, staged, lambda s: None)  # type: ignore[arg-type,return-value]
    assert not staged.serial and report.committed and report.created == 5
    assert len(points_of(db, org)) == 5


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("merge", [True, False])
async def test_writers_queued_behind_a_merge_wait_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, merge: bool, anyio_backend: str
) -> None:
    """A writer queued longer than the busy timeout is refused (503), unless what it waits
    for is an import's merge: then it waits for the merge to end."""
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    database = db_module.Database(f"sqlite:///{tmp_path / 'slots.db'}")
    outcome: list[str] = []

    async def holder() -> None:
        async with database.write_slot(merge=merge):
            await anyio.sleep(0.8)  # four busy timeouts
            outcome.append("merged")

    async def writer() -> None:
        await anyio.sleep(0.05)
        try:
            async with database.write_slot():
                outcome.append("written")
        except OperationalError:
            outcome.append("refused")

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(holder)
            group.start_soon(writer)
    finally:
        database.dispose()
    assert outcome == (["merged", "written"] if merge else ["refused", "merged"])
