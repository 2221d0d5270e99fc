"""``/v1/countries`` and ``/v1/countries/{code}`` through HTTP, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest

from app.countries.schemas import CountryDetail, CountryList
from tests.countries.helpers import CURATED_KINDS, MINIMUM_KINDS, OAS_MEMBERS, ROUTE_COUNTRIES


class TestListCountries:
    def test_all_249_iso_countries(self, client):
        response = client.get("/v1/countries")
        assert response.status_code == 200
        body = CountryList.model_validate(response.json())
        assert body.total == len(body.items) == 249
        assert len({item.code for item in body.items}) == 249

    @pytest.mark.parametrize(
        ("lang", "name"), [("es", "Alemania"), ("en", "Germany"), ("fr", "Allemagne")]
    )
    def test_names_in_the_requested_language(self, client, lang, name):
        response = client.get("/v1/countries", params={"lang": lang})
        names = {item["code"]: item for item in response.json()["items"]}
        assert names["DE"]["name"] == name and names["DE"]["lang"] == lang
        assert response.headers["content-language"] == lang
        assert "Accept-Language" in response.headers["vary"]

    def test_accept_language_header(self, client):
        response = client.get("/v1/countries", headers={"Accept-Language": "fr-CA,fr;q=0.8"})
        names = {item["code"]: item["name"] for item in response.json()["items"]}
        assert names["US"] == "États-Unis"
        assert response.headers["content-language"].startswith("fr")

    def test_sorted_by_localised_name(self, client):
        items = client.get("/v1/countries", params={"lang": "es"}).json()["items"]
        assert [i["code"] for i in items[:3]] == ["AF", "AL", "DE"]

    def test_curated_flag_and_filter(self, client):
        body = client.get("/v1/countries", params={"curated": "true"}).json()
        assert {i["code"] for i in body["items"]} == OAS_MEMBERS
        assert all(i["curated"] for i in body["items"])
        rest = client.get("/v1/countries", params={"curated": "false"}).json()
        assert rest["total"] == 249 - len(OAS_MEMBERS)


class TestGetCountry:
    @pytest.mark.parametrize("code", sorted(OAS_MEMBERS))
    def test_every_section_has_sources_and_review_date(self, client, code):
        response = client.get(f"/v1/countries/{code}")
        assert response.status_code == 200
        body = CountryDetail.model_validate(response.json())
        assert body.curated and body.code == code
        kinds = {s.kind.value for s in body.sections}
        assert kinds >= MINIMUM_KINDS
        if code in ROUTE_COUNTRIES:
            assert kinds == CURATED_KINDS
        for section in body.sections:
            assert section.sources, section.kind
            assert all(
                s.url.startswith("https://") and s.title and s.publisher for s in section.sources
            )
            assert dt.date(2020, 1, 1) <= section.last_reviewed <= dt.date.today()
            assert section.body and section.title
            if section.sample:
                # In the answer's language (the default, es): "to verify" is "por verificar".
                assert section.note and section.note.startswith("por verificar")
        assert body.emergency_numbers and body.currencies and body.official_languages

    @pytest.mark.parametrize("code", sorted(ROUTE_COUNTRIES))
    @pytest.mark.parametrize("lang", ["es", "en", "fr"])
    def test_route_countries_are_translated(self, client, code, lang):
        body = client.get(f"/v1/countries/{code}", params={"lang": lang}).json()
        assert {s["lang"] for s in body["sections"]} == {lang}
        assert not any(s["lang_fallback"] for s in body["sections"])
        assert set(body["languages_available"]) >= {"es", "en", "fr"}

    def test_lowercase_code_is_accepted(self, client):
        response = client.get("/v1/countries/cr")
        assert response.status_code == 200 and response.json()["code"] == "CR"

    def test_emergency_numbers(self, client):
        body = client.get("/v1/countries/CO", params={"lang": "en"}).json()
        numbers = {n["number"]: n for n in body["emergency_numbers"]}
        assert numbers["123"]["service"] == "general" and numbers["123"]["label"] == "Emergencies"
        us = client.get("/v1/countries/US").json()["emergency_numbers"]
        hotline = next(n for n in us if n["service"] == "trafficking")
        assert hotline["dial"] == "18883737888"

    def test_uncurated_country_still_answers(self, client):
        body = client.get("/v1/countries/DE", params={"lang": "fr"}).json()
        assert body["name"] == "Allemagne" and body["curated"] is False
        assert body["sections"] == [] and body["currencies"][0]["code"] == "EUR"
        assert body["official_languages"][0] == {"tag": "de", "name": "allemand"}

    def test_falls_back_per_field_and_says_so(self, client):
        body = client.get("/v1/countries/MX", params={"lang": "pt"}).json()
        asylum = next(s for s in body["sections"] if s["kind"] == "asylum")
        assert asylum["lang"] == "es" and asylum["lang_fallback"] is True
        assert body["name"] == "México" and body["lang"] == "pt"

    def test_currency_section_is_written_from_cldr(self, client):
        body = client.get("/v1/countries/HT", params={"lang": "fr"}).json()
        section = next(s for s in body["sections"] if s["kind"] == "currency_and_languages")
        assert "gourde" in section["body"] and "créole haïtien" in section["body"]
        assert "cldr.unicode.org" in section["sources"][0]["url"]


def test_openapi_documents_each_operation(client):
    spec = client.get("/openapi.json").json()
    operations = {
        "/v1/countries": "listCountries",
        "/v1/countries/{code}": "getCountry",
        "/v1/countries/{code}/entry": "getCountryEntryForNationality",
        "/v1/where": "locatePoint",
    }
    for path, op_id in operations.items():
        operation = spec["paths"][path]["get"]
        assert operation["operationId"] == op_id and operation["summary"]
        for parameter in operation.get("parameters", []):
            if parameter["name"] in {"code", "nationality", "lat", "lon"}:
                assert parameter.get("examples") or parameter["schema"].get("examples")


def test_routers_do_not_import_sqlalchemy():
    import ast
    import inspect

    from app.countries import router
    from app.where import router as where_router

    tree = ast.parse(inspect.getsource(router) + inspect.getsource(where_router))
    modules = [
        getattr(node, "module", None) or node.names[0].name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not any(m and m.startswith("sqlalchemy") for m in modules)


class TestNotesInTheAnswersLanguage:
    """A section's note ("to verify: ...") comes in the language of the text it goes with;
    the bare marker of sample content in the answer's language."""

    @pytest.mark.parametrize(
        ("lang", "prefix"), [("es", "por verificar"), ("en", "to verify"), ("fr", "à vérifier")]
    )
    def test_section_notes_follow_the_section(self, client, lang, prefix):
        for code in sorted(ROUTE_COUNTRIES):
            body = client.get(f"/v1/countries/{code}", params={"lang": lang}).json()
            for section in body["sections"]:
                if section["sample"]:
                    assert section["note"].startswith(prefix), (code, section["kind"])
            for number in body["emergency_numbers"]:
                if number.get("note") and number["sample"]:
                    assert number["note"].startswith(prefix), (code, number)

    def test_a_detailed_note_is_translated(self, client):
        spanish = client.get("/v1/countries/PA").json()
        notes = {s["kind"]: s.get("note") for s in spanish["sections"]}
        english = client.get("/v1/countries/PA", params={"lang": "en"}).json()
        english_notes = {s["kind"]: s.get("note") for s in english["sections"]}
        translated = [k for k, v in english_notes.items() if v and v.startswith("to verify: ")]
        assert translated, english_notes
        for kind in translated:
            assert notes[kind].startswith("por verificar: ") and notes[kind] != english_notes[kind]

    def test_a_note_nobody_translated_is_shown_as_written(self, client):
        # Portuguese falls back to Spanish texts, and their Spanish notes.
        body = client.get("/v1/countries/PA", params={"lang": "pt"}).json()
        for section in body["sections"]:
            if section["sample"]:
                assert section["lang"] == "es" and section["note"].startswith("por verificar")


