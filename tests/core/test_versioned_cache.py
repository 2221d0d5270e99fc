"""Caches in process memory never serve stale data when another worker wrote
(``app/versioned_cache.py``): ``GET /v1/categories`` and the country endpoints are cached per
language and data version, and a write through a second app instance on the same database
(another worker process, as far as the first is concerned) shows at once in the first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.main import create_app
from app.taxonomy.models import CategoryTranslation
from app.versioned_cache import VersionedCache, data_version
from tests.accounts.helpers import make_staff
from tests.conftest import test_settings as settings_for

KIND = "entry_requirements"


@pytest.fixture
def workers(fresh_app: Callable[..., tuple[FastAPI, str]]) -> Iterator[tuple[FastAPI, FastAPI]]:
    """Two app instances on one seeded database: the first reads, the second writes."""
    first, url = fresh_app(seed=True)
    second = create_app(settings_for(url))
    try:
        yield first, second
    finally:
        second.state.database.dispose()


def _category_names(client: TestClient, lang: str) -> dict[str, str]:
    response = client.get("/v1/categories", params={"lang": lang})
    assert response.status_code == 200
    out: dict[str, str] = {}
    todo: list[dict[str, Any]] = list(response.json())
    while todo:
        node = todo.pop()
        out[node["code"]] = node["name"]
        todo.extend(node.get("children", []))
    return out


def test_categories_follow_a_write_by_another_worker(workers: tuple[FastAPI, FastAPI]) -> None:
    first, second = workers
    with TestClient(first) as reader:
        before = _category_names(reader, "en")
        assert _category_names(reader, "en") == before  # served from the cache
        code = sorted(before)[0]
        with second.state.database.session() as session, session.begin():
            row = session.scalars(
                select(CategoryTranslation).where(
                    CategoryTranslation.category_code == code, CategoryTranslation.lang == "en"
                )
            ).one()
            row.name = "Renamed by the other worker"
        after = _category_names(reader, "en")
        assert after[code] == "Renamed by the other worker"
        assert {k: v for k, v in after.items() if k != code} == {
            k: v for k, v in before.items() if k != code
        }
        # Each language has its own entry: Spanish is untouched, and not the English name.
        assert _category_names(reader, "es")[code] != "Renamed by the other worker"


def test_countries_follow_a_write_by_another_worker(workers: tuple[FastAPI, FastAPI]) -> None:
    first, second = workers
    with TestClient(first) as reader, TestClient(second) as writer:
        curated = reader.get("/v1/countries", params={"curated": "true"}).json()
        assert reader.get("/v1/countries", params={"curated": "true"}).json() == curated
        code = curated["items"][0]["code"]
        detail = reader.get(f"/v1/countries/{code}", params={"lang": "en"}).json()
        assert any(s["kind"] == KIND for s in detail["sections"])
        with second.state.database.session() as session, session.begin():
            admin = make_staff(session, second.state.settings, role=None, is_admin=True)
        staff = writer.get(f"/v1/staff/countries/{code}", headers=admin.headers).json()
        section = next(s for s in staff["sections"] if s["kind"] == KIND)
        body = {
            "last_reviewed": "2026-12-01",
            "sources": [{"title": "Migración", "url": "https://example.gov/m", "publisher": "M"}],
            "text": {"es": "Texto nuevo.", "en": "New text written by the other worker."},
        }
        replaced = writer.put(
            f"/v1/countries/{code}/sections/{KIND}",
            json=body,
            headers={**admin.headers, "If-Match": section["etag"]},
        )
        assert replaced.status_code == 200, replaced.text
        fresh = reader.get(f"/v1/countries/{code}", params={"lang": "en"}).json()
        entry = next(s for s in fresh["sections"] if s["kind"] == KIND)
        assert entry["body"] == "New text written by the other worker."
        listed = reader.get("/v1/countries", params={"curated": "true"}).json()
        assert listed["total"] == curated["total"]


def test_a_value_is_filed_under_the_version_it_was_computed_at(
    workers: tuple[FastAPI, FastAPI],
) -> None:
    """Data layer: the version is read before the value, once per transaction; a value
    computed in an older transaction never replaces the newer version's entries."""
    first, second = workers
    cache: VersionedCache[str] = VersionedCache()
    read = first.state.database.reader()
    with read() as old:
        old_version = data_version(old)
        assert data_version(old) is data_version(old)  # one lookup per transaction
        with second.state.database.session() as session, session.begin():
            row = session.scalars(select(CategoryTranslation).limit(1)).one()
            row.name = row.name + " (changed)"
        with read() as new:
            assert data_version(new)[2] == old_version[2] + 1
            assert cache.get(new, "k", lambda: "new") == "new"
        assert cache.get(old, "k", lambda: "old") == "old"  # answered, not filed
    with read() as new:
        assert cache.get(new, "k", lambda: "recomputed") == "new"
