"""GeoJSON imports: FeatureCollections read feature by feature, broken files named precisely."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.imports.helpers import assert_problem, editor, error_fields, points_of, post_import

GEOJSON = "application/geo+json"


def feature(i: int = 0, **properties: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "external_id": f"gj-{uuid.uuid4().hex[:8]}",
        "status": "published",
        "country": "CO",
        "categories": ["water"],
        "original_language": "es",
        "translations": {
            "es": {"name": f"Punto de agua {i}", "description": "Agua potable gratuita"},
            "fr": {"name": f"Point d'eau {i}"},
        },
        "free": True,
    }
    props.update(properties)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-76.7838, 8.4262 + 0.01 * i]},
        "properties": props,
    }


def collection(*features: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", **extra, "features": list(features)}).encode()


def test_features_become_points(client, db):
    headers, org = editor(client, db)
    flat = feature(1)
    flat["properties"] = {
        "external_id": "flat-1",
        "country": "co",
        "categories": "water; hygiene",
        "name:es": "Duchas",
        "Name:EN": "Showers",
        "comment": "internal note",
    }
    response = post_import(client, headers, collection(feature(0), flat, name="Agua"), GEOJSON)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["format"], report["created"]) == ("geojson", 2)
    assert report["ignored"] == ["comment"]
    nested, plain = points_of(db, org)
    assert {t.lang: t.name for t in nested.translations} == {
        "es": "Punto de agua 0",
        "fr": "Point d'eau 0",
    }
    assert nested.free is True and nested.lat == 8.4262 and nested.lon == -76.7838
    assert plain.category_codes == ["water", "hygiene"]
    assert {t.lang for t in plain.translations} == {"es", "en"}
    assert plain.original_language == "es"


def test_feature_ids_are_kept(client, db):
    headers, org = editor(client, db)
    with_uuid = feature(0)
    with_uuid["id"] = str(uuid.uuid4())
    del with_uuid["properties"]["external_id"]
    numbered = feature(1)
    numbered["id"] = 4711
    del numbered["properties"]["external_id"]
    assert post_import(client, headers, collection(with_uuid, numbered), GEOJSON).status_code == 200
    first, second = points_of(db, org)
    assert first.public_id == with_uuid["id"] and first.external_id is None
    assert second.external_id == "4711"


def test_bad_features_are_row_errors(client, db):
    headers, _ = editor(client, db)
    polygon = feature(1)
    polygon["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    no_props = feature(2)
    no_props["properties"] = ["not", "an", "object"]
    string_coords = feature(3)
    string_coords["geometry"]["coordinates"] = ["-76.7", "8.4"]
    body = collection(feature(0), polygon, no_props, string_coords, {"type": "Point"})
    problem = assert_problem(post_import(client, headers, body, GEOJSON), 422)
    assert error_fields(problem) == {
        (2, "geometry"),
        (3, "properties"),
        (4, "geometry"),
        (5, "feature"),
    }


def test_broken_geojson_names_the_feature_where_it_breaks(client, db):
    headers, org = editor(client, db)
    whole = collection(feature(0), feature(1), feature(2))
    broken = whole[: whole.rindex(b'"properties"') + 20]
    problem = assert_problem(post_import(client, headers, broken, GEOJSON), 422)
    (error,) = problem["report"]["errors"]
    assert error["row"] == 3 and "broken GeoJSON" in error["detail"]
    assert points_of(db, org) == []


def test_json_that_is_not_a_feature_collection(client, db):
    headers, _ = editor(client, db)
    single = json.dumps(feature(0)).encode()
    problem = assert_problem(post_import(client, headers, single, GEOJSON, format="geojson"), 422)
    assert "FeatureCollection" in problem["report"]["errors"][0]["detail"]
    not_json = assert_problem(
        post_import(client, headers, b"{nope", GEOJSON, format="geojson"), 422
    )
    assert "broken GeoJSON" in not_json["report"]["errors"][0]["detail"]