class TestContentLanguage:
    """``Content-Language`` lists the languages the answer is written in, any BCP 47 tag."""

    def test_country_names_in_arabic(self, client):
        response = client.get("/v1/countries", params={"lang": "ar"})
        body = response.json()
        assert body["lang"] == "ar" and {i["lang"] for i in body["items"]} == {"ar"}
        assert response.headers["content-language"] == "ar"
        assert "Accept-Language" in response.headers["vary"]

    def test_a_country_in_arabic_names_arabic_then_the_fallback(self, client):
        response = client.get("/v1/countries/CO", params={"lang": "ar"})
        body = response.json()
        assert body["lang"] == "ar"
        assert {s["lang"] for s in body["sections"]} == {"es"}
        assert all(s["lang_fallback"] for s in body["sections"])
        assert response.headers["content-language"] == "ar, es"

    def test_nothing_asked_and_default_served_is_no_fallback(self, client):
        body = client.get("/v1/countries/CO").json()
        assert {s["lang"] for s in body["sections"]} == {"es"}
        assert not any(s["lang_fallback"] for s in body["sections"])

    def test_where_lists_the_names_and_the_labels_languages(self, client):
        response = client.get("/v1/where", params={"lat": 8.52, "lon": -82.80, "lang": "ar"})
        body = response.json()
        assert body["country"]["lang"] == "ar" and body["lang"] == "es"
        assert response.headers["content-language"] == "ar, es"
