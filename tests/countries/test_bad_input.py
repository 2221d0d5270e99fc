"""Bad input gets a 4xx problem+json that names the parameter and says what is wrong."""

from __future__ import annotations

import pytest

CASES = [
    ("/v1/countries/XX", 404, "code", "not an assigned"),
    ("/v1/countries/usa", 422, "code", "did you mean 'US'"),
    ("/v1/countries/12", 422, "code", "alpha-2"),
    ("/v1/countries/%20", 422, "code", "required"),
    ("/v1/countries/C", 422, "code", "alpha-2"),
    ("/v1/countries/XX/entry?nationality=CO", 404, "code", "not an assigned"),
    ("/v1/countries/usa/entry?nationality=CO", 422, "code", "did you mean 'US'"),
    ("/v1/countries/CO/entry?nationality=XX", 422, "nationality", "not an assigned"),
    ("/v1/countries/CO/entry?nationality=usa", 422, "nationality", "did you mean 'US'"),
    ("/v1/countries/CO/entry?nationality=12", 422, "nationality", "alpha-2"),
    ("/v1/countries/CO/entry?nationality=", 422, "nationality", "required"),
    ("/v1/countries/CO/entry", 422, "nationality", "required"),
    ("/v1/where?lat=91&lon=0", 422, "lat", "90"),
    ("/v1/where?lat=-90.5&lon=0", 422, "lat", "-90"),
    ("/v1/where?lat=0&lon=181", 422, "lon", "180"),
    ("/v1/where?lat=0&lon=-180.01", 422, "lon", "-180"),
    ("/v1/where?lat=nan&lon=0", 422, "lat", "finite"),
    ("/v1/where?lat=0&lon=inf", 422, "lon", "finite"),
    ("/v1/where?lat=north&lon=0", 422, "lat", "number"),
    ("/v1/where?lat=0", 422, "lon", "required"),
    ("/v1/where", 422, "lat", "required"),
    ("/v1/countries?curated=perhaps", 422, "curated", "boolean"),
    ("/v1/countries/CO?lang=zz-!!", 422, "lang", "BCP 47"),
]


@pytest.mark.parametrize(("url", "status", "name", "words"), CASES)
def test_bad_input(client, url, status, name, words):
    # Errors are written in the request's language (the default, es, when none is asked).
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("/problems/")
    errors = {e["name"]: e["detail"] for e in body["errors"]}
    assert name in errors and words.lower() in errors[name].lower()


def test_both_coordinates_reported_at_once(client):
    body = client.get("/v1/where", params={"lat": 100, "lon": 200}).json()
    assert {e["name"] for e in body["errors"]} == {"lat", "lon"}
