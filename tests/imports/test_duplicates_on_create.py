"""Likely duplicates on create: the staff write API reports them (the same check imports use)."""

from __future__ import annotations

from app.exchange import checks
from tests.factories import make_point, point_payload
from tests.imports.helpers import editor


def test_creating_a_point_reports_likely_duplicates(client, db):
    headers, org = editor(client, db)
    existing = make_point(
        db, org, translations={"es": {"name": "Comedor Popular Santa Marta"}}, categories=["food"]
    )
    near = point_payload(
        lat=existing.lat + 0.0002,  # ~22 m north
        categories=["food"],
        translations={"es": {"name": "Comedor popular de Santa Marta"}},
    )
    response = client.post("/v1/points", json=near, headers=headers)
    assert response.status_code == 201, response.text
    (duplicate,) = response.json()["possible_duplicates"]
    assert duplicate["point_id"] == existing.public_id
    assert 15 < duplicate["distance_m"] < 30 and duplicate["similarity"] >= 85

    elsewhere = point_payload(
        lat=existing.lat + 0.01, categories=["food"], translations=near["translations"]
    )
    other_kind = point_payload(
        lat=existing.lat, categories=["water"], translations=near["translations"]
    )
    for body in (elsewhere, other_kind):
        created = client.post("/v1/points", json=body, headers=headers)
        assert created.status_code == 201, created.text
        assert "possible_duplicates" not in created.json()


def test_names_are_compared_in_every_language(db, client):
    _, org = editor(client, db)
    existing = make_point(
        db,
        org,
        categories=["legal_aid"],
        translations={"es": {"name": "Asesoría jurídica"}, "en": {"name": "Legal advice desk"}},
    )
    found = checks.find_possible_duplicates(
        db,
        lat=existing.lat,
        lon=existing.lon,
        categories=["legal_aid"],
        names=["Bureau d'aide", "Legal Advice Desk"],
        organization_id=org.id,
    )
    assert [(d.point_id, d.name) for d in found] == [(existing.public_id, "Legal advice desk")]
    assert checks.find_possible_duplicates(
        db, lat=existing.lat, lon=existing.lon, categories=["legal_aid"], names=["Clínica dental"],
        organization_id=org.id,
    ) == []  # fmt: skip
