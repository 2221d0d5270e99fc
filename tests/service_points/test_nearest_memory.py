"""SQLite's nearest search remembers, per ~1 km cell, the width that held a first page: the
next first page there fetches at once, without counting first; a crowd found since (an
import) makes it count again. The candidates are the same either way."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection

from app.geo.sqlite import DENSE_CAP, SqliteBackend
from app.raw_reads import RawReads
from tests.service_points.helpers import add_points, destination, scratch

# Open sea in the South Pacific: no seed point anywhere near.
LAT, LON = -41.5, -121.25


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []
    rows = RawReads.rows

    def recorded(self: RawReads, sql: str, params: Any) -> list[Any]:
        sent.append(sql)
        return rows(self, sql, params)

    monkeypatch.setattr(RawReads, "rows", recorded)
    return sent


def _counted(sent: list[str]) -> int:
    return sum(sql.startswith("SELECT count(*)") for sql in sent)


def test_a_remembered_cell_fetches_without_counting(
    app: FastAPI, connection: Connection, counts: list[str]
) -> None:
    backend = app.state.search
    if not isinstance(backend, SqliteBackend):
        pytest.skip("SQLite's search")

    def search(session: Any) -> list[tuple[int, float]]:
        found = backend.nearest(session, lat=LAT, lon=LON, radius_m=20_000, limit=5, where=[])
        return [(c.id, c.distance_m) for c in found]

    with scratch(connection) as session:
        add_points(session, [destination(LAT, LON, 37.0 * k, 150.0 * k) for k in range(1, 12)])
        first = search(session)
        assert len(first) == 5
        assert _counted(counts)
        counts.clear()
        assert search(session) == first  # remembered: no count
        assert counts
        assert not _counted(counts)

        # A crowd arrives within the remembered width: the page changes (it is exact), the
        # memory of the cell is dropped, and the next search counts again.
        add_points(
            session, [destination(LAT, LON, 3.0 * k, 5.0 + k % 40) for k in range(DENSE_CAP + 30)]
        )
        counts.clear()
        crowded = search(session)
        assert not _counted(counts)
        assert len(crowded) == 5
        assert all(distance < 50.0 for _, distance in crowded)
        counts.clear()
        assert search(session) == crowded
        assert _counted(counts)
