"""Strict parameters: a /v1 GET with a query parameter its route does not declare is a 422
naming it (a typo is never a silent "no filter"); ``open_now=false`` is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


def _problem(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def _v1_get_paths(app: FastAPI) -> list[str]:
    return sorted(
        path
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1/") and "get" in operations
    )


def test_a_typo_is_named_with_the_closest_known_name(client: TestClient):
    body = _problem(client.get("/v1/points", params={"catgory": "shelter"}))
    assert body["errors"] == [
        {
            "location": "query",
            "name": "catgory",
            "detail": "parámetro desconocido; ¿quiso decir 'category'?",
        }
    ]
    english = _problem(client.get("/v1/points", params={"catgory": "shelter", "lang": "en"}))
    assert english["errors"][0]["detail"] == "unknown parameter; did you mean 'category'?"


def test_every_unknown_parameter_is_named(client: TestClient):
    params = {"routa": "darien", "zzz": "1", "category": "shelter", "lang": "en"}
    body = _problem(client.get("/v1/points", params=params))
    assert [e["name"] for e in body["errors"]] == ["routa", "zzz"]
    assert all(e["location"] == "query" for e in body["errors"])


def test_known_parameters_of_dependencies_are_accepted(client: TestClient):
    # lang comes from the language dependency, near/category/view from the point query.
    params = {"lang": "fr", "near": "8.41,-76.78", "category": "shelter", "view": "summary"}
    assert client.get("/v1/points", params=params).status_code == 200
    assert client.get("/v1/countries/CO", params={"lang": "en"}).status_code == 200
    where = client.get("/v1/where", params={"lat": 8.5, "lon": -82.8, "lang": "es"})
    assert where.status_code == 200


def test_every_v1_get_refuses_unknown_parameters(app: FastAPI, client: TestClient):
    paths = _v1_get_paths(app)
    assert len(paths) >= 15
    for path in paths:
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = client.get(url, params={"zz_unknown": "1"})
        body = _problem(response)
        assert "zz_unknown" in {e["name"] for e in body["errors"]}, path


def test_hsds_follows_its_own_specification(client: TestClient):
    response = client.get("/hsds/services", params={"zz_unknown": "1"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("value", ["false", "0", "no"])
def test_open_now_false_is_refused(client: TestClient, value: str):
    body = _problem(client.get("/v1/points", params={"open_now": value, "lang": "en"}))
    assert body["errors"] == [
        {
            "location": "query",
            "name": "open_now",
            "detail": "only true is accepted; leave open_now out to get every point",
        }
    ]


def test_open_now_true_filters(client: TestClient):
    response = client.get("/v1/points", params={"open_now": "true", "limit": 5})
    assert response.status_code == 200
    assert all(item.get("open_now") is True for item in response.json()["items"])
