"""Editing curated country information: translators write one language of a section,
administrators replace a section; If-Match, roles and the audit trail as for points."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.audit.models import AuditEvent
from tests.accounts.helpers import make_api_key, make_staff
from tests.factories import make_organization

URL = "/v1/countries/CO/sections/asylum"


def _section(client: TestClient, headers: dict[str, str], kind: str = "asylum") -> dict[str, Any]:
    response = client.get("/v1/staff/countries/co", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    return next(s for s in response.json()["sections"] if s["kind"] == kind)


def _public(client: TestClient, lang: str) -> dict[str, Any]:
    body = client.get("/v1/countries/CO", params={"lang": lang}).json()
    return next(s for s in body["sections"] if s["kind"] == "asylum")


def test_translator_adds_a_language(client: TestClient, db: Session) -> None:
    translator = make_staff(db, client.app.state.settings, role=Role.translator)  # type: ignore[attr-defined]
    section = _section(client, translator.headers)
    numbers_before = client.get("/v1/countries/CO").json()["emergency_numbers"]
    response = client.put(
        f"{URL}/translations/pt",
        json={"body": "Pedido de refúgio: procure a Migración Colombia."},
        headers={**translator.headers, "If-Match": section["etag"]},
    )
    assert response.status_code == 200, response.text
    updated = next(s for s in response.json()["sections"] if s["kind"] == "asylum")
    assert updated["translations"]["pt"]["body"].startswith("Pedido de refúgio")
    assert updated["etag"] != section["etag"]
    # Everything else is as it was.
    assert updated["translations"]["es"] == section["translations"]["es"]
    assert updated["sources"] == section["sources"]
    assert client.get("/v1/countries/CO").json()["emergency_numbers"] == numbers_before
    # The old ETag is stale now.
    stale = client.put(
        f"{URL}/translations/pt",
        json={"body": "Outro texto"},
        headers={**translator.headers, "If-Match": section["etag"]},
    )
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == updated["etag"]
    missing = client.put(f"{URL}/translations/pt", json={"body": "x"}, headers=translator.headers)
    assert missing.status_code == 428
    # Audited.
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == "CO:asylum").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.actor_user_id == translator.user.id
    assert event.changes["translations.pt.body"][0] is None
    assert "translations.es.body" not in event.changes


@pytest.mark.parametrize(
    ("who", "translate", "replace"),
    [
        ("platform_admin", 200, 200),
        ("org_admin", 200, 403),
        ("translator", 200, 403),
        ("translator_key", 200, 403),
        ("editor", 403, 403),
        ("moderator", 403, 403),
        ("no_role", 403, 403),
    ],
)
def test_roles(client: TestClient, db: Session, who: str, translate: int, replace: int) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    if who == "platform_admin":
        headers = make_staff(db, settings, role=None, is_admin=True).headers
    elif who == "no_role":
        headers = make_staff(db, settings, role=None).headers
    elif who == "translator_key":
        headers = make_api_key(db, make_organization(db), Role.translator)[1]
    else:
        role = Role.admin if who == "org_admin" else Role(who)
        headers = make_staff(db, settings, role=role).headers
    etag = _section(client, make_staff(db, settings, role=None, is_admin=True).headers)["etag"]
    translated = client.put(
        f"{URL}/translations/ht",
        json={"body": "Azil: al wè Migración Colombia."},
        headers={**headers, "If-Match": etag},
    )
    assert translated.status_code == translate, translated.text
    etag = _section(client, make_staff(db, settings, role=None, is_admin=True).headers)["etag"]
    replaced = client.put(
        URL,
        json={
            "last_reviewed": "2026-11-01",
            "sources": [
                {
                    "title": "Migración Colombia",
                    "url": "https://www.migracioncolombia.gov.co",
                    "publisher": "Migración Colombia",
                }
            ],
            "text": {"es": "Texto revisado.", "en": "Reviewed text."},
        },
        headers={**headers, "If-Match": etag},
    )
    assert replaced.status_code == replace, replaced.text
    if replace == 200:
        public = _public(client, "en")
        assert public["body"] == "Reviewed text."
        assert public["last_reviewed"] == "2026-11-01"


def test_bad_input(client: TestClient, db: Session) -> None:
    admin = make_staff(db, client.app.state.settings, role=None, is_admin=True)  # type: ignore[attr-defined]
    etag = _section(client, admin.headers)["etag"]
    headers = {**admin.headers, "If-Match": etag}
    assert (
        client.put(f"{URL}/translations/zz-nope", json={"body": "x"}, headers=headers).status_code
        == 422
    )
    assert (
        client.put(f"{URL}/translations/fr", json={"body": ""}, headers=headers).status_code == 422
    )
    assert (
        client.put(
            f"{URL}/translations/fr", json={"body": "x", "lang": "fr"}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.put(
            "/v1/countries/CO/sections/gossip/translations/fr", json={"body": "x"}, headers=headers
        ).status_code
        == 422
    )
    no_sources = client.put(
        URL,
        json={"last_reviewed": "2026-11-01", "sources": [], "text": {"es": "x"}},
        headers=headers,
    )
    assert no_sources.status_code == 422
    wrong_type = client.put(
        f"{URL}/translations/fr",
        content=b'{"body": "x"}',
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415
    assert _section(client, admin.headers)["etag"] == etag  # nothing written
