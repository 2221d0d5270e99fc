"""Fewer round trips on the near-me page: on PostgreSQL the search statement carries its
candidates' documents, and the data version goes in one pipeline with it; on SQLite (no
round trips to save) the statements are the ones they were. Answers stay those of the
rendering path (``assert_same``), and the hot path must have answered."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from app.documents.reading import DocumentsRider
from app.journal.repository import DATA_VERSION_SQL
from app.raw_reads import RawReads
from tests.documents.test_equal_renderings import (
    NECOCLI,
    PANAMA,
    _languages,
    assert_same,
    served,
)

__all__ = ["served"]  # the fixture, imported for these tests


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every read on a cursor, in order (the kept data version included)."""
    sent: list[str] = []
    rows = RawReads.rows

    def recorded(self: RawReads, sql: str, params: Any, **options: Any) -> list[Any]:
        sent.append(sql)
        return rows(self, sql, params, **options)

    monkeypatch.setattr(RawReads, "rows", recorded)
    return sent


def _documents_read(sent: list[str]) -> list[str]:
    return [sql for sql in sent if "FROM point_document" in sql]


@pytest.mark.parametrize("centre", [NECOCLI, PANAMA])
@pytest.mark.parametrize("view", ["full", "summary"])
def test_a_near_page_reads_its_documents_with_its_search(
    app: FastAPI,
    client: TestClient,
    served: list[str],
    statements: list[str],
    centre: str,
    view: str,
) -> None:
    assert "en" in _languages(client)  # (the hot path answers once languages are known)
    for lang in (None, "en"):
        statements.clear()
        served.clear()
        params = {"near": centre, "limit": 5, "view": view}
        if lang:
            params["lang"] = lang
        assert_same(client, "/v1/points", params)
        documents = _documents_read(statements)
        if app.state.database.dialect == "postgresql":
            # One statement: the search, carrying the documents.
            assert len(documents) == 1
            assert documents[0].startswith("WITH k (k_id, k_lat, k_lon) AS (")
        else:
            assert documents
            assert not any(sql.startswith("WITH k") for sql in documents)
        assert served == ["page"]


def test_the_data_version_goes_with_the_next_statement(connection: Connection) -> None:
    fairy = connection.connection
    reads = RawReads(fairy.driver_connection, fairy.info, connection.dialect.name)
    plain = reads.rows(DATA_VERSION_SQL, ())
    reads.send_along(DATA_VERSION_SQL)
    assert reads.rows("SELECT 1", ()) == [(1,)]
    kept = reads._kept.get(DATA_VERSION_SQL)  # PostgreSQL: read in the pipeline
    assert kept == (plain if connection.dialect.name == "postgresql" else None)
    assert reads.rows(DATA_VERSION_SQL, ()) == plain
    assert not reads._kept


def test_a_rider_gives_documents_only_when_it_carried_them_all() -> None:
    rider = DocumentsRider("full", "en", 2)
    document = (7, "en", "en", b"{", b"}", b"{", True, None, None, "CO", None, "exact")
    document += (8.4, -76.7, 3, None, None, False)
    # Candidate 8 has no stored document (a LEFT JOIN's nulls): it is not carried.
    rows = [(7, 8.4, -76.7, *document), (8, 8.5, -76.8, *([None] * len(document)))]
    assert rider.keep(rows) == [(7, 8.4, -76.7), (8, 8.5, -76.8)]
    found = rider.documents([7], "full", "en")
    assert list(found) == [7]
    assert found[7].head == b"{"
    assert found[7].lang == "en"
    assert rider.documents([7, 8], "full", "en") == {}
    assert rider.documents([7], "summary", "en") == {}
    assert rider.documents([7], "full", "") == {}
