"""The dashboard and the list of points: counts, search, filters, sorting, bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.service_points import writing
from app.service_points.models import PointStatus
from tests.console.helpers import staff
from tests.factories import make_organization, make_point


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/console/points/[0-9a-f-]{36}">([^<]+)</a>', page)


@pytest.fixture
def mine(console: TestClient, db: Session):
    org = make_organization(db, name="Mi ONG")
    staff(console, db, organization=org)
    points = {
        "zeta": make_point(
            db,
            org,
            status="draft",
            translations={"es": {"name": "Zeta comedor"}},
            categories=["food"],
        ),
        "alfa": make_point(
            db,
            org,
            status="published",
            translations={"es": {"name": "Alfa albergue"}, "fr": {"name": "Alpha abri"}},
        ),
        "beta": make_point(
            db,
            org,
            status="published",
            country="PA",
            translations={"es": {"name": "Beta salud"}},
            categories=["health"],
        ),
    }
    writing.verify(db, points["beta"], organization_id=org.id)
    writing.set_status(db, points["zeta"], PointStatus.draft)
    other = make_organization(db)
    make_point(db, other, status="draft", translations={"es": {"name": "Ajeno borrador"}})
    db.flush()
    return points


def test_dashboard_counts_only_my_organisation(console: TestClient, mine):
    page = console.get("/console/")
    assert page.status_code == 200
    text = page.text
    assert "Mi ONG" in text
    assert re.search(r'status=draft">.*?</span><span class="n">1</span></a>', text, re.S)
    assert re.search(r'status=published">.*?</span><span class="n">2</span></a>', text, re.S)
    # Stale: published and never verified (alfa); beta was verified just now.
    assert re.search(r"Puntos sin verificar</h2>\s*<p class=\"big\">1</p>", text)
    # Missing French: zeta and beta (alfa has it).
    assert re.search(r'<a href="/console/points\?missing=fr">2</a>', text)
    assert "Requiere el rol de moderador" in text


def test_search_filters_and_sorting(console: TestClient, mine):
    assert _names(console.get("/console/points", params={"sort": "name"}).text) == [
        "Alfa albergue",
        "Beta salud",
        "Zeta comedor",
    ]
    assert _names(console.get("/console/points", params={"q": "ALBERGUE"}).text) == [
        "Alfa albergue"
    ]
    assert _names(console.get("/console/points", params={"q": "abri"}).text) == ["Alfa albergue"]
    assert _names(console.get("/console/points", params={"status": "draft"}).text) == [
        "Zeta comedor"
    ]
    assert _names(console.get("/console/points", params={"country": "pa"}).text) == ["Beta salud"]
    assert _names(console.get("/console/points", params={"category": "food"}).text) == [
        "Zeta comedor"
    ]
    assert _names(
        console.get("/console/points", params={"missing": "fr", "sort": "name"}).text
    ) == [
        "Beta salud",
        "Zeta comedor",
    ]
    assert _names(console.get("/console/points", params={"stale": "true"}).text) == [
        "Alfa albergue"
    ]
    verified_first = _names(console.get("/console/points", params={"sort": "verified"}).text)
    assert verified_first[-1] == "Beta salud"
    status_sorted = _names(console.get("/console/points", params={"sort": "status"}).text)
    assert status_sorted[0] == "Zeta comedor"
    assert (
        "Ajeno borrador"
        not in console.get("/console/points", params={"q": "ajeno"}).text.split("</form>", 2)[-1]
    )


def test_pages(console: TestClient, db: Session):
    org = make_organization(db)
    staff(console, db, organization=org)
    for i in range(27):
        make_point(db, org, translations={"es": {"name": f"Punto {i:02d}"}})
    db.flush()
    first = console.get("/console/points", params={"sort": "name"})
    assert len(_names(first.text)) == 25 and 'rel="next"' in first.text
    second = console.get("/console/points", params={"sort": "name", "page": 2})
    assert _names(second.text) == ["Punto 25", "Punto 26"] and 'rel="prev"' in second.text
    assert "sort=name" in re.search(r'rel="prev" href="([^"]+)"', second.text).group(1)
    beyond = console.get("/console/points", params={"page": 50})
    assert beyond.status_code == 200 and _names(beyond.text) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"sort": "price"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"country": "ZZ"}, "country"),
        ({"category": "Not A Code"}, "category"),
        ({"missing": "1x!"}, "missing"),
        ({"q": "x" * 201}, "q"),
        ({"stale": "perhaps"}, "stale"),
        ({"organization": "not-mine"}, "organization"),
    ],
)
def test_bad_filters_are_422_pages_naming_the_field(
    console: TestClient, db: Session, params, field
):
    staff(console, db)
    response = console.get("/console/points", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert re.search(rf"<li>{field}\b", response.text), response.text


def test_admins_see_every_organisation(console: TestClient, db: Session):
    a, b = make_organization(db, name="Org A"), make_organization(db, name="Org B")
    make_point(db, a, translations={"es": {"name": "Punto de A"}})
    make_point(db, b, translations={"es": {"name": "Punto de B"}})
    db.flush()
    staff(console, db, role=None, is_admin=True)
    page = console.get("/console/points", params={"q": "punto de"})
    assert {"Punto de A", "Punto de B"} <= set(_names(page.text))
    only_b = console.get("/console/points", params={"q": "punto de", "organization": b.slug})
    assert _names(only_b.text) == ["Punto de B"]


def test_people_without_a_role_see_an_empty_console(console: TestClient, db: Session):
    staff(console, db, role=None)
    page = console.get("/console/")
    assert page.status_code == 200 and "no tiene un rol" in page.text
    assert _names(console.get("/console/points").text) == []


def test_stale_dates_follow_the_setting(console: TestClient, db: Session, mine):
    beta = mine["beta"]
    beta.last_verified_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    db.flush()
    assert set(_names(console.get("/console/points", params={"stale": "true"}).text)) == {
        "Alfa albergue",
        "Beta salud",
    }


def test_moderators_see_their_queue_count(console: TestClient, db: Session):
    org = make_organization(db)
    staff(console, db, role=Role.moderator, organization=org)
    page = console.get("/console/")
    assert "Opiniones pendientes" in page.text and "/console/moderation" in page.text
