"""Every filter alone and combined; pagination returns each match exactly once."""

from __future__ import annotations

import itertools

import pytest

from tests.factories import make_organization, make_point
from tests.service_points.helpers import ISOLATED_COUNTRY, all_pages, scratch

BOX = "-61,-71,-59,-69"  # a patch of Antarctica no seed record uses


@pytest.fixture
def varied(connection):
    """Eight points around (-70, -60) with every combination of three attributes."""
    with scratch(connection) as session:
        org = make_organization(session)
        points = {}
        for i, (category, free, lang) in enumerate(
            itertools.product(["shelter", "health_primary"], [True, False], ["ht", "pt"])
        ):
            point = make_point(
                session,
                org,
                lat=-70 + i * 0.01,
                lon=-60 + i * 0.01,
                country=ISOLATED_COUNTRY,
                categories=[category],
                free=free,
                spoken_languages=[lang],
                audiences=["women"] if i % 2 else ["children"],
                translations={
                    "es": {"name": f"Punto {i} {'refugio' if category == 'shelter' else 'clínica'}"}
                },
            )
            points[point.public_id] = {
                "category": category,
                "free": free,
                "lang": lang,
                "audience": "women" if i % 2 else "children",
            }
        session.commit()
        yield points


def _ids(client, **params):
    return {item["id"] for item in all_pages(client, {"country": ISOLATED_COUNTRY, **params})}


def test_each_filter_alone(client, varied):
    assert _ids(client) == set(varied)
    assert _ids(client, category="shelter") == {
        k for k, v in varied.items() if v["category"] == "shelter"
    }
    # A parent category includes its children.
    assert _ids(client, category="health") == {
        k for k, v in varied.items() if v["category"] == "health_primary"
    }
    assert _ids(client, free="true") == {k for k, v in varied.items() if v["free"]}
    assert _ids(client, free="false") == {k for k, v in varied.items() if not v["free"]}
    assert _ids(client, spoken_language="ht") == {k for k, v in varied.items() if v["lang"] == "ht"}
    assert _ids(client, audience="women") == {
        k for k, v in varied.items() if v["audience"] == "women"
    }
    assert _ids(client, bbox=BOX) == set(varied)
    assert _ids(client, q="REFUGIO") == {k for k, v in varied.items() if v["category"] == "shelter"}
    assert _ids(client, near="-70,-60", radius=20000) == set(varied)


def test_filters_combine_with_and_and_values_with_or(client, varied):
    expected = {
        k
        for k, v in varied.items()
        if v["category"] == "shelter" and v["free"] and v["lang"] == "pt"
    }
    assert _ids(client, category="shelter", free="true", spoken_language="pt") == expected
    both = _ids(client, category="shelter,health_primary")
    assert both == set(varied)
    assert _ids(client, category=["shelter", "health"], bbox=BOX, free="false") == {
        k for k, v in varied.items() if not v["free"]
    }


def test_verified_since(client, varied, db):
    assert _ids(client, verified_since="2020-01-01") == set()


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
@pytest.mark.parametrize("mode", [{}, {"bbox": BOX}, {"near": "-70,-60", "radius": 20000}])
def test_pagination_returns_each_point_once(client, varied, limit, mode):
    items = all_pages(client, {"country": ISOLATED_COUNTRY, "limit": limit, **mode})
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == len(varied)


def test_cursor_cannot_be_replayed_on_another_query(client, varied):
    first = client.get("/v1/points", params={"country": ISOLATED_COUNTRY, "limit": 2}).json()
    response = client.get(
        "/v1/points",
        params={
            "country": ISOLATED_COUNTRY,
            "limit": 2,
            "free": "true",
            "cursor": first["next_cursor"],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "cursor"


def test_bbox_across_the_antimeridian(client, connection):
    with scratch(connection) as session:
        org = make_organization(session)
        east = make_point(session, org, lat=-16.5, lon=179.5, country=ISOLATED_COUNTRY)
        west = make_point(session, org, lat=-16.5, lon=-179.5, country=ISOLATED_COUNTRY)
        make_point(session, org, lat=-16.5, lon=170.0, country=ISOLATED_COUNTRY)
        session.commit()
        found = _ids(client, bbox="179,-17,-179,-16")
        assert found == {east.public_id, west.public_id}


def test_closed_and_draft_points(client, connection):
    with scratch(connection) as session:
        org = make_organization(session)
        temp = make_point(
            session, org, lat=-75, lon=10, country=ISOLATED_COUNTRY, status="temporarily_closed"
        )
        gone = make_point(
            session, org, lat=-75, lon=10.01, country=ISOLATED_COUNTRY, status="permanently_closed"
        )
        draft = make_point(
            session, org, lat=-75, lon=10.02, country=ISOLATED_COUNTRY, status="draft"
        )
        session.commit()
        # Search shows temporarily closed points (flagged), not permanently closed or drafts.
        assert _ids(client) == {temp.public_id}
        assert client.get(f"/v1/points/{gone.public_id}").json()["status"] == "permanently_closed"
        assert client.get(f"/v1/points/{draft.public_id}").status_code == 404
