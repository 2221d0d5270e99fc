"""The hot path answers byte for byte what the rendering path answers on generated bench
data (``bench/data.py``: clusters along the route, texts in es/en/fr/pt, every category,
hours, statuses), loaded by the bench loader with its stored documents built: near-me
pages, viewports and their next pages, and point details, for every enabled language (and
none) and both views, on both engines.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import versioned_cache
from app.alerts import coverage as alerts_coverage
from app.documents import areas as documents_areas
from app.main import create_app
from app.service_areas import coverage as areas_coverage
from bench import load
from bench.scenarios import sample_points
from tests import conftest
from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database
from tests.documents.test_equal_renderings import _languages, assert_same, served  # noqa: F401

POINTS = 2000
CENTRES = 6


def _forget_caches() -> None:
    # Another database's data versions may equal this one's: nothing cached is carried over.
    for module in (alerts_coverage, areas_coverage, documents_areas):
        module.invalidate()
    versioned_cache.invalidate_all()


@pytest.fixture(scope="module", params=["sqlite"] + (["postgres"] if POSTGRES_URL else []))
def bench_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if request.param == "sqlite":
        path, _ = load.load_sqlite(POINTS, path=tmp_path_factory.mktemp("bench") / "bench.db")
        yield load.sqlite_url(path)
        return
    assert POSTGRES_URL
    url = create_postgres_database(POSTGRES_URL)
    try:
        load.load_postgres(url, POINTS)
        yield url
    finally:
        drop_postgres_database(POSTGRES_URL, url)
        Path(load.VAR / f"postgres-{url.rsplit('/', 1)[-1]}.json").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def bench_client(bench_url: str) -> Iterator[TestClient]:
    _forget_caches()
    app = create_app(conftest.test_settings(bench_url))
    with TestClient(app) as client:
        yield client
    app.state.database.dispose()
    _forget_caches()


def _queries(bench_url: str) -> list[dict[str, Any]]:
    rng = random.Random(15)
    out: list[dict[str, Any]] = []
    for s in sample_points(bench_url, CENTRES, seed=15):
        lat, lon = s.lat + rng.uniform(-0.01, 0.01), s.lon + rng.uniform(-0.01, 0.01)
        out.append({"near": f"{lat:.5f},{lon:.5f}", "radius": 25000, "limit": 20})
        half_w, half_h = rng.uniform(0.012, 0.025), rng.uniform(0.008, 0.015)
        box = f"{lon - half_w:.5f},{lat - half_h:.5f},{lon + half_w:.5f},{lat + half_h:.5f}"
        out.append({"bbox": box, "limit": 20})
    return out


def test_bench_pages_equal_the_rendering_path(
    bench_client: TestClient,
    bench_url: str,
    served: list[str],  # noqa: F811
) -> None:
    languages = [None, *_languages(bench_client)]
    compared = 0
    for query in _queries(bench_url):
        for lang in languages:
            for view in ("full", "summary"):
                params = {**query, "view": view, **({"lang": lang} if lang else {})}
                page = assert_same(bench_client, "/v1/points", params).json()
                compared += len(page["items"])
                cursor = page.get("next_cursor")
                if cursor and view == "full":
                    assert_same(bench_client, "/v1/points", {**params, "cursor": cursor})
    assert compared > CENTRES * len(languages) * 20  # pages were full, not empty
    assert served and "none" not in served


def test_bench_details_equal_the_rendering_path(
    bench_client: TestClient,
    bench_url: str,
    served: list[str],  # noqa: F811
) -> None:
    query = _queries(bench_url)[0]
    items = bench_client.get("/v1/points", params={**query, "limit": 8}).json()["items"]
    languages = [None, *_languages(bench_client)]
    for lang in languages:
        for item in items:
            assert_same(bench_client, f"/v1/points/{item['id']}", {"lang": lang} if lang else {})
    assert served.count("item") == len(items) * len(languages)
