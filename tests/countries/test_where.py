"""``/v1/where`` through HTTP, on both engines."""

from __future__ import annotations

import logging

import pytest

from app.countries.schemas import WhereRead
from tests.countries.test_boundaries import BORDER_POINTS


@pytest.mark.parametrize(("place", "lat", "lon", "code"), BORDER_POINTS)
def test_border_points(client, place, lat, lon, code):
    response = client.get("/v1/where", params={"lat": lat, "lon": lon})
    assert response.status_code == 200, place
    body = WhereRead.model_validate(response.json())
    assert body.surface == "land" and body.country and body.country.code == code, place
    assert body.emergency_numbers and body.curated
    assert body.timezone and body.local_time and body.local_time.utcoffset() is not None


def test_answer_in_the_requested_language(client):
    response = client.get("/v1/where", params={"lat": 8.52, "lon": -82.80, "lang": "en"})
    body = response.json()
    assert body["country"] == {"code": "PA", "name": "Panama", "lang": "en"}
    assert body["timezone"] == "America/Panama" and body["utc_offset"] == "-05:00"
    assert {n["number"] for n in body["emergency_numbers"]} >= {"911", "104", "103"}
    assert response.headers["content-language"] == "en"
    assert response.headers["cache-control"] == "no-store"


def test_open_sea_is_no_country(client):
    body = client.get("/v1/where", params={"lat": 0, "lon": -30}).json()
    assert body["surface"] == "sea" and body.get("country") is None
    assert body["emergency_numbers"] == [] and body["curated"] is False
    assert body["timezone"].startswith("Etc/")


def test_near_a_coast_names_that_country(client):
    body = client.get("/v1/where", params={"lat": 9.40, "lon": -79.95}).json()
    assert body["surface"] == "sea" and body.get("country") is None
    assert body["nearest_country"]["code"] == "PA"
    assert body["emergency_numbers"]


def test_uncurated_country_has_no_numbers_yet(client):
    body = client.get("/v1/where", params={"lat": 52.52, "lon": 13.40}).json()
    assert body["country"]["code"] == "DE" and body["curated"] is False
    assert body["emergency_numbers"] == []


def test_coordinates_are_not_logged_by_the_lookup(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="rumbo"):
        client.get("/v1/where", params={"lat": 8.123456, "lon": -82.987654})
    assert "8.123456" not in caplog.text and "82.987654" not in caplog.text
