"""The README's mobile journeys, and the route towns, answered by real (sourced) points on a
freshly seeded database; the open data loaded and checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.exchange.checks import check_country
from app.service_points.models import ServicePoint, ServicePointCategory

NECOCLI = "8.4265,-76.7848"
TAPACHULA = "14.9060,-92.2634"
# A Sunday night in Necoclí and a Monday morning in Tapachula (local time): the journeys do
# not depend on when the tests run.
NECOCLI_NIGHT = "2026-12-06T23:30:00-05:00"
TAPACHULA_MONDAY = "2026-12-07T10:00:00-06:00"

SHELTER = "shelter"
HEALTH = "health"  # a parent category: its children count too
MIGRATION_OR_LEGAL = "migration_office,asylum_office,legal_aid"

# Route towns (lat, lon, country) and what a published source says operates within 30 km,
# in the same country. Towns where no source was found for a need are listed in
# seed/README.md ("Route coverage") and are not asserted here.
ROUTE: dict[str, tuple[float, float, str, tuple[str, ...]]] = {
    "Necoclí": (8.4265, -76.7848, "CO", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Bajo Chiquito (Darién)": (8.08, -77.53, "PA", (HEALTH, MIGRATION_OR_LEGAL)),
    "Panama City": (8.98, -79.52, "PA", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Paso Canoas": (8.53, -82.84, "CR", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "San José": (9.93, -84.08, "CR", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Peñas Blancas": (11.215, -85.61, "CR", (MIGRATION_OR_LEGAL,)),
    "Tegucigalpa": (14.08, -87.21, "HN", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Danlí": (14.03, -86.58, "HN", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Trojes": (14.06, -85.99, "HN", (MIGRATION_OR_LEGAL,)),
    "Esquipulas": (14.56, -89.35, "GT", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Tecún Umán": (14.67, -92.14, "GT", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Tapachula": (14.906, -92.263, "MX", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Mexico City": (19.43, -99.13, "MX", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Monterrey": (25.67, -100.31, "MX", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Reynosa": (26.08, -98.29, "MX", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Ciudad Juárez": (31.69, -106.42, "MX", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
    "Tijuana": (32.52, -117.03, "MX", (SHELTER, HEALTH, MIGRATION_OR_LEGAL)),
}


def _sourced(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Published points that come from a published source (not sample data)."""
    return [i for i in items if i["status"] == "published" and i["source"]["sample"] is False]


