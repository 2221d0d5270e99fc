"""``/v1/where`` through HTTP, on both engines."""

from __future__ import annotations

import logging

import pytest

from app.where.schemas import WhereRead
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


def test_in_territorial_waters_the_coastal_state_is_the_country(client):
    """10 km off Colón: at sea, in Panama's waters, with Panama's clock and numbers."""
    body = client.get("/v1/where", params={"lat": 9.45, "lon": -79.95, "lang": "en"}).json()
    assert body["surface"] == "sea" and body["country"]["code"] == "PA"
    assert body["nearest_country"]["code"] == "PA" and body["nearest_country"]["distance_km"] > 0
    assert body["timezone"] == "America/Panama" and body["utc_offset"] == "-05:00"
    assert {n["number"] for n in body["emergency_numbers"]} >= {"911"}


def test_the_readme_example_agrees_with_itself(client):
    """8.53, -82.84 is on the Costa Rican side of Paso Canoas: Costa Rica's country, clock
    and numbers (it once said Panama with Costa Rica's time zone)."""
    body = client.get("/v1/where", params={"lat": 8.53, "lon": -82.84, "lang": "en"}).json()
    assert body["country"]["code"] == "CR" and body["timezone"] == "America/Costa_Rica"
    assert body["utc_offset"] == "-06:00"
    costa_rica = client.get("/v1/countries/CR", params={"lang": "en"}).json()
    numbers = {(n["service"], n["number"]) for n in costa_rica["emergency_numbers"]}
    assert numbers and {(n["service"], n["number"]) for n in body["emergency_numbers"]} == numbers


def test_uncurated_country_has_no_numbers_yet(client):
    body = client.get("/v1/where", params={"lat": 52.52, "lon": 13.40}).json()
    assert body["country"]["code"] == "DE" and body["curated"] is False
    assert body["emergency_numbers"] == []


def test_coordinates_are_not_logged_by_the_lookup(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="rumbo"):
        client.get("/v1/where", params={"lat": 8.123456, "lon": -82.987654})
    assert "8.123456" not in caplog.text and "82.987654" not in caplog.text


@pytest.mark.parametrize(
    ("lat", "lon", "code", "zone"),
    [
        (25.899, -97.497, "US", "America/Chicago"),  # Brownsville, by the Rio Grande
        (-4.215, -69.940, "CO", "America/Bogota"),  # Leticia
        (-11.026, -68.769, "BO", "America/La_Paz"),  # Cobija
        (46.522, -84.346, "CA", "America/Toronto"),  # Sault Ste. Marie, Ontario
        (12.584, -81.701, "CO", "America/Bogota"),  # San Andrés, an island 1:50m leaves out
        (21.03, 105.85, "VN", "Asia/Bangkok"),  # Hanoi: a zone of several countries
    ],
)
def test_country_and_time_zone_come_from_one_lookup(client, lat, lon, code, zone):
    body = client.get("/v1/where", params={"lat": lat, "lon": lon}).json()
    assert (body["surface"], body["country"]["code"], body["timezone"]) == ("land", code, zone)
    assert body["boundaries"]["publisher"].startswith("© OpenStreetMap contributors")
