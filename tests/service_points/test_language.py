"""Language negotiation and per-field fallback."""

from __future__ import annotations

import pytest

from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, scratch


@pytest.fixture
def trilingual(connection):
    with scratch(connection) as session:
        org = make_organization(session)
        point = make_point(
            session,
            org,
            lat=-72,
            lon=20,
            country=ISOLATED_COUNTRY,
            original_language="es",
            translations={
                "es": {"name": "Refugio", "description": "Camas y comida", "address": "Calle 1"},
                "en": {"name": "Shelter", "description": "Beds and food"},
                "fr": {"name": "Abri"},
            },
        )
        session.commit()
        yield point.public_id


def _get(client, point_id, **kw):
    return client.get(f"/v1/points/{point_id}", **kw)


def test_lang_parameter_wins_over_accept_language(client, trilingual):
    response = _get(client, trilingual, params={"lang": "en"}, headers={"Accept-Language": "fr"})
    body = response.json()
    assert body["name"] == "Shelter" and body["lang"] == "en" and body["lang_fallback"] is False
    assert response.headers["content-language"] == "en"
    assert "Accept-Language" in response.headers["vary"]


def test_accept_language_q_values_and_region_fallback(client, trilingual):
    response = _get(
        client, trilingual, headers={"Accept-Language": "de;q=1.0, fr-CA;q=0.9, en;q=0.5"}
    )
    body = response.json()
    # German is not available; fr-CA falls back to fr.
    assert body["name"] == "Abri" and body["lang"] == "fr"
    assert response.headers["content-language"] == "fr"


def test_field_by_field_fallback(client, trilingual):
    body = _get(client, trilingual, params={"lang": "fr"}).json()
    assert body["name"] == "Abri"
    # fr has no description: it comes from the original language (es), and says so.
    assert body["description"] == "Camas y comida"
    assert body["field_lang"] == {"description": "es", "address": "es"}
    assert body["languages_available"] == ["en", "es", "fr"]


def test_unavailable_language_falls_back_to_original(client, trilingual):
    body = _get(client, trilingual, params={"lang": "de"}).json()
    assert body["lang"] == "es" and body["lang_fallback"] is True and body["name"] == "Refugio"


def test_default_language_without_preferences(client, trilingual):
    response = _get(client, trilingual)
    assert response.json()["lang"] == "es"
    assert response.headers["content-language"] == "es"


@pytest.mark.parametrize("bad", ["xx-!!", "123", "english", ""])
def test_invalid_lang_is_a_422_naming_lang(client, trilingual, bad):
    response = _get(client, trilingual, params={"lang": bad})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["name"] == "lang"


def test_malformed_accept_language_is_ignored(client, trilingual):
    response = _get(client, trilingual, headers={"Accept-Language": ";;;q=abc, @@@"})
    assert response.status_code == 200 and response.json()["lang"] == "es"


def test_categories_tree_translated(client):
    fr = client.get("/v1/categories", params={"lang": "fr"}).json()
    health = next(node for node in fr if node["code"] == "health")
    assert health["lang"] == "fr"
    assert {child["code"] for child in health["children"]} >= {
        "health_primary",
        "health_mental",
        "health_srh",
    }
    es = client.get("/v1/categories", params={"lang": "es"}).json()
    assert next(n for n in es if n["code"] == "health")["name"] != health["name"]


def test_languages_listed_with_names_in_response_language(client):
    body = client.get("/v1/languages", params={"lang": "en"}).json()
    by_tag = {lang["tag"]: lang for lang in body}
    assert {"es", "en", "fr", "ht", "pt"} <= set(by_tag)
    assert by_tag["fr"]["name"] == "French" and by_tag["fr"]["endonym"] == "français"


def test_haitian_creole_falls_back_to_french_before_the_original(client, trilingual):
    body = _get(client, trilingual, params={"lang": "ht"}).json()
    assert body["name"] == "Abri" and body["lang"] == "fr" and body["lang_fallback"] is True
