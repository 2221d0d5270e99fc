"""A large import does not block the other writers (``rumbo serve`` on SQLite).

While a file of thousands of points is imported, travellers send feedback and an editor
changes a point: every one of those writes succeeds, and they are answered while the import
is still running (the file is validated and staged without the write lock; only the merge
holds it, see app/exchange/engine.py). The import itself lands whole.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.signing import keyring
from bench.imports import write_csv
from bench.server import Server
from tests.accounts.helpers import make_staff
from tests.factories import make_organization, make_point

pytestmark = pytest.mark.slow

ROWS = 8000  # staging (no write lock) must outlast a few rounds of writes
SECRET = "test-secret-key-0123456789abcdef"  # tests.conftest.test_settings


def test_writers_go_on_during_a_large_import(
    engine_kind: str, fresh_app: Callable[..., tuple[FastAPI, str]], tmp_path: Path
) -> None:
    if engine_kind != "sqlite":
        pytest.skip("SQLite's single write lock is what this is about")
    app, url = fresh_app(seed=True)
    with app.state.database.session() as session, session.begin():
        org = make_organization(session)
        staff = make_staff(session, app.state.settings, role="editor", organization=org)
        point = make_point(session, org)
        session.flush()
        point_id, slug = point.public_id, org.slug
    csv_path = write_csv(tmp_path / "points.csv", ROWS)
    keyring.generate(tmp_path / "keys")
    env = {
        "RUMBO_KEYS_DIR": str(tmp_path / "keys"),
        "RUMBO_SECRET_KEY": SECRET,
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT": "10000/hour",
        "RUMBO_FEEDBACK_LIMIT_PER_POINT": "10000/hour",
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT_POINT": "10000/day",
    }
    with Server(url, log_path=tmp_path / "server.log", extra_env=env) as server:
        base = server.base_url
        outcome: dict[str, httpx.Response] = {}

        def run_import() -> None:
            outcome["import"] = httpx.post(
                f"{base}/v1/imports",
                params={"organization": slug},
                content=csv_path.read_bytes(),
                headers={**staff.headers, "Content-Type": "text/csv"},
                timeout=300,
            )

        importer = threading.Thread(target=run_import)
        importer.start()
        writes: list[tuple[int, bool]] = []  # (status, answered while the import ran)
        with httpx.Client(base_url=base, timeout=60) as client:
            time.sleep(0.5)  # the upload is in, staging has begun
            for n in range(200):  # bounded: the import of 8,000 rows takes a few seconds
                if not importer.is_alive():
                    break
                response = client.post(
                    "/v1/feedback", json={"tags": ["suggestion"], "comment": f"idea {n}"}
                )
                writes.append((response.status_code, importer.is_alive()))
                current = client.get(f"/v1/staff/points/{point_id}", headers=staff.headers)
                edit = client.patch(
                    f"/v1/points/{point_id}",
                    json={"locality": f"Necoclí {n}"},
                    headers={**staff.headers, "If-Match": current.headers["etag"]},
                )
                writes.append((edit.status_code, importer.is_alive()))
                time.sleep(0.1)
        importer.join(300)
    assert not importer.is_alive()
    report = outcome["import"]
    assert report.status_code == 200, report.text[:500]
    assert report.json()["created"] == ROWS
    statuses = {status for status, _ in writes}
    assert statuses <= {200, 202}, writes
    answered_during = [w for w in writes if w[1]]
    assert len(answered_during) >= 4, writes
