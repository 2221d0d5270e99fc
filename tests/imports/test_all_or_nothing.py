"""A real import that fails at its last row leaves the database exactly as it was.

Run on a brand-new database with real commits (``fresh_app``), so nothing is hidden by a
test transaction: every table is compared row by row before and after.
"""

from __future__ import annotations

import warnings
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from sqlalchemy.exc import SAWarning

from tests.imports.helpers import (
    assert_problem,
    csv_bytes,
    fresh_editor,
    load_taxonomy,
    post_import,
    row,
)


def _dump(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    engine = app.state.database.engine
    metadata = MetaData()
    with warnings.catch_warnings():  # PostGIS's geography column type is unknown to reflection
        warnings.simplefilter("ignore", SAWarning)
        metadata.reflect(engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            if name.startswith(("service_point_fts", "spatial_ref_sys")):
                continue
            out[name] = sorted(
                (tuple(str(v) for v in r) for r in conn.execute(select(table))), key=repr
            )
    return out


def test_a_failing_last_row_changes_nothing(fresh_app):
    app, _ = fresh_app()
    load_taxonomy(app)
    headers, _ = fresh_editor(app)
    rows = [row(i) for i in range(6)]
    with TestClient(app) as client:
        assert post_import(client, headers, csv_bytes(rows)).status_code == 200
        before = _dump(app)
        assert len(before["service_point"]) == 6
        changed = [{**r, "description:es": "Cambiado"} for r in rows]  # updates first...
        changed += [row(10 + i) for i in range(3)]  # ...new points next...
        changed.append(row(20, lat="95"))  # ...and the last row fails
        body = assert_problem(post_import(client, headers, csv_bytes(changed)), 422)
        assert body["report"]["updated"] == 6 and body["report"]["created"] == 3
        assert [(e["row"], e["field"]) for e in body["report"]["errors"]] == [(11, "lat")]
        assert _dump(app) == before
