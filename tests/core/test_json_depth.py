"""JSON nested beyond any sensible depth is a 422 naming the place, wherever JSON is read
(API bodies, GeoJSON and HSDS imports), and a time without a zone is a 422 too."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.jsondepth import MAX_DEPTH
from tests.accounts.helpers import make_staff
from tests.factories import make_organization
from tests.imports.helpers import assert_problem, counts, editor, post_import

DEEP = 5_000


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_an_api_key_expiring_at_a_time_without_zone_is_a_422_naming_the_field(
    client: TestClient, db: Session
) -> None:
    org = make_organization(db)
    admin = make_staff(db, client.app.state.settings, role=None, is_admin=True)  # type: ignore[attr-defined]
    response = client.post(
        "/v1/api-keys",
        json={
            "organization": org.slug,
            "role": "editor",
            "name": "sync",
            "expires_at": "2030-01-01T00:00:00",
        },
        headers=admin.headers,
    )
    body = assert_problem(response, 422)
    assert [e["name"] for e in body["errors"]] == ["expires_at"]
    zoned = client.post(
        "/v1/api-keys",
        json={
            "organization": org.slug,
            "role": "editor",
            "name": "sync",
            "expires_at": "2030-01-01T00:00:00-05:00",
        },
        headers=admin.headers,
    )
    assert zoned.status_code == 201, zoned.text
    expires = dt.datetime.fromisoformat(zoned.json()["expires_at"])
    assert expires == dt.datetime(2030, 1, 1, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("content_type", "body", "params"),
    [
        (
            "application/geo+json",
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"geometry": null, "properties": {"x": ' + nested(DEEP) + "}}]}",
            {},
        ),
        ("application/json", '[{"id": "a", "name": "b", "x": ' + nested(DEEP) + "}]", {}),
        (
            "application/json",
            '{"id": "a", "name": "b", "x": ' + nested(DEEP) + "}",
            {"format": "hsds"},
        ),
        # Deep enough for the bound, far from any parser's own limit.
        (
            "application/geo+json",
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"geometry": null, "properties": {"x": ' + nested(MAX_DEPTH) + "}}]}",
            {},
        ),
    ],
    ids=["geojson", "hsds-array", "hsds-object", "geojson-just-over"],
)
def test_deeply_nested_imports_are_refused_and_change_nothing(
    client: TestClient, db: Session, content_type: str, body: str, params: dict[str, str]
) -> None:
    headers, _org = editor(client, db)
    before = counts(db)
    problem = assert_problem(
        post_import(client, headers, body.encode(), content_type, **params), 422
    )
    error = problem["report"]["errors"][0]
    assert error["field"] == "file"
    assert f"nested more than {MAX_DEPTH} levels" in error["detail"]
    assert counts(db) == before


def test_an_import_nested_as_deep_as_allowed_is_read(client: TestClient, db: Session) -> None:
    headers, _org = editor(client, db)
    # The feature itself and its properties take two levels, the collection one.
    deep = nested(MAX_DEPTH - 4)
    body = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
        '{"type": "Point", "coordinates": [-76.78, 8.42]}, "properties": {"external_id": "d-1", '
        '"country": "CO", "categories": ["water"], "name:es": "Agua", "extra": ' + deep + "}}]}"
    )
    response = post_import(client, headers, body.encode(), "application/geo+json")
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 900, DEEP])
def test_deeply_nested_request_bodies_are_a_422(
    client: TestClient, db: Session, levels: int
) -> None:
    admin = make_staff(db, client.app.state.settings, role=None, is_admin=True)  # type: ignore[attr-defined]
    body = '{"organization": ' + nested(levels) + ', "role": "editor", "name": "x"}'
    response = client.post(
        "/v1/api-keys",
        content=body,
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["name"] == "body"
    assert str(MAX_DEPTH) in problem["errors"][0]["detail"]
    # The same bound on the public feedback endpoint, whose parser has its own.
    feedback = client.post(
        "/v1/points/1/feedback",
        content='{"tags": ' + nested(levels) + "}",
        headers={"Content-Type": "application/json"},
    )
    assert assert_problem(feedback, 422)["errors"][0]["name"] == "body"


def test_brackets_inside_strings_do_not_count(client: TestClient, db: Session) -> None:
    org = make_organization(db)
    admin = make_staff(db, client.app.state.settings, role=None, is_admin=True)  # type: ignore[attr-defined]
    response = client.post(
        "/v1/api-keys",
        json={"organization": org.slug, "role": "editor", "name": "[" * 150 + '"{\\'},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
