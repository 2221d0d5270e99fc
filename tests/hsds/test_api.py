"""The HSDS 3.1 read API: every response checked against the official (strict) schemas."""

from __future__ import annotations

import json

import pytest

from app.hsds import ids
from tests.factories import make_organization, make_point
from tests.hsds.validation import assert_page, assert_valid


def _attribute_codes(service, taxonomy):
    return sorted(
        a["taxonomy_term"]["code"]
        for a in service["attributes"]
        if a["taxonomy_term"]["taxonomy"] == taxonomy
    )


class TestRoot:
    def test_root_names_version_profile_and_openapi(self, client):
        body = client.get("/hsds/").json()
        assert body["version"] == "3.1"
        assert body["profile"].endswith("/hsds/profile")
        openapi = client.get(body["openapi_url"])
        assert openapi.status_code == 200
        document = openapi.json()
        assert document["openapi"] == "3.1.0" and document["info"]["version"] == "3.1"
        assert "post" not in document["paths"]["/services"]
        profile = client.get(body["profile"]).json()
        assert {t["name"] for t in profile["taxonomies"]} == set(ids.TAXONOMIES)

    def test_every_schema_the_openapi_names_is_served(self, client):
        document = client.get("/hsds/openapi.json").json()
        urls = {ref for ref in _refs(document) if ref.startswith("http")}
        assert urls and all("/hsds/schemas/" in u for u in urls)
        for url in urls:
            response = client.get(url.removeprefix("http://testserver"))
            assert response.status_code == 200, url
            assert "properties" in response.json()
        assert client.get("/hsds/schemas/compiled/nope.json").status_code == 404
        assert client.get("/hsds/schemas/other/service.json").status_code == 404


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


