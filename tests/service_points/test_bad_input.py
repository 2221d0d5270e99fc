"""Bad input gets a 4xx problem+json naming the parameter, never a 500."""

from __future__ import annotations

import pytest

CASES = [
    ({"near": "91,0"}, 422, "near"),
    ({"near": "0,181"}, 422, "near"),
    ({"near": "-90.5,10"}, 422, "near"),
    ({"near": "nan,0"}, 422, "near"),
    ({"near": "inf,0"}, 422, "near"),
    ({"near": "10"}, 422, "near"),
    ({"near": "a,b"}, 422, "near"),
    ({"bbox": "1,2,3"}, 422, "bbox"),
    ({"bbox": "0,10,1,5"}, 422, "bbox"),
    ({"bbox": "0,0,1,1,2"}, 422, "bbox"),
    ({"bbox": "-200,0,1,1"}, 422, "bbox"),
    ({"near": "0,0", "radius": -5}, 422, "radius"),
    ({"near": "0,0", "radius": 10**9}, 422, "radius"),
    ({"radius": 100}, 422, "radius"),
    ({"near": "0,0", "bbox": "0,0,1,1"}, 422, "bbox"),
    ({"category": "spaceport"}, 422, "category"),
    ({"audience": "martians"}, 422, "audience"),
    ({"spoken_language": "zz-!!"}, 422, "spoken_language"),
    ({"country": "XX"}, 422, "country"),
    ({"country": "usa"}, 422, "country"),
    ({"limit": 10**9}, 422, "limit"),
    ({"limit": 0}, 422, "limit"),
    ({"limit": "many"}, 422, "limit"),
    ({"cursor": "not-a-cursor!!"}, 422, "cursor"),
    ({"cursor": "eyJmIjoiMTIzIiwiaSI6MX0"}, 422, "cursor"),
    ({"at": "2026-03-09T16:30:00"}, 422, "at"),
    ({"at": "yesterday"}, 422, "at"),
    ({"open_now": "perhaps"}, 422, "open_now"),
    ({"verified_since": "2026-13-40"}, 422, "verified_since"),
    ({"q": "!!! ???"}, 422, "q"),
    ({"q": "x" * 201}, 422, "q"),
]


@pytest.mark.parametrize(("params", "status", "name"), CASES)
def test_bad_parameters(client, params, status, name):
    response = client.get("/v1/points", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("/problems/")
    assert name in {e["name"] for e in body["errors"]}


def test_all_errors_reported_at_once(client):
    body = client.get("/v1/points", params={"near": "95,0", "limit": 0, "country": "XX"}).json()
    assert {e["name"] for e in body["errors"]} >= {"near", "country"}


def test_sql_in_q_is_just_text(client):
    response = client.get("/v1/points", params={"q": "'; DROP TABLE service_point; --"})
    assert response.status_code == 200
    assert client.get("/v1/points", params={"limit": 1}).status_code == 200


def test_fts_syntax_in_q_is_neutralised(client):
    for q in ['"unbalanced', "NEAR(a b)", "a OR b*", "col:value", "-x ^y"]:
        assert client.get("/v1/points", params={"q": q}).status_code == 200


def test_ten_kilobyte_query_string(client):
    response = client.get("/v1/points?" + "x=" + "a" * 10_240)
    assert response.status_code == 414
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_point_is_404_problem(client):
    response = client.get("/v1/points/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_unknown_route_is_problem_json(client):
    response = client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
