"""Errors in the reader's language: problem+json ``title``, ``detail`` and field errors in
es, en or fr (``?lang=``, else ``Accept-Language``, else the default language), with
``Content-Language`` saying which; the catalogues agree with each other."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.i18n.texts import TEXT_LANGUAGES, catalogue


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "Accept-Language" in response.headers["vary"]
    body: dict[str, Any] = response.json()
    return body


BAD_SEARCH = {"near": "95,0", "limit": "0"}


@pytest.mark.parametrize(
    ("how", "lang", "title", "near"),
    [
        ({"params": {"lang": "fr"}}, "fr", "Données invalides", "doit être comprise entre"),
        ({"headers": {"Accept-Language": "en-GB, fr;q=0.4"}}, "en", "Invalid input", "must be in"),
        # Nothing asked: the service's default language.
        ({}, "es", "Datos no válidos", "debe estar entre"),
        # Haitian Creole readers get French, as for content.
        ({"headers": {"Accept-Language": "ht"}}, "fr", "Données invalides", "doit être"),
        # ?lang= wins over Accept-Language.
        ({"params": {"lang": "en"}, "headers": {"Accept-Language": "fr"}}, "en", "Invalid", "must"),
    ],
)
def test_validation_problem_in_the_request_language(
    client: TestClient, how: dict[str, Any], lang: str, title: str, near: str
):
    params = {**BAD_SEARCH, **how.get("params", {})}
    response = client.get("/v1/points", params=params, headers=how.get("headers", {}))
    body = _problem(response, 422)
    assert response.headers["content-language"] == lang
    assert body["title"].startswith(title)
    errors = {e["name"]: e["detail"] for e in body["errors"]}
    assert near in errors["near"]
    # The detail lists the same field errors, in the same language.
    assert body["detail"] == "; ".join(f"{e['name']}: {e['detail']}" for e in body["errors"])


def test_not_found_in_french(client: TestClient):
    body = _problem(client.get("/v1/points/no-such-point", params={"lang": "fr"}), 404)
    assert body["title"] == "Introuvable"
    assert body["detail"] == "aucun point de service avec l'id 'no-such-point'"


def test_unknown_route_in_spanish(client: TestClient):
    body = _problem(client.get("/v1/nowhere", headers={"Accept-Language": "es-CO"}), 404)
    assert body["title"] == "No encontrado" and body["type"] == "/problems/http-404"


def test_pydantic_errors_are_translated(client: TestClient):
    body = _problem(client.get("/v1/where", params={"lat": "abc", "lon": 500, "lang": "fr"}), 422)
    errors = {e["name"]: e["detail"] for e in body["errors"]}
    assert errors == {"lat": "Doit être un nombre", "lon": "Doit être inférieur ou égal à 180"}
    english = _problem(client.get("/v1/where", params={"lat": 1, "lang": "en"}), 422)
    assert english["errors"] == [{"location": "query", "name": "lon", "detail": "Field required"}]


def test_country_code_errors_with_their_hint(client: TestClient):
    body = _problem(client.get("/v1/countries/col", params={"lang": "es"}), 422)
    assert body["errors"][0]["detail"] == (
        "'col' no es un código ISO 3166-1 alfa-2 (p. ej. CO); ¿quiso decir 'CO'?"
    )
    unknown = _problem(
        client.get("/v1/points", params={"category": "spaceport", "lang": "fr"}), 422
    )
    assert unknown["errors"][0]["detail"] == "catégorie inconnue : spaceport"


def test_an_invalid_lang_is_reported_in_the_accept_language(client: TestClient):
    response = client.get("/v1/points", params={"lang": "xx-!!"}, headers={"Accept-Language": "fr"})
    body = _problem(response, 422)
    assert body["errors"][0]["name"] == "lang"
    assert "n'est pas une étiquette de langue BCP 47 valide" in body["errors"][0]["detail"]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_have_the_same_keys_and_placeholders():
    english = catalogue("en")
    for lang in TEXT_LANGUAGES:
        texts = catalogue(lang)
        assert set(texts) == set(english), lang
        for key, template in texts.items():
            # A translation may leave out a library's English detail, never add a value.
            assert _fields(template) <= _fields(english[key]), (lang, key)
            assert template.strip() and not re.search(r"\{\s*\}", template), (lang, key)
