"""An alert's lifecycle through the API: draft, translate, publish (two-person rule),
cancel; the permissions matrix; every step audited; bad input is 422 problem+json."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.alerts.models import Alert
from app.audit.models import AuditEvent
from tests.accounts.helpers import make_api_key, make_staff
from tests.alerts.helpers import DARIEN, alert_body, create, iso, publish
from tests.factories import make_organization


def _staff(client: TestClient, db: Session, role: Any, org: Any = None, **kw: Any) -> Any:
    return make_staff(db, client.app.state.settings, role=role, organization=org, **kw)  # type: ignore[attr-defined]


def _events(db: Session, public_id: str) -> list[str]:
    rows = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "alert", AuditEvent.entity_id == public_id)
        .order_by(AuditEvent.id)
    )
    return list(rows)


def test_lifecycle_draft_translate_publish_cancel(client: TestClient, db: Session) -> None:
    org = make_organization(db)
    editor = _staff(client, db, Role.editor, org)
    translator = _staff(client, db, Role.translator, org)
    db.commit()

    draft = create(client, editor.headers)
    assert draft["status"] == "draft" and draft["state"] == "draft"
    assert draft["countries"] == ["CO", "PA"]
    assert not draft["needs_second_person"]
    # Drafts are not public.
    assert client.get(f"/v1/alerts/{draft['id']}").status_code == 404

    # A translator adds French (any BCP 47 tag is accepted).
    response = client.put(
        f"/v1/alerts/{draft['id']}/translations/fr",
        json={"title": "Rivière en crue : ne pas traverser"},
        headers={**translator.headers, "If-Match": draft["etag"]},
    )
    assert response.status_code == 201, response.text
    translated = response.json()
    assert sorted(translated["translations"]) == ["en", "es", "fr"]
    # The old ETag is stale now.
    assert publish(client, editor.headers, draft).status_code == 412
    response = publish(client, editor.headers, translated)
    assert response.status_code == 200, response.text
    published = response.json()
    assert published["status"] == "published" and published["state"] == "active"

    public = client.get(f"/v1/alerts/{draft['id']}?lang=fr").json()
    assert public["title"] == "Rivière en crue : ne pas traverser"
    # Per-field fallback: the body only exists in Spanish.
    assert public["lang"] == "fr" and public["body"] == "El río Tuquesa está crecido."
    assert public["field_lang"] == {"body": "es", "instructions": "es"}
    assert public["category_label"] == "Météo et risque naturel"
    assert public["source"] == {"url": "https://example.org/boletin/123", "sample": False}

    # A published alert keeps its content; expires may change.
    response = client.patch(
        f"/v1/alerts/{draft['id']}",
        json={"severity": "Minor"},
        headers={**editor.headers, "If-Match": published["etag"]},
    )
    assert response.status_code == 409
    response = client.patch(
        f"/v1/alerts/{draft['id']}",
        json={"expires": iso(dt.timedelta(days=3))},
        headers={**editor.headers, "If-Match": published["etag"]},
    )
    assert response.status_code == 200, response.text
    extended = response.json()

    response = client.post(
        f"/v1/alerts/{draft['id']}/cancel",
        json={"reason": "el río bajó"},
        headers={**editor.headers, "If-Match": extended["etag"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    gone = client.get(f"/v1/alerts/{draft['id']}")
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["state"] == "cancelled"
    assert draft["id"] not in [a["id"] for a in client.get("/v1/alerts?country=PA").json()["items"]]

    assert _events(db, draft["id"]) == ["create", "translation.put", "publish", "update", "cancel"]
    cancel = db.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == draft["id"], AuditEvent.action == "cancel")
    ).one()
    assert cancel.changes["status"] == ["published", "cancelled"]
    assert cancel.changes["reason"] == [None, "el río bajó"]


def test_two_person_rule_for_severe_alerts(client: TestClient, db: Session) -> None:
    org = make_organization(db)
    author = _staff(client, db, Role.editor, org)
    colleague = _staff(client, db, Role.editor, org)
    outsider = _staff(client, db, Role.editor)  # editor of another organisation
    admin = _staff(client, db, None, is_admin=True)
    _, key_headers = make_api_key(db, org, Role.editor)
    db.commit()

    draft = create(client, author.headers, severity="Severe")
    assert draft["needs_second_person"]
    refused = publish(client, author.headers, draft)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "two-person"
    assert publish(client, key_headers, draft).status_code == 403
    assert publish(client, outsider.headers, draft).status_code == 404

    # The colleague edits it: now the colleague is an author too, and may not publish it.
    edited = client.patch(
        f"/v1/alerts/{draft['id']}",
        json={"severity": "Extreme"},
        headers={**colleague.headers, "If-Match": draft["etag"]},
    ).json()
    assert publish(client, colleague.headers, edited).status_code == 403
    # A platform admin who wrote nothing may.
    response = publish(client, admin.headers, edited)
    assert response.status_code == 200, response.text
    assert db.scalars(select(Alert.published_by).where(Alert.public_id == draft["id"])).one() == (
        admin.user.id
    )

    # Moderate: the author publishes alone.
    moderate = create(client, author.headers)
    assert publish(client, author.headers, moderate).status_code == 200


@pytest.mark.parametrize(
    ("role", "create_status", "translate_status", "publish_status"),
    [
        ("org_admin", 201, 201, 200),
        ("editor", 201, 201, 200),
        ("translator", 403, 201, 403),
        ("moderator", 403, 403, 403),
        ("other_editor", 404, 404, 404),
        ("no_role", 404, 404, 404),
    ],
)
def test_permissions(
    client: TestClient,
    db: Session,
    role: str,
    create_status: int,
    translate_status: int,
    publish_status: int,
) -> None:
    org = make_organization(db)
    owner = _staff(client, db, Role.editor, org)
    if role == "other_editor":
        who = _staff(client, db, Role.editor)
    elif role == "no_role":
        who = _staff(client, db, None)
    else:
        who = _staff(client, db, Role.admin if role == "org_admin" else Role(role), org)
    db.commit()
    draft = create(client, owner.headers)

    response = client.post(
        f"/v1/alerts?organization={org.slug}", json=alert_body(), headers=who.headers
    )
    assert response.status_code == create_status, response.text
    response = client.put(
        f"/v1/alerts/{draft['id']}/translations/pt-BR",
        json={"title": "Rio cheio"},
        headers={**who.headers, "If-Match": draft["etag"]},
    )
    assert response.status_code == translate_status, response.text
    current = client.get(f"/v1/staff/alerts/{draft['id']}", headers=owner.headers).json()
    assert publish(client, who.headers, current).status_code == publish_status
    # Refused writes changed nothing.
    expected = ["create"]
    if translate_status == 201:
        expected.append("translation.put")
    if publish_status == 200:
        expected.append("publish")
    assert _events(db, draft["id"]) == expected
    assert client.post("/v1/alerts", json=alert_body()).status_code == 401


def _pointers(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e.get("pointer") or e["name"] for e in response.json()["errors"]]


def test_bad_input(client: TestClient, db: Session) -> None:
    editor = _staff(client, db, Role.editor)
    db.commit()
    h = editor.headers
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    response = client.post(
        "/v1/alerts", json=alert_body(area={"type": "Polygon", "coordinates": [bowtie]}), headers=h
    )
    assert _pointers(response) == ["/area/coordinates"]
    assert "Self-intersection" in response.json()["errors"][0]["detail"]

    huge = [[-120, -50], [-30, -50], [-30, 30], [-120, 30], [-120, -50]]
    response = client.post(
        "/v1/alerts", json=alert_body(area={"type": "Polygon", "coordinates": [huge]}), headers=h
    )
    assert _pointers(response) == ["/area/coordinates"]
    assert "km²" in response.json()["errors"][0]["detail"]

    many = [[-77 + i * 1e-4, 8 + (i % 2) * 1e-4] for i in range(6000)]
    ring = [[-77.0, 7.9], *many, [-77.0, 7.9]]
    response = client.post(
        "/v1/alerts", json=alert_body(area={"type": "Polygon", "coordinates": [ring]}), headers=h
    )
    assert response.status_code == 422

    open_ring = DARIEN[:-1]
    response = client.post(
        "/v1/alerts",
        json=alert_body(area={"type": "Polygon", "coordinates": [open_ring]}),
        headers=h,
    )
    assert _pointers(response) == ["/area/coordinates/0"]

    response = client.post(
        "/v1/alerts",
        json=alert_body(effective=iso(dt.timedelta(days=3)), expires=iso(dt.timedelta(days=1))),
        headers=h,
    )
    assert any("expires" in p for p in _pointers(response))

    body = alert_body()
    body["translations"]["not a tag!"] = {"title": "x"}
    response = client.post("/v1/alerts", json=body, headers=h)
    assert any("not a tag!" in p for p in _pointers(response))

    response = client.post("/v1/alerts", json=alert_body(severity="Terrible"), headers=h)
    assert any("severity" in p for p in _pointers(response))
    response = client.post(
        "/v1/alerts", json=alert_body(area={"type": "Countries", "countries": ["XX"]}), headers=h
    )
    assert response.status_code == 422
    assert client.get("/v1/alerts?near=91,0").status_code == 422
    assert client.get("/v1/alerts?category=rumour").status_code == 422
    assert db.scalars(select(Alert)).first() is None or all(
        a.organization_id != editor.organization.id for a in db.scalars(select(Alert))
    )
