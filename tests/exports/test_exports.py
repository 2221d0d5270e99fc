"""``GET /v1/exports/{format}``: published data for all, drafts for their organisation's staff."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.accounts.helpers import make_staff
from tests.factories import make_organization, make_point
from tests.hsds.validation import assert_valid


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _ids(response: Any, fmt: str) -> set[str]:
    if fmt == "csv":
        return {r["id"] for r in _csv(response.text)}
    if fmt == "geojson":
        return {f["id"] for f in response.json()["features"]}
    return {s["id"] for s in response.json()}


class TestContent:
    def test_each_format_streams_the_published_points(self, client, db):
        org = make_organization(db)
        published = make_point(db, org)
        draft = make_point(db, org, status="draft")
        for fmt, media in (
            ("csv", "text/csv"),
            ("geojson", "application/geo+json"),
            ("hsds", "application/json"),
        ):
            response = client.get(f"/v1/exports/{fmt}")
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith(media)
            assert "attachment" in response.headers["content-disposition"]
            ids = _ids(response, fmt)
            assert published.public_id in ids and draft.public_id not in ids
            assert len(ids) > 100  # the seed's points too

    def test_csv_neutralises_formulas_and_keeps_numbers(self, client, db):
        org = make_organization(db)
        point = make_point(
            db,
            org,
            translations={
                "es": {
                    "name": '=HYPERLINK("http://evil.example","pulse")',
                    "description": "@SUM(A1)",
                },
                "en": {"name": "-2 is not a formula here", "address": "+1 street\tname"},
            },
            phones=["+573001234567"],
        )
        response = client.get("/v1/exports/csv", params={"organization": org.slug})
        assert response.text.startswith("\ufeff")
        (row,) = _csv(response.text)
        assert row["id"] == point.public_id
        assert row["name:es"] == '\'=HYPERLINK("http://evil.example","pulse")'
        assert row["description:es"] == "'@SUM(A1)"
        assert row["name:en"] == "'-2 is not a formula here"
        assert row["address:en"] == "'+1 street\tname"
        assert row["phones"] == "'+573001234567"
        assert row["lon"] == "-76.7821"  # a plain number stays a number
        assert row["categories"] == "shelter"

    def test_geojson_features(self, client, db):
        org = make_organization(db)
        point = make_point(db, org, audiences=["children"], spoken_languages=["es", "en"])
        body = client.get("/v1/exports/geojson", params={"organization": org.slug}).json()
        assert body["type"] == "FeatureCollection"
        (feature,) = body["features"]
        assert feature["id"] == point.public_id
        assert feature["geometry"] == {"type": "Point", "coordinates": [point.lon, point.lat]}
        props = feature["properties"]
        assert props["translations"]["en"]["name"] == "Test shelter"
        assert props["audiences"] == ["children"] and props["organization"] == org.slug

    def test_hsds_services_validate_and_follow_lang(self, client, db):
        org = make_organization(db)
        make_point(db, org)
        response = client.get("/v1/exports/hsds", params={"lang": "en"})
        services = response.json()
        for service in services:
            assert_valid(service, "compiled/service_with_definitions.json")
        ours = [s for s in services if s["organization_id"] == org.id]
        assert [s["name"] for s in ours] == ["Test shelter"]
        default = client.get("/v1/exports/hsds", params={"organization": org.slug}).json()
        assert [s["name"] for s in default] == ["Albergue de prueba"]  # its own language

    def test_filters(self, client, db):
        org = make_organization(db)
        make_point(db, org)
        make_point(db, org, lat=9.0, lon=-79.5, country="PA")
        by_country = client.get(
            "/v1/exports/geojson", params={"organization": org.slug, "country": "pa"}
        )
        assert [f["properties"]["country"] for f in by_country.json()["features"]] == ["PA"]


class TestDrafts:
    def test_staff_export_their_organisations_drafts_only(self, client, db):
        org, other = make_organization(db), make_organization(db)
        mine = make_point(db, org, status="draft")
        theirs = make_point(db, other, status="draft")
        staff = make_staff(db, client.app.state.settings, role="translator", organization=org)
        response = client.get(
            "/v1/exports/csv", params={"include_drafts": "true"}, headers=staff.headers
        )
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        ids = _ids(response, "csv")
        assert mine.public_id in ids and theirs.public_id not in ids

    def test_drafts_need_a_valid_credential(self, client, db):
        for headers in (
            {},
            {"Authorization": "Bearer nope"},
            {"Authorization": "Basic abc"},
            {"X-API-Key": "x"},
        ):
            response = client.get(
                "/v1/exports/csv", params={"include_drafts": "true"}, headers=headers
            )
            assert response.status_code == 401, headers
            assert response.headers["content-type"].startswith("application/problem+json")


class TestBadInput:
    def test_each_bad_parameter_is_named(self, client):
        cases = [
            ("/v1/exports/xlsx", {}, 422, "format"),
            ("/v1/exports/csv", {"country": "XX"}, 422, "country"),
            ("/v1/exports/csv", {"country": "COL"}, 422, "country"),
            ("/v1/exports/hsds", {"lang": "zz-not"}, 422, "lang"),
            ("/v1/exports/csv", {"include_drafts": "maybe"}, 422, "include_drafts"),
        ]
        for path, params, status, name in cases:
            response = client.get(path, params=params)
            assert response.status_code == status, (path, params, response.text)
            assert response.json()["errors"][0]["name"] == name
        unknown = client.get("/v1/exports/csv", params={"organization": "no-such-org"})
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