def _search(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/points", params={"limit": 50, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_necocli_has_a_sourced_shelter_open_at_night(client: TestClient) -> None:
    items = _search(
        client, near=NECOCLI, radius=25_000, category=SHELTER, open_now="true", at=NECOCLI_NIGHT
    )
    sourced = _sourced(items)
    assert sourced, items
    for item in sourced:
        assert item["open_now"] is True
        assert item["country"] == "CO"
        assert item["source"]["url"].startswith("https://")


def test_shelters_within_500_km_of_necocli_in_colombia_and_panama(client: TestClient) -> None:
    """The issue's reproduction: this search was empty."""
    items = _sourced(_search(client, near=NECOCLI, radius=500_000, category=SHELTER))
    assert {"CO", "PA"} <= {i["country"] for i in items}


@pytest.mark.parametrize("lang", ["fr", "ht"])
def test_tapachula_in_french_and_haitian_creole(client: TestClient, lang: str) -> None:
    items = _sourced(
        _search(client, near=TAPACHULA, radius=25_000, category="shelter,health", lang=lang)
    )
    served = [i for i in items if i["lang"] == lang]
    assert served, [i["lang"] for i in items]
    for item in served:
        assert item["lang_fallback"] is False
        assert item["name"]
        assert {"shelter", "health", "health_primary", "health_mental"} & set(item["categories"])
    # Asked in Haitian Creole, a shelter answers in Haitian Creole.
    if lang == "ht":
        assert any("shelter" in i["categories"] for i in served)


def test_tapachula_shelter_or_health_open_on_a_weekday(client: TestClient) -> None:
    """The README's second example, at a fixed Monday morning."""
    items = _search(
        client,
        near=TAPACHULA,
        radius=25_000,
        category="shelter,health",
        open_now="true",
        at=TAPACHULA_MONDAY,
    )
    sourced = _sourced(items)
    assert sourced and all(i["open_now"] is True for i in sourced)


@pytest.mark.parametrize("town", sorted(ROUTE))
def test_route_town_has_sourced_services(client: TestClient, town: str) -> None:
    lat, lon, country, needs = ROUTE[town]
    for category in needs:
        items = _sourced(
            _search(client, near=f"{lat},{lon}", radius=30_000, category=category, country=country)
        )
        assert items, f"{town}: no sourced {category} within 30 km"


def test_no_seeded_point_is_verified_and_staleness_follows_the_source_date(
    client: TestClient,
) -> None:
    """Nobody verified the seed: ``last_verified_at`` is empty everywhere, and a published
    point is stale exactly when its source's as-of date (if any) is older than 180 days."""
    today = dt.datetime.now(dt.UTC)
    seen = 0
    for country in ("CO", "PA", "CR", "NI", "HN", "GT", "MX"):
        query: dict[str, Any] = {"country": country, "limit": 200}
        for _ in range(100):
            body = client.get("/v1/points", params=query).json()
            for item in body["items"]:
                seen += 1
                assert "last_verified_at" not in item["verification"], item["id"]
                as_of = item["source"].get("as_of")
                expected = item["status"] == "published" and (
                    as_of is None
                    or today - dt.datetime.fromisoformat(as_of).replace(tzinfo=dt.UTC)
                    > dt.timedelta(days=180)
                )
                assert item["verification"]["stale"] is expected, item
            if not body.get("next_cursor"):
                break
            query["cursor"] = body["next_cursor"]
    assert seen > 1_000


def test_source_dates_are_in_the_past_and_shown(db: Session) -> None:
    """Seeded sources carry the date their facts are as of, never a future one."""
    dates = list(
        db.scalars(select(ServicePoint.source_as_of).where(ServicePoint.source_as_of.is_not(None)))
    )
    assert len(dates) > 2_500  # every Wikidata record, and the dated hand-authored sources
    assert max(dates) <= dt.datetime.now(dt.UTC).date()


def _count(db: Session, category: str) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(ServicePointCategory)
            .where(ServicePointCategory.category_code == category)
        )
        or 0
    )


def test_embassies_and_consulates_of_the_americas_are_loaded(
    client: TestClient, db: Session
) -> None:
    assert 1_400 <= _count(db, "consulate") <= 1_500
    # In every country of the Americas the extract covers, the US and Canada included.
    for country in ("US", "CA", "BR", "AR", "MX", "PA", "HT", "CU"):
        items = _search(client, category="consulate", country=country)
        assert items, country
        assert all(i["source"]["url"].startswith("https://www.wikidata.org/wiki/Q") for i in items)
        assert all(i["source"]["publisher"] == "Wikidata (CC0)" for i in items)


def test_hospitals_of_mexico_and_the_route_are_loaded(client: TestClient, db: Session) -> None:
    hospitals = db.scalar(
        select(func.count()).select_from(ServicePoint).where(ServicePoint.external_id.like("wd-%"))
    )
    assert hospitals is not None and hospitals - _count(db, "consulate") >= 1_400
    items = _search(client, near="19.43,-99.13", radius=10_000, category="health", country="MX")
    wikidata = [i for i in items if i["source"]["publisher"] == "Wikidata (CC0)"]
    assert wikidata
    assert all(i["source"]["as_of"] == "2024-08-10" for i in wikidata)


def test_every_seeded_point_passes_the_country_check(db: Session) -> None:
    rows = db.execute(
        select(ServicePoint.external_id, ServicePoint.lat, ServicePoint.lon, ServicePoint.country)
    ).all()
    assert len(rows) > 3_000
    failing = [r.external_id for r in rows if not check_country(r.lat, r.lon, r.country).ok]
    assert failing == []
