"""Search on the real seed data: any language finds the same places."""

from __future__ import annotations

import pytest

from tests.service_points.helpers import all_pages

NECOCLI = "8.4265,-76.7848"


@pytest.mark.parametrize(
    "word", ["abri", "shelter", "albergue", "ALBERGUE", "hébergement", "hebergement"]
)
def test_shelter_words_in_any_language_find_shelters(client, word):
    body = client.get("/v1/points", params={"q": word, "limit": 50}).json()
    assert body["items"], word
    shelters = [item for item in body["items"] if "shelter" in item["categories"]]
    # Every shelter in the seed is found by each word, whatever language its texts are in.
    all_shelters = client.get("/v1/points", params={"category": "shelter", "limit": 200}).json()
    assert {i["id"] for i in shelters} == {i["id"] for i in all_shelters["items"]}


def test_parent_category_words_find_children(client):
    # Every page: the seed has some 1,500 health points (hospitals included).
    salud = {i["id"] for i in all_pages(client, {"q": "salud", "limit": 200})}
    primary = all_pages(client, {"category": "health_primary", "limit": 200})
    assert primary
    assert {i["id"] for i in primary} <= salud


def test_nearest_in_necocli_is_close_and_sourced(client):
    body = client.get("/v1/points", params={"near": NECOCLI, "limit": 5, "lang": "en"}).json()
    assert body["items"]
    assert body["items"][0]["distance_m"] < 5_000
    for item in body["items"]:
        assert "sample" in item["source"]
        assert item["verification"]["stale"] in (True, False)


def test_seed_covers_the_route(client):
    for country in ["CO", "PA", "CR", "NI", "HN", "GT", "MX"]:
        body = client.get("/v1/points", params={"country": country, "limit": 5}).json()
        assert body["items"], country


def test_seed_is_idempotent(db):
    from sqlalchemy import func, select

    from app import seed
    from app.service_points.models import ServicePoint

    before = db.scalar(select(func.count()).select_from(ServicePoint))
    result = seed.load_all(db)
    assert result["points_created"] == 0
    # Nothing changed in the files, so nothing is rewritten (no version bump, no sync change).
    assert result["points_updated"] == 0
    assert db.scalar(select(func.count()).select_from(ServicePoint)) == before
