"""Issue #16 item 5, measured: while a large CSV import runs through ``POST /v1/imports``
on SQLite, other writers keep writing, and none of them fails.

A fresh database (migrated and seeded), ``rumbo serve`` with production settings; an
editor's API key uploads ``rows`` generated rows while two other clients write in a loop,
one request at a time each: anonymous feedback (``POST /v1/feedback``) and an editor's
``PATCH /v1/points/{id}`` (after reading the ETag). Reported: how many of the writes
begun while the import ran failed (target 0), how long they took (p50/p99/max: the wait
for the write lock, the merge's included, is in there), and how long the import's merge
held the write transaction,
from the server's log line ``import merged: ... write transaction S s``
(``app/exchange/service.py``; logged at INFO, so this server runs with that level).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.access.principal import cli_principal
from app.accounts import keys as account_keys
from app.accounts.models import Role
from app.db import Database
from app.organizations.models import Organization
from bench import load
from bench.imports import write_csv
from bench.server import Server

__all__ = ["MERGED", "writers_beside_import"]

MERGED = re.compile(r"import merged: (\d+) points in (\d+) batches, write transaction ([\d.]+) s")
PAUSE_S = 0.05


def _editor(url: str) -> tuple[str, dict[str, str]]:
    """A new organisation and an editor's API key for it (through the real service)."""
    database = Database(url)
    try:
        with database.session() as session, session.begin():
            org = Organization(slug=f"beside-{random.getrandbits(32):x}", name="Beside import")
            session.add(org)
            session.flush()
            _, key = account_keys.create_api_key(
                session,
                actor=cli_principal(),
                organization_id=org.id,
                role=Role.editor,
                name="bench",
            )
            slug = org.slug
    finally:
        database.dispose()
    return slug, {"X-API-Key": key}


def _point(client: httpx.Client, headers: dict[str, str]) -> str:
    body = {
        "external_id": f"beside-{random.getrandbits(64):x}",
        "status": "published",
        "lat": 8.51,
        "lon": -76.78,
        "country": "CO",
        "locality": "Necoclí",
        "categories": ["shelter"],
        "original_language": "es",
        "translations": {"es": {"name": "Punto editado durante la importación"}},
    }
    created = client.post("/v1/points", json=body, headers=headers)
    created.raise_for_status()
    return str(created.json()["id"])


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def writers_beside_import(
    work_dir: Path, *, rows: int, env: dict[str, str], log_path: Path
) -> dict[str, Any]:
    """The section's figures (a fresh SQLite database in ``work_dir``)."""
    db_path = work_dir / "beside-import.db"
    for suffix in ("", "-wal", "-shm", ".json"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    load.load_sqlite(0, path=db_path)
    url = load.sqlite_url(db_path)
    slug, headers = _editor(url)
    csv_path = write_csv(work_dir / f"beside-{rows}.csv", rows)
    log_path.unlink(missing_ok=True)
    env = {
        **env,
        "RUMBO_LOG_LEVEL": "INFO",
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT": "100000000/hour",
        "RUMBO_FEEDBACK_LIMIT_PER_CLIENT_POINT": "100000000/day",
        "RUMBO_FEEDBACK_LIMIT_PER_POINT": "100000000/hour",
    }
    outcome: dict[str, Any] = {}
    with Server(url, log_path=log_path, extra_env=env) as server:
        base = server.base_url
        with httpx.Client(base_url=base, timeout=60) as client:
            point_id = _point(client, headers)

        def run_import() -> None:
            started = time.monotonic()
            response = httpx.post(
                f"{base}/v1/imports",
                params={"organization": slug},
                content=csv_path.read_bytes(),
                headers={**headers, "Content-Type": "text/csv"},
                timeout=3600,
            )
            outcome["seconds"] = round(time.monotonic() - started, 2)
            outcome["status"] = response.status_code
            outcome["created"] = response.json().get("created") if response.is_success else None

        importer = threading.Thread(target=run_import)
        writes: dict[str, list[tuple[int, float]]] = {"feedback": [], "patch": []}

        def feedback(client: httpx.Client, n: int) -> int:
            body = {"tags": ["suggestion"], "comment": f"idea {n}"}
            return client.post("/v1/feedback", json=body).status_code

        def patch(client: httpx.Client, n: int) -> int:
            current = client.get(f"/v1/staff/points/{point_id}", headers=headers)
            if current.status_code != 200:
                return current.status_code
            return client.patch(
                f"/v1/points/{point_id}",
                json={"locality": f"Necoclí {n}"},
                headers={**headers, "If-Match": current.headers["etag"]},
            ).status_code

        def writer(kind: str, write: Callable[[httpx.Client, int], int]) -> None:
            with httpx.Client(base_url=base, timeout=600) as client:
                n = 0
                while importer.is_alive():  # every write begun while the import runs
                    started = time.monotonic()
                    try:
                        status = write(client, n)
                    except httpx.HTTPError:
                        status = 0
                    writes[kind].append((status, time.monotonic() - started))
                    n += 1
                    time.sleep(PAUSE_S)

        importer.start()
        time.sleep(0.2)
        threads = [threading.Thread(target=writer, args=item) for item in _kinds(feedback, patch)]
        for thread in threads:
            thread.start()
        importer.join()
        for thread in threads:
            thread.join(900)
    merged = MERGED.search(log_path.read_text(errors="replace"))
    every = [w for found in writes.values() for w in found]
    waits = [seconds for _, seconds in every]
    return {
        "rows": rows,
        "import": outcome,
        "merge_lock_seconds": float(merged.group(3)) if merged else None,
        "writes": len(every),
        "failed": sum(1 for status, _ in every if status not in (200, 202)),
        "statuses": _statuses(every),
        "by_kind": {kind: len(found) for kind, found in writes.items()},
        "wait_p50_ms": _pct(waits, 0.50),
        "wait_p99_ms": _pct(waits, 0.99),
        "wait_max_ms": round(1000 * max(waits), 1) if waits else None,
    }


def _kinds(*writes: Callable[[httpx.Client, int], int]) -> list[tuple[str, Any]]:
    return [(w.__name__, w) for w in writes]


def _statuses(writes: list[tuple[int, float]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for status, _ in writes:
        out[str(status)] = out.get(str(status), 0) + 1
    return out
