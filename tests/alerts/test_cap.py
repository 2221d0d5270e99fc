"""CAP 1.2 documents (one <info> per language) and the Atom feed, checked against the
OASIS CAP 1.2 XML schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.accounts.helpers import make_staff
from tests.alerts.helpers import create, publish
from tests.factories import make_organization

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "CAP-v1.2-schema.xsd")

AREAS = {
    "polygon": None,  # the helper's default: the Darién box
    "circle": {"type": "Circle", "center": [-79.52, 8.98], "radius_m": 20_000},
    "countries": {"type": "Countries", "countries": ["PA", "CR"]},
    "antimeridian": {
        "type": "Polygon",
        "coordinates": [
            [[179.0, -17.0], [-179.0, -17.0], [-179.0, -16.0], [179.0, -16.0], [179.0, -17.0]]
        ],
    },
}


def _published(client: TestClient, db: Session, **overrides: Any) -> dict[str, Any]:
    org = make_organization(db, name="Cruz Roja de prueba")
    editor = make_staff(db, client.app.state.settings, role=Role.editor, organization=org)  # type: ignore[attr-defined]
    db.commit()
    draft = create(client, editor.headers, **overrides)
    response = publish(client, editor.headers, draft)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("kind", sorted(AREAS))
def test_cap_document_is_valid(client: TestClient, db: Session, kind: str) -> None:
    overrides = {"area": AREAS[kind]} if AREAS[kind] else {}
    alert = _published(client, db, **overrides)
    response = client.get(f"/v1/alerts/{alert['id']}", headers={"Accept": "application/cap+xml"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/cap+xml")
    SCHEMA.validate(response.content)  # raises on any violation
    root = ET.fromstring(response.content)
    assert root.findtext(f"{CAP}identifier") == f"urn:uuid:{alert['id']}"
    assert root.findtext(f"{CAP}status") == "Actual"
    infos = root.findall(f"{CAP}info")
    assert [i.findtext(f"{CAP}language") for i in infos] == ["es", "en"]
    assert infos[1].findtext(f"{CAP}headline") == "River in flood: do not cross"
    # English has no body of its own: it falls back to the original.
    assert infos[1].findtext(f"{CAP}description") == "El río Tuquesa está crecido."
    assert infos[0].findtext(f"{CAP}event") == "Clima y amenaza natural"
    assert infos[0].findtext(f"{CAP}category") == "Met"
    area = infos[0].find(f"{CAP}area")
    assert area is not None
    if kind == "circle":
        assert area.findtext(f"{CAP}circle") == "8.98,-79.52 20"
    if kind == "antimeridian":
        assert len(area.findall(f"{CAP}polygon")) == 2
    codes = [g.findtext(f"{CAP}value") for g in area.findall(f"{CAP}geocode")]
    assert codes == alert["countries"]


def test_sample_alert_is_a_test_message(client: TestClient, db: Session) -> None:
    alert = _published(client, db, is_sample=True)
    response = client.get(f"/v1/alerts/{alert['id']}", headers={"Accept": "application/cap+xml"})
    SCHEMA.validate(response.content)
    assert ET.fromstring(response.content).findtext(f"{CAP}status") == "Test"


def test_atom_feed_of_a_country(client: TestClient, db: Session) -> None:
    in_pa = _published(client, db)
    in_cr = _published(client, db, area={"type": "Countries", "countries": ["CR"]})
    response = client.get("/v1/alerts/feed/pa.atom?lang=en")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert f"urn:uuid:{in_pa['id']}" in ids and f"urn:uuid:{in_cr['id']}" not in ids
    entry = next(
        e for e in feed.findall(f"{ATOM}entry") if in_pa["id"] in e.findtext(f"{ATOM}id", "")
    )
    assert entry.findtext(f"{ATOM}title") == "Moderate: River in flood: do not cross"
    link = entry.find(f"{ATOM}link")
    assert link is not None and link.get("type") == "application/cap+xml"
    # The linked CAP document is valid too.
    path = link.get("href", "").split("://", 1)[1].split("/", 1)[1]
    cap = client.get("/" + path, headers={"Accept": "application/cap+xml"})
    SCHEMA.validate(cap.content)
    assert client.get("/v1/alerts/feed/XX.atom").status_code in (404, 422)


def test_absolute_urls_come_from_the_public_url_not_the_host(
    app: Any, client: TestClient, db: Session
) -> None:
    alert = _published(client, db)
    cap_headers = {"Accept": "application/cap+xml", "Host": "attacker.example"}
    # Development (no public URL): the request's host, and the answer varies with it.
    cap = client.get(f"/v1/alerts/{alert['id']}", headers=cap_headers)
    assert "Host" in cap.headers["Vary"]
    assert ET.fromstring(cap.content).findtext(f"{CAP}sender", "").endswith("@attacker.example")
    saved = app.state.settings
    app.state.settings = saved.model_copy(update={"public_url": "https://rumbo.example.org"})
    try:
        cap = client.get(f"/v1/alerts/{alert['id']}", headers=cap_headers)
        feed = client.get("/v1/alerts/feed/PA.atom", headers={"Host": "attacker.example"})
    finally:
        app.state.settings = saved
    SCHEMA.validate(cap.content)
    assert "attacker.example" not in cap.text and "Host" not in cap.headers["Vary"]
    info = ET.fromstring(cap.content)
    assert info.findtext(f"{CAP}sender", "").endswith("@rumbo.example.org")
    assert feed.status_code == 200 and "attacker.example" not in feed.text
    assert "Host" not in feed.headers["Vary"]
    links = [link.get("href", "") for link in ET.fromstring(feed.content).iter(f"{ATOM}link")]
    assert links and all(h.startswith("https://rumbo.example.org/v1/alerts/") for h in links)
