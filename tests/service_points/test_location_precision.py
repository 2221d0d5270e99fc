"""Location precision: approximate and hidden points never give their exact place away.

Every public read path (search near/viewport/text, detail, GeoJSON, summary, exports, sync,
bundles, HSDS) is walked for each precision, searching the response body for the exact
coordinates' digits and the street address; staff of other organisations get nothing;
staff of the owning organisation see the exact place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.geo.sphere import haversine_m
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate
from app.service_points.models import ServicePoint, ServicePointAudience, ServicePointCategory
from app.service_points.precision import CELL_REACH_M, snap_to_grid
from tests.accounts.helpers import make_staff
from tests.factories import make_organization, make_point

# A remote spot (Guainía, Colombia) no seed point is near; the point sits well off its
# grid cell's centre, so the exact digits differ from the centre's from the third decimal.
CELL = snap_to_grid(2.1234, -68.4321)
EXACT = (round(CELL[0] + 0.0031, 7), round(CELL[1] - 0.0033, 7))
NAME = "Casa Refugio Zenaida"
ADDRESS = "Carrera Escondida 4417"
PRECISIONS = ("exact", "approximate", "hidden")


def _digits(value: float) -> list[str]:
    """The ways a body could carry ``value``: 6, 5 and 4 decimals (rounded or cut)."""
    text = repr(value)
    whole, _, decimals = text.partition(".")
    out = {text}
    for n in (6, 5, 4):
        out.add(f"{value:.{n}f}")
        out.add(f"{whole}.{decimals[:n]}")
    return sorted(out)


def _leaks(body: str) -> list[str]:
    found = [d for d in (*_digits(EXACT[0]), *_digits(EXACT[1])) if d in body]
    if ADDRESS in body:
        found.append(ADDRESS)
    return found


def _make(db: Session, precision: str) -> ServicePoint:
    org = make_organization(db)
    point = make_point(
        db,
        org,
        lat=EXACT[0],
        lon=EXACT[1],
        country="CO",
        locality="Inírida",
        location_precision=precision,
        translations={"es": {"name": NAME, "address": ADDRESS}},
    )
    db.commit()
    return point


def _all_sync_pages(client: TestClient) -> str:
    bodies, query = [], {"country": "CO", "lang": "*"}
    for _ in range(100):
        response = client.get("/v1/sync", params=query)
        assert response.status_code == 200, response.text
        bodies.append(response.text)
        page = response.json()
        if not page["more"]:
            return "\n".join(bodies)
        query["since"] = page["cursor"]
    raise AssertionError("sync did not end")


def _get(client: TestClient, url: str, **params: Any) -> Callable[[ServicePoint], str]:
    def read(point: ServicePoint) -> str:
        response = client.get(url.format(id=point.public_id), params=params)
        assert response.status_code == 200, response.text
        return response.text

    return read


def _geojson(client: TestClient, url: str, **params: Any) -> Callable[[ServicePoint], str]:
    def read(point: ServicePoint) -> str:
        response = client.get(
            url.format(id=point.public_id),
            params=params,
            headers={"Accept": "application/geo+json"},
        )
        assert response.status_code == 200, response.text
        return response.text

    return read


NEAR = f"{CELL[0] + 0.01},{CELL[1] + 0.01}"
BBOX = f"{CELL[1] - 0.05},{CELL[0] - 0.05},{CELL[1] + 0.05},{CELL[0] + 0.05}"
READ_PATHS: dict[str, Callable[[TestClient], Callable[[ServicePoint], str]]] = {
    "search near": lambda c: _get(c, "/v1/points", near=NEAR, radius=20000),
    "search near summary": lambda c: _get(c, "/v1/points", near=NEAR, view="summary"),
    "search viewport": lambda c: _get(c, "/v1/points", bbox=BBOX),
    "search text": lambda c: _get(c, "/v1/points", q="Zenaida"),
    "search geojson": lambda c: _geojson(c, "/v1/points", near=NEAR),
    "detail": lambda c: _get(c, "/v1/points/{id}"),
    "detail geojson": lambda c: _geojson(c, "/v1/points/{id}"),
    "export csv": lambda c: _get(c, "/v1/exports/csv"),
    "export geojson": lambda c: _get(c, "/v1/exports/geojson"),
    "export hsds": lambda c: _get(c, "/v1/exports/hsds"),
    "sync": lambda c: lambda point: _all_sync_pages(c),
    "bundle": lambda c: _get(c, "/v1/bundles/CO", lang="*"),
    "hsds services": lambda c: _get(c, "/hsds/services", full="true", search="Zenaida"),
    "hsds service": lambda c: _get(c, "/hsds/services/{id}"),
    "hsds service_at_locations": lambda c: _get(
        c, "/hsds/service_at_locations", full="true", search="Zenaida"
    ),
    "hsds service_at_location": lambda c: _get(c, "/hsds/service_at_locations/{id}"),
}


@pytest.mark.parametrize("path", list(READ_PATHS))
@pytest.mark.parametrize("precision", PRECISIONS)
def test_no_public_read_path_gives_the_exact_place_away(client, db, path, precision):
    point = _make(db, precision)
    body = READ_PATHS[path](client)(point)
    leaks = _leaks(body)
    if precision == "exact":
        # The control: the exact point is found by this read path, digits and all (the
        # summary and the HSDS summaries carry no address).
        assert any(d in body for d in _digits(EXACT[0])), f"{path} does not show the point"
    else:
        assert leaks == [], f"{path} shows {leaks} of a {precision} point"
    spatial = path in ("search near", "search near summary", "search viewport", "search geojson")
    if precision == "hidden" and spatial:
        assert point.public_id not in body, f"{path} returns a hidden point"
    else:  # the point is there, so the absence of its digits means something
        assert point.public_id in body, f"{path} does not return the point"


def test_hidden_points_are_listed_by_text_without_a_place(client, db):
    point = _make(db, "hidden")
    (item,) = client.get("/v1/points", params={"q": "Zenaida"}).json()["items"]
    assert item["id"] == point.public_id
    assert item["location_precision"] == "hidden"
    assert "location" not in item and "address" not in item
    assert item["locality"] == "Inírida" and item["country"] == "CO"
    feature = client.get(
        f"/v1/points/{point.public_id}", headers={"Accept": "application/geo+json"}
    ).json()
    assert feature["geometry"] is None
    hsds = client.get(f"/hsds/services/{point.public_id}").json()
    (sal,) = hsds["service_at_locations"]
    assert "latitude" not in sal["location"] and "longitude" not in sal["location"]


def test_approximate_points_show_their_cell_and_a_distance_range(client, db):
    point = _make(db, "approximate")
    near = (CELL[0] + 0.02, CELL[1])
    page = client.get("/v1/points", params={"near": f"{near[0]},{near[1]}"}).json()
    item = next(i for i in page["items"] if i["id"] == point.public_id)
    assert item["location"] == {"lat": CELL[0], "lon": CELL[1]}
    assert item["location_precision"] == "approximate"
    assert item["distance_m"] % 100 == 0
    low, high = item["distance_range_m"]
    assert low <= haversine_m(*near, *EXACT) <= high
    assert high - low <= 2 * CELL_REACH_M + 200


def _probe(client: TestClient, centres: list[tuple[float, float]]) -> list[Any]:
    """What many near searches from different centres tell about the points near them."""
    out = []
    for lat, lon in centres:
        page = client.get(
            "/v1/points", params={"near": f"{lat},{lon}", "radius": 50000, "limit": 5}
        ).json()
        out.append(
            [
                (i["id"], i.get("location"), i["distance_m"], i.get("distance_range_m"))
                for i in page["items"]
            ]
        )
    return out


def test_many_near_queries_cannot_place_an_approximate_point_inside_its_cell(client, db):
    """Trilateration: the answers to 36 near searches from centres all around are the same
    wherever the point lies inside its grid cell, so no number of them locates it more
    precisely than the cell."""
    point = _make(db, "approximate")
    org = make_organization(db)
    # An exact neighbour 1.5 km away: the ranking against it must not move either.
    make_point(db, org, lat=CELL[0], lon=CELL[1] + 0.0135, country="CO")
    db.commit()
    centres = [
        (CELL[0] + dlat, CELL[1] + dlon)
        for dlat in (-0.02, -0.007, -0.001, 0.001, 0.007, 0.02)
        for dlon in (-0.02, -0.007, -0.001, 0.001, 0.007, 0.02)
    ]
    before = _probe(client, centres)
    # Move the point to the opposite corner of the same cell.
    moved = (round(CELL[0] - 0.0038, 7), round(CELL[1] + 0.0039, 7))
    assert snap_to_grid(*moved) == CELL
    writing.update_point(
        db, db.get(ServicePoint, point.id), ServicePointUpdate(lat=moved[0], lon=moved[1])
    )
    db.commit()
    after = _probe(client, centres)
    assert before == after
    # And the answers are true: each range holds the real distance, wherever it was.
    for (lat, lon), page in zip(centres, after, strict=True):
        (_, _, _, (low, high)) = next(i for i in page if i[0] == point.public_id)
        assert low <= haversine_m(lat, lon, *moved) <= high
        assert low <= haversine_m(lat, lon, *EXACT) <= high


def test_staff_of_the_owning_organisation_see_the_exact_place(client, db):
    point = _make(db, "hidden")
    settings = client.app.state.settings
    owner = make_staff(db, settings, organization=point.organization)
    other = make_staff(db, settings)
    db.commit()
    mine = client.get(f"/v1/staff/points/{point.public_id}", headers=owner.headers)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["location"] == {"lat": EXACT[0], "lon": EXACT[1]}
    assert body["location_precision"] == "hidden"
    assert body["translations"]["es"]["address"] == ADDRESS
    theirs = client.get(f"/v1/staff/points/{point.public_id}", headers=other.headers)
    assert theirs.status_code == 404
    assert _leaks(theirs.text) == []
    listing = client.get("/v1/staff/points", headers=other.headers, params={"limit": 200})
    assert point.public_id not in listing.text and _leaks(listing.text) == []
    # A staff export shows the exact place of its own points only.
    for headers, shows in ((owner.headers, True), (other.headers, False)):
        export = client.get(
            "/v1/exports/geojson",
            params={"include_drafts": "true", "organization": point.organization.slug},
            headers=headers,
        )
        assert export.status_code == 200, export.text
        assert bool(_leaks(export.text)) is shows


def test_staff_set_the_precision_with_an_audit_trail(client, db):
    org = make_organization(db)
    staff = make_staff(db, client.app.state.settings, organization=org)
    db.commit()
    created = client.post(
        "/v1/points",
        json={
            "lat": EXACT[0],
            "lon": EXACT[1],
            "country": "CO",
            "categories": ["shelter"],
            "original_language": "es",
            "status": "published",
            "translations": {"es": {"name": NAME, "address": ADDRESS}},
        },
        headers=staff.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["location_precision"] == "exact"
    point_id, etag = created.json()["id"], created.headers["ETag"]
    bad = client.patch(
        f"/v1/points/{point_id}",
        json={"location_precision": "blurry"},
        headers={**staff.headers, "If-Match": etag},
    )
    assert bad.status_code == 422
    assert "location_precision" in bad.text
    changed = client.patch(
        f"/v1/points/{point_id}",
        json={"location_precision": "approximate"},
        headers={**staff.headers, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["location"] == {"lat": EXACT[0], "lon": EXACT[1]}
    public = client.get(f"/v1/points/{point_id}").json()
    assert public["location"] == {"lat": CELL[0], "lon": CELL[1]}
    assert "address" not in public
    history = client.get(f"/v1/points/{point_id}/history", headers=staff.headers).json()
    changes = [
        e["changes"]["location_precision"] for e in history["items"] if e["action"] == "update"
    ]
    assert changes == [["exact", "approximate"]]
    # The street no longer finds it: the search document leaves the address out.
    assert point_id not in client.get("/v1/points", params={"q": "Escondida"}).text


def test_csv_round_trips_the_precision(client, db):
    point = _make(db, "approximate")
    owner = make_staff(db, client.app.state.settings, organization=point.organization)
    db.commit()
    text = client.get(
        "/v1/exports/csv",
        params={"organization": point.organization.slug, "include_drafts": "true"},
        headers=owner.headers,
    ).text
    header, row = text.removeprefix("\ufeff").splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=False))
    assert values["location_precision"] == "approximate"
    assert json.loads(values["lat"]) == EXACT[0]


def test_seeded_shelters_for_women_children_or_lgbti_people_are_approximate(client, db):
    sensitive = (
        select(ServicePoint)
        .join(ServicePointCategory)
        .join(ServicePointAudience)
        .where(
            ServicePointCategory.category_code == "shelter",
            ServicePointAudience.audience_code.in_(
                ("women", "children", "lgbtiq", "unaccompanied_minors")
            ),
            ServicePoint.external_id.is_not(None),
        )
    )
    seeded = set(db.scalars(sensitive).unique())
    assert seeded, "the seed has such shelters"
    for point in seeded:
        assert point.location_precision == "approximate", point.external_id
        assert (point.public_lat, point.public_lon) == snap_to_grid(point.lat, point.lon)
        shown = client.get(f"/v1/points/{point.public_id}").json()
        assert shown["location"] == {"lat": point.public_lat, "lon": point.public_lon}


@pytest.mark.parametrize("precision", PRECISIONS)
def test_possible_duplicates_never_locate_another_organisations_hidden_point(client, db, precision):
    """Creating a point beside another organisation's point reports it as a possible
    duplicate with its distance to the centimetre: only when that point is exact."""
    point = _make(db, precision)
    staff = make_staff(db, client.app.state.settings)
    db.commit()
    created = client.post(
        "/v1/points",
        json={
            "lat": EXACT[0] + 0.0001,
            "lon": EXACT[1],
            "country": "CO",
            "categories": ["shelter"],
            "original_language": "es",
            "translations": {"es": {"name": NAME}},
        },
        headers=staff.headers,
    )
    assert created.status_code == 201, created.text
    reported = [d["point_id"] for d in created.json().get("possible_duplicates") or []]
    assert (point.public_id in reported) is (precision == "exact")


def _synced_ids(client: TestClient, bbox: str) -> str:
    response = client.get("/v1/sync", params={"bbox": bbox})
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_map_area_sync_cannot_probe_for_the_exact_place(client, db, precision):
    """A snapshot of a tiny map area around the exact place holds the point only when it
    is exact; around its cell's centre, only when it is not hidden."""
    point = _make(db, precision)
    lat, lon = EXACT
    around_exact = f"{lon - 0.0002},{lat - 0.0002},{lon + 0.0002},{lat + 0.0002}"
    around_cell = f"{CELL[1] - 0.0002},{CELL[0] - 0.0002},{CELL[1] + 0.0002},{CELL[0] + 0.0002}"
    assert (point.public_id in _synced_ids(client, around_exact)) is (precision == "exact")
    assert (point.public_id in _synced_ids(client, around_cell)) is (precision == "approximate")


def test_a_point_made_hidden_leaves_map_area_replicas_and_its_place_leaves_the_others(client, db):
    point = _make(db, "exact")
    lat, lon = EXACT
    area = {"bbox": f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"}
    country = {"country": "CO"}
    cursors = {}
    for name, scope in (("area", area), ("country", country)):
        pages = [client.get("/v1/sync", params=scope).json()]
        while pages[-1]["more"]:
            pages.append(
                client.get("/v1/sync", params={**scope, "since": pages[-1]["cursor"]}).json()
            )
        cursors[name] = pages[-1]["cursor"]
    writing.update_point(
        db, db.get(ServicePoint, point.id), ServicePointUpdate(location_precision="hidden")
    )
    db.commit()
    delta = client.get("/v1/sync", params={**area, "since": cursors["area"]}).json()
    assert point.public_id in json.dumps(delta.get("deleted", []))
    assert _leaks(json.dumps(delta)) == []
    delta = client.get("/v1/sync", params={**country, "since": cursors["country"]}).json()
    (record,) = [r for r in delta["points"] if r["id"] == point.public_id]
    assert record["location_precision"] == "hidden" and "location" not in record
    assert _leaks(json.dumps(delta)) == []
