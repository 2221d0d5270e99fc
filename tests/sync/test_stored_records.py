"""Sync pages and bundles served from the stored offline records equal, byte for byte, the
pages rendered from the points (the path taken for a point without a stored record), for
the seed and a generated data set, every language and several sets of them, snapshots,
deltas and bundles; and their signatures verify."""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.documents import building
from app.documents.models import PointDocument
from app.organizations.models import Organization
from app.service_points import offline, writing
from app.service_points.inputs import ServicePointUpdate, TranslationInput
from app.service_points.models import (
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.service_points.visibility import searchable
from app.sync.models import SyncBundle
from bench.data import generate, organisations
from tests.factories import make_organization, make_point
from tests.sync.helpers import verify_page

# When a bundle was built (to the second) differs between two builds; nothing else may.
_BUILT = re.compile(rb'"generated_at":"[^"]*","expires_at":"[^"]*"')


def _language_sets(client: TestClient) -> list[str]:
    tags = [lang["tag"] for lang in client.get("/v1/languages").json()]
    return [*tags, "*", "fr,es", "en,ht", "pt,en,fr"]


def _countries(db: Session) -> list[str]:
    found = db.scalars(select(ServicePoint.country).where(searchable()).distinct())
    return sorted(found)


def _pages(client: TestClient, params: dict[str, Any], headers: dict[str, str]) -> list[bytes]:
    """Every page of a snapshot, signatures verified."""
    out: list[bytes] = []
    query = dict(params)
    while True:
        response = client.get("/v1/sync", params=query, headers=headers)
        assert response.status_code == 200, response.text
        verify_page(client, response)
        out.append(response.content)
        page = orjson.loads(response.content)
        if not page["more"]:
            return out
        query["since"] = page["cursor"]


def _bundle(client: TestClient, db: Session, country: str, lang: str) -> bytes:
    db.execute(delete(SyncBundle))  # built again, from what is stored now
    response = client.get(f"/v1/bundles/{country}", params={"lang": lang})
    assert response.status_code == 200, response.text
    verify_page(client, response)
    return _BUILT.sub(b"", response.content)


def _forget_stored(db: Session) -> int:
    """Delete the stored offline records: pages are rendered from the points."""
    gone = db.execute(delete(PointDocument).where(PointDocument.view == building.OFFLINE_VIEW))
    db.flush()
    return int(gone.rowcount)


def _assert_same_pages(
    client: TestClient, db: Session, requests: list[tuple[dict[str, Any], dict[str, str]]]
) -> None:
    stored = [_pages(client, params, headers) for params, headers in requests]
    assert _forget_stored(db) > 0
    rendered = [_pages(client, params, headers) for params, headers in requests]
    for request, new, old in zip(requests, stored, rendered, strict=True):
        assert new == old, request


def test_snapshots_and_bundles_of_the_seed_equal_the_rendered_ones(
    client: TestClient, db: Session
) -> None:
    requests: list[tuple[dict[str, Any], dict[str, str]]] = []
    for lang in _language_sets(client):
        for country in _countries(db):
            requests.append(({"country": country, "lang": lang, "limit": 40}, {}))
        requests.append(({"bbox": "-80,5,-70,12", "lang": lang, "limit": 25}, {}))
    for header in ("fr", "en-US, es;q=0.5", "ht", "ar"):
        requests.append(({"country": "CO"}, {"Accept-Language": header}))
    bundles = [("CO", "*"), ("MX", "fr,es"), ("PA", "en")]
    new = [_bundle(client, db, country, lang) for country, lang in bundles]
    _assert_same_pages(client, db, requests)
    old = [_bundle(client, db, country, lang) for country, lang in bundles]
    assert new == old


def test_deltas_equal_the_rendered_ones(client: TestClient, db: Session) -> None:
    org = make_organization(db)
    texts = {"es": {"name": "Albergue"}, "fr": {"name": "Foyer"}, "ht": {"name": "Kay"}}
    points = [make_point(db, org, translations=texts) for _ in range(3)]
    cursors = {}
    for lang in ("es", "fr", "ht", "*", "en,fr"):
        first = client.get("/v1/sync", params={"country": "CO", "lang": lang, "limit": 2000})
        cursors[lang] = first.json()["cursor"]
    writing.put_translation(db, points[0], "en", TranslationInput(name="Shelter"))
    writing.update_point(db, points[2], ServicePointUpdate(locality="Turbo"))
    writing.soft_delete(db, points[1])
    requests = [({"country": "CO", "lang": lang, "since": c}, {}) for lang, c in cursors.items()]
    _assert_same_pages(client, db, requests)


def _load_generated(db: Session, count: int) -> list[int]:
    """``count`` points of the benchmark's generator, written as its loader writes them,
    then their documents as an import batch writes them."""
    slugs = [slug for slug, _ in organisations()]
    existing = dict(db.execute(select(Organization.slug, Organization.id)).all())
    for slug, name in organisations():
        if slug not in existing:
            db.add(Organization(slug=slug, name=name, is_sample=True))
    db.flush()
    ids = dict(db.execute(select(Organization.slug, Organization.id)).all())
    first = int(db.scalar(select(func.coalesce(func.max(ServicePoint.id), 0))) or 0) + 1
    points, texts, categories, audiences, spoken = [], [], [], [], []
    for p in generate(count, seed=2026, first_id=first):
        points.append(
            {
                "id": p.id,
                "public_id": p.public_id,
                "external_id": p.external_id,
                "organization_id": ids[slugs[p.organization]],
                "lat": p.lat,
                "lon": p.lon,
                "public_lat": p.lat,
                "public_lon": p.lon,
                "country": p.country,
                "locality": p.locality,
                "timezone": p.timezone,
                "phones": list(p.phones),
                "email": p.email,
                "website": p.website,
                "whatsapp": p.whatsapp,
                "opening_hours": p.opening_hours,
                "free": p.free,
                "status": p.status,
                "original_language": p.original_language,
                "source_title": "Rumbo benchmark data set",
                "source_publisher": "Rumbo",
                "is_sample": True,
                "last_verified_at": p.last_verified_at,
                "verified_by_organization_id": ids[slugs[p.verified_by]]
                if p.verified_by is not None
                else None,
                "search_text": p.search_text,
                "created_at": p.updated_at,
                "updated_at": p.updated_at,
                "version": 1,
            }
        )
        texts.extend({"point_id": p.id, "lang": lang, **t} for lang, t in p.translations.items())
        categories.extend(
            {"point_id": p.id, "category_code": c, "position": i}
            for i, c in enumerate(p.categories)
        )
        audiences.extend({"point_id": p.id, "audience_code": a} for a in p.audiences)
        spoken.extend({"point_id": p.id, "lang": lang} for lang in p.spoken_languages)
    for model, rows in (
        (ServicePoint, points),
        (ServicePointTranslation, texts),
        (ServicePointCategory, categories),
        (ServicePointAudience, audiences),
        (ServicePointLanguage, spoken),
    ):
        if rows:
            db.execute(insert(model.__table__), rows)  # type: ignore[arg-type]
    loaded = [row["id"] for row in points]
    building.refresh(db, point_ids=loaded)
    db.flush()
    return loaded


def test_snapshots_of_generated_data_equal_the_rendered_ones(
    client: TestClient, db: Session
) -> None:
    ids = _load_generated(db, 600)
    countries = sorted(
        set(db.scalars(select(ServicePoint.country).where(ServicePoint.id.in_(ids))))
    )
    assert len(countries) > 3
    requests: list[tuple[dict[str, Any], dict[str, str]]] = []
    for lang in ("es", "en", "fr", "pt", "ht", "*", "fr,en", "en,pt,es"):
        for country in countries:
            requests.append(({"country": country, "lang": lang, "limit": 150}, {}))
        requests.append(({"bbox": "-92.5,14.5,-91.5,15.5", "lang": lang}, {}))
    _assert_same_pages(client, db, requests)


def test_a_fragment_dumps_as_the_records_it_holds() -> None:
    records = [{"code": "a", "texts": {"es": {"name": "x", "d": None}}, "order": None}]
    assert offline.dump({"x": offline.fragment(records)}) == offline.dump({"x": records})
    assert offline.dump({"x": offline.fragment([]), "y": 1}) == b'{"y":1}'
