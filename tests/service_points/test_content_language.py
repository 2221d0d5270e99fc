"""Languages, honestly: ``Content-Language`` names the languages the body is written in (any
BCP 47 tag), and ``lang_fallback`` is true only when the text is not in the language asked
for (or, when none was asked, not in the default language)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, scratch

GEOJSON = {"Accept": "application/geo+json"}


@pytest.fixture
def polyglot(connection: Any) -> Iterator[dict[str, str]]:
    """Three points in the isolated country: Arabic only, French only, Spanish and English."""
    with scratch(connection) as session:
        org = make_organization(session)
        texts = {
            "ar": ("ar", {"ar": {"name": "ملجأ"}}),
            "fr": ("fr", {"fr": {"name": "Abri"}}),
            "es_en": ("es", {"es": {"name": "Refugio"}, "en": {"name": "Shelter"}}),
        }
        ids = {}
        for offset, (key, (original, translations)) in enumerate(texts.items()):
            point = make_point(
                session,
                org,
                lat=-72 - offset * 0.01,
                lon=20,
                country=ISOLATED_COUNTRY,
                original_language=original,
                translations=translations,
            )
            ids[key] = point.public_id
        session.commit()
        yield ids


def _point(client: TestClient, point_id: str, **kw: Any) -> tuple[dict[str, Any], Any]:
    response = client.get(f"/v1/points/{point_id}", **kw)
    assert response.status_code == 200, response.text
    return response.json(), response.headers


def test_a_point_served_in_arabic_says_arabic(client: TestClient, polyglot: dict[str, str]):
    body, headers = _point(client, polyglot["ar"])
    assert body["lang"] == "ar" and headers["content-language"] == "ar"
    # Nothing asked: the default language (es) was not available, so this is a fallback.
    assert body["lang_fallback"] is True
    body, headers = _point(client, polyglot["ar"], params={"lang": "ar"})
    assert (body["lang"], body["lang_fallback"], headers["content-language"]) == ("ar", False, "ar")
    assert "Accept-Language" in headers["vary"]


def test_accept_language_without_the_first_choice_says_what_was_served(
    client: TestClient, polyglot: dict[str, str]
):
    headers = {"Accept-Language": "fr-CA, en;q=0.5"}
    body, got = _point(client, polyglot["es_en"], headers=headers)
    # No French: English, which was asked for too, so not a fallback; the header says en.
    assert (body["name"], body["lang"], body["lang_fallback"]) == ("Shelter", "en", False)
    assert got["content-language"] == "en"
    feature = client.get(f"/v1/points/{polyglot['es_en']}", headers={**headers, **GEOJSON})
    assert feature.headers["content-language"] == "en"
    assert feature.json()["properties"]["lang"] == "en"


def test_no_language_asked_and_default_served_is_not_a_fallback(
    client: TestClient, polyglot: dict[str, str]
):
    body, headers = _point(client, polyglot["es_en"])
    assert (body["lang"], body["lang_fallback"], headers["content-language"]) == ("es", False, "es")
    body, _ = _point(client, polyglot["fr"])
    assert (body["lang"], body["lang_fallback"]) == ("fr", True)


def test_a_page_in_several_languages_lists_them_the_requested_first(
    client: TestClient, polyglot: dict[str, str]
):
    for view in ("full", "summary"):
        params = {"country": ISOLATED_COUNTRY, "view": view}
        french = client.get("/v1/points", params={**params, "lang": "fr"})
        items = french.json()["items"]
        assert {item["lang"] for item in items} == {"fr", "ar", "es"}
        # fr as asked; then the chain (the default es, en); then the others as they come.
        assert french.headers["content-language"] == "fr, es, ar"
        assert french.json()["lang"] == "fr"
        arabic = client.get("/v1/points", params={**params, "lang": "ar"})
        assert arabic.headers["content-language"] == "ar, es, fr"
        assert {i["lang"]: i["lang_fallback"] for i in arabic.json()["items"]} == {
            "ar": False,
            "es": True,
            "fr": True,
        }
        geojson = client.get("/v1/points", params={**params, "lang": "ar"}, headers=GEOJSON)
        assert geojson.headers["content-language"] == "ar, es, fr"
        assert "Accept-Language" in geojson.headers["vary"]


def test_an_empty_page_is_written_in_the_negotiated_language(client: TestClient):
    response = client.get("/v1/points", params={"country": ISOLATED_COUNTRY, "lang": "fr"})
    assert response.json()["items"] == []
    assert response.headers["content-language"] == "fr" == response.json()["lang"]


def test_categories_say_the_language_their_names_are_in(client: TestClient):
    # No category is translated into Arabic: the names come in the default language.
    response = client.get("/v1/categories", params={"lang": "ar"})
    assert {node["lang"] for node in response.json()} == {"es"}
    assert response.headers["content-language"] == "es"
    assert "Accept-Language" in response.headers["vary"]
    french = client.get("/v1/categories", headers={"Accept-Language": "fr"})
    assert french.headers["content-language"] == "fr"
    audiences = client.get("/v1/audiences", params={"lang": "ar"})
    assert audiences.headers["content-language"] == "es"
