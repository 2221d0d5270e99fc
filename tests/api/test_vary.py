"""Every language-dependent response says so: ``Vary: Accept-Language`` and a
``Content-Language``, so a shared cache never hands one reader another's language."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

URLS = [
    "/v1/points?limit=3",
    "/v1/points?limit=3&view=summary",
    "/v1/categories",
    "/v1/audiences",
    "/v1/languages",
    "/v1/countries",
    "/v1/countries/CO",
    "/v1/countries/PA/entry?nationality=HT",
    "/v1/where?lat=8.52&lon=-82.80",
    "/v1/feedback-tags",
    "/hsds/services?per_page=3",
    "/hsds/services?format=ndjson",
    "/hsds/organizations",
]


@pytest.mark.parametrize("url", URLS)
def test_language_dependent_responses_vary_on_accept_language(client: TestClient, url: str):
    response = client.get(url, headers={"Accept-Language": "fr"})
    assert response.status_code == 200, response.text
    vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
    assert "accept-language" in vary, url
    assert response.headers["content-language"], url


def test_a_point_and_its_geojson_vary_too(client: TestClient):
    item = client.get("/v1/points", params={"limit": 1}).json()["items"][0]
    for accept in ("application/json", "application/geo+json"):
        response = client.get(f"/v1/points/{item['id']}", headers={"Accept": accept})
        assert "Accept-Language" in response.headers["vary"]
        assert response.headers["content-language"] == item["lang"]