class TestServices:
    def test_list_pages_and_items_validate(self, client, db):
        body = client.get("/hsds/services", params={"per_page": 7, "page": 2}).json()
        assert_page(body, "compiled/service_list.json")
        assert body["page_number"] == 2 and body["size"] == 7
        assert body["total_pages"] == -(-body["total_items"] // 7)
        assert not body["first_page"] and not body["last_page"]
        last = client.get(
            "/hsds/services", params={"per_page": 7, "page": body["total_pages"]}
        ).json()
        assert last["last_page"] and last["size"] >= 1
        beyond = client.get("/hsds/services", params={"page": 10_000}).json()
        assert beyond["empty"] and beyond["contents"] == []

    def test_full_and_minimal_lists(self, client):
        full = client.get("/hsds/services", params={"full": "true", "per_page": 20}).json()
        assert_page(full, "compiled/service_with_definitions.json")
        minimal = client.get("/hsds/services", params={"minimal": "true", "per_page": 5}).json()
        assert all(set(s) == {"id", "name", "status", "last_modified"} for s in minimal["contents"])
        assert_page(minimal, "compiled/service_list.json")

    def test_one_service_fully_nested(self, client, db):
        org = make_organization(db)
        point = make_point(
            db,
            org,
            audiences=["children"],
            spoken_languages=["es", "fr"],
            phones=["+573001234567"],
            whatsapp="+573009998877",
            opening_hours="Mo-Fr 08:00-17:00; Sa 09:00-12:00",
            source={"title": "Censo", "url": "https://example.org/censo"},
            external_id="ext-77",
            translations={
                "es": {
                    "name": "Albergue",
                    "description": "Cupos",
                    "documents_required": "Ninguno",
                    "accessibility": "Rampa",
                },
                "en": {"name": "Shelter"},
            },
        )
        response = client.get(f"/hsds/services/{point.public_id}", params={"lang": "en"})
        assert response.status_code == 200
        # The body's languages: English, and Spanish for the fields that fell back.
        assert response.headers["content-language"] == "en, es"
        service = response.json()
        assert_valid(service, "compiled/service_with_definitions.json")
        assert service["id"] == point.public_id and service["name"] == "Shelter"
        assert service["description"] == "Cupos"  # per-field fallback to Spanish
        assert service["status"] == "active" and service["organization"]["id"] == org.id
        sal = service["service_at_locations"][0]
        assert sal["id"] == point.public_id
        assert (sal["location"]["latitude"], sal["location"]["longitude"]) == (point.lat, point.lon)
        assert sal["location"]["addresses"][0]["country"] == "CO"
        assert sal["location"]["accessibility"][0]["description"] == "Rampa"
        assert [(p["number"], p["type"]) for p in service["phones"]] == [
            ("+573001234567", "voice"),
            ("+573009998877", "text"),
        ]
        assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in service["schedules"]] == [
            ("MO,TU,WE,TH,FR", "08:00", "17:00"),
            ("SA", "09:00", "12:00"),
        ]
        assert sorted(lang["code"] for lang in service["languages"]) == ["es", "fr"]
        assert service["cost_options"][0]["amount"] == 0
        assert service["required_documents"][0]["document"] == "Ninguno"
        assert _attribute_codes(service, ids.CATEGORIES_TAXONOMY) == ["shelter"]
        assert _attribute_codes(service, ids.AUDIENCES_TAXONOMY) == ["children"]
        fields = {
            a["taxonomy_term"]["code"]: a["value"]
            for a in service["attributes"]
            if a["taxonomy_term"]["taxonomy"] == ids.FIELDS_TAXONOMY
        }
        assert fields == {
            "external_id": "ext-77",
            "original_language": "es",
            "source_title": "Censo",
            "source_url": "https://example.org/censo",
        }
        texts = {
            (a["label"], a["taxonomy_term"]["code"]): a["value"]
            for a in service["attributes"]
            if a["taxonomy_term"]["taxonomy"] == ids.TRANSLATIONS_TAXONOMY
        }
        assert texts[("en", "name")] == "Shelter" and texts[("es", "accessibility")] == "Rampa"
        same = client.get(f"/hsds/services/{point.public_id}", params={"lang": "en"}).json()
        assert same == service  # derived ids are stable

    def test_drafts_and_unknown_ids_are_not_found(self, client, db):
        org = make_organization(db)
        draft = make_point(db, org, status="draft")
        for path in (
            f"/hsds/services/{draft.public_id}",
            f"/hsds/service_at_locations/{draft.public_id}",
            "/hsds/services/4bd1c6a0-0000-4000-8000-000000000000",
            "/hsds/services/not-a-uuid",
            f"/hsds/organizations/{org.id}",  # no public point yet
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("application/problem+json")

    def test_filters(self, client, db):
        org = make_organization(db)
        shelter = make_point(db, org, categories=["health_mental"], audiences=["women"])
        other = make_point(db, org, categories=["food"])
        mental = ids.term_id(ids.CATEGORIES_TAXONOMY, "health_mental")
        health = ids.term_id(ids.CATEGORIES_TAXONOMY, "health")

        def found(**params):
            body = client.get("/hsds/services", params={"per_page": 200, **params}).json()
            assert_page(body, "compiled/service_list.json")
            return {s["id"] for s in body["contents"]}

        mine = found(organization_id=org.id)
        assert mine == {shelter.public_id, other.public_id}
        # Within this organisation: the seed has more health points than a page holds.
        assert found(taxonomy_term_id=mental, organization_id=org.id) == {shelter.public_id}
        # A parent finds its children.
        assert found(taxonomy_term_id=health, organization_id=org.id) == {shelter.public_id}
        women = ids.term_id(ids.AUDIENCES_TAXONOMY, "women")
        assert found(taxonomy_term_id=women, organization_id=org.id) == {shelter.public_id}
        audiences = ids.taxonomy_id(ids.AUDIENCES_TAXONOMY)
        assert found(taxonomy_id=audiences, organization_id=org.id) == {shelter.public_id}
        assert found(taxonomy_term_id="4bd1c6a0-0000-4000-8000-000000000000") == set()
        assert found(organization_id=org.id, modified_after="2999-01-01T00:00:00Z") == set()
        assert found(organization_id=org.id, modified_after="2000-01-01T00:00:00") == mine
        assert shelter.public_id in found(search="albergue prueba", organization_id=org.id)

    def test_ndjson_streams_every_result(self, client):
        paged = client.get("/hsds/services", params={"per_page": 1}).json()
        response = client.get("/hsds/services", params={"format": "ndjson"})
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert len(lines) == paged["total_items"]
        for line in lines[:30]:
            assert_valid(line, "compiled/service_list.json")


class TestServiceAtLocations:
    def test_list_and_one(self, client, db):
        body = client.get("/hsds/service_at_locations", params={"per_page": 5}).json()
        assert_page(body, "compiled/service_at_location_list.json")
        full = client.get(
            "/hsds/service_at_locations", params={"per_page": 5, "full": "true"}
        ).json()
        assert_page(full, "compiled/service_at_location.json")
        one = client.get(f"/hsds/service_at_locations/{body['contents'][0]['id']}").json()
        assert_valid(one, "compiled/service_at_location.json")
        assert one["service"]["id"] == one["id"] == one["service_id"]

    def test_postcode_searches_are_not_offered(self, client):
        for name in ("postcode", "proximity"):
            response = client.get("/hsds/service_at_locations", params={name: "1000"})
            assert response.status_code == 422
            assert response.json()["errors"][0]["name"] == name


class TestOrganizations:
    def test_list_and_one_with_services(self, client, db):
        org = make_organization(db, name="Casa del Migrante Zorro")
        point = make_point(db, org)
        body = client.get("/hsds/organizations", params={"search": "zorro"}).json()
        assert_page(body, "compiled/organization_list.json")
        assert [o["id"] for o in body["contents"]] == [org.id]
        one = client.get(f"/hsds/organizations/{org.id}").json()
        assert_valid(one, "compiled/organization.json")
        assert [s["id"] for s in one["services"]] == [point.public_id]
        full = client.get(f"/hsds/organizations/{org.id}", params={"full_service": "true"}).json()
        assert_valid(full, "compiled/organization.json")
        assert full["services"][0]["service_at_locations"][0]["id"] == point.public_id

    def test_ndjson_lists_every_organisation(self, client):
        paged = client.get("/hsds/organizations", params={"per_page": 1}).json()
        lines = client.get("/hsds/organizations", params={"format": "ndjson"}).text.splitlines()
        assert len(lines) == paged["total_items"] > 1


class TestTaxonomies:
    def test_taxonomies(self, client):
        body = client.get("/hsds/taxonomies").json()
        assert_page(body, "entities/taxonomy.json")
        assert body["total_items"] == len(ids.TAXONOMIES)
        one = client.get(f"/hsds/taxonomies/{body['contents'][0]['id']}").json()
        assert_valid(one, "entities/taxonomy.json")
        assert (
            client.get("/hsds/taxonomies/4bd1c6a0-0000-4000-8000-000000000000").status_code == 404
        )

    def test_terms_in_the_requested_language(self, client):
        categories = ids.taxonomy_id(ids.CATEGORIES_TAXONOMY)
        body = client.get(
            "/hsds/taxonomy_terms",
            params={"taxonomy_id": categories, "top_only": "true", "per_page": 100, "lang": "fr"},
        ).json()
        assert_page(body, "entities/taxonomy_term.json")
        names = {t["code"]: t["name"] for t in body["contents"]}
        assert names["shelter"] == "Hébergement"
        assert "health_primary" not in names  # not a top-level term
        health = ids.term_id(ids.CATEGORIES_TAXONOMY, "health")
        children = client.get("/hsds/taxonomy_terms", params={"parent_id": health}).json()
        assert {t["code"] for t in children["contents"]} >= {"health_primary", "health_mental"}
        one = client.get(f"/hsds/taxonomy_terms/{health}").json()
        assert_valid(one, "entities/taxonomy_term.json")
        assert one["taxonomy_detail"]["id"] == categories


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/hsds/services", {"page": "0"}, "page"),
        ("/hsds/services", {"per_page": "5000"}, "per_page"),
        ("/hsds/services", {"per_page": "x"}, "per_page"),
        ("/hsds/services", {"format": "xml"}, "format"),
        ("/hsds/services", {"taxonomy_term_id": "x"}, "taxonomy_term_id"),
        ("/hsds/services", {"organization_id": "'; drop table"}, "organization_id"),
        ("/hsds/services", {"modified_after": "yesterday"}, "modified_after"),
        ("/hsds/services", {"search": "!!!"}, "search"),
        ("/hsds/services", {"full": "perhaps"}, "full"),
        ("/hsds/services", {"lang": "xx-nope-nope"}, "lang"),
        ("/hsds/organizations", {"search": "?"}, "search"),
        ("/hsds/taxonomy_terms", {"top_only": "maybe"}, "top_only"),
    ],
)
def test_bad_parameters_are_named(client, path, params, name):
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["name"] == name


def test_content_language_names_the_languages_served(client, db):
    org = make_organization(db)
    arabic = make_point(
        db,
        org,
        original_language="ar",
        translations={"ar": {"name": "ملجأ"}},
        country="AQ",
        lat=-72,
        lon=20,
    )
    response = client.get(f"/hsds/services/{arabic.public_id}", params={"lang": "fr"})
    assert response.status_code == 200 and response.json()["name"] == "ملجأ"
    assert response.headers["content-language"] == "ar"
    assert "Accept-Language" in response.headers["vary"]
    sal = client.get(f"/hsds/service_at_locations/{arabic.public_id}", params={"lang": "ar"})
    assert sal.headers["content-language"] == "ar"
