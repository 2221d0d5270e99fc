"""Who may change what every app shows about a country, through the HTTP API.

The content of a section (its text in the original language, its sources and review date)
is changed only by platform administrators and by country editors of that country, and
only as a whole section (PUT .../sections/{kind}), so a new text never keeps an old review
date. Translators write the other languages; a translation shows the date it was written,
never the original's review date as its own. Every role × country × language is walked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.accounts.helpers import make_api_key, make_staff
from tests.factories import make_organization

OWN, OTHER = "CO", "PA"  # the country editor edits Colombia only
ORIGINAL, TRANSLATION = "es", "pt"  # both sections' original language is Spanish
KIND = "entry_requirements"
SECTION = {
    "last_reviewed": "2026-12-01",
    "sources": [
        {"title": "Migración", "url": "https://example.gov/migracion", "publisher": "Migración"}
    ],
    "text": {"es": "Texto revisado contra sus fuentes.", "en": "Text checked against its sources."},
}

# role: (translate into another language, rewrite the original language, replace the
# section) for OWN and for OTHER
EXPECTED: dict[str, dict[str, tuple[int, int, int]]] = {
    "platform_admin": {OWN: (200, 422, 200), OTHER: (200, 422, 200)},
    "country_editor": {OWN: (200, 422, 200), OTHER: (403, 403, 403)},
    "org_admin": {OWN: (200, 403, 403), OTHER: (200, 403, 403)},
    "translator": {OWN: (200, 403, 403), OTHER: (200, 403, 403)},
    "translator_key": {OWN: (200, 403, 403), OTHER: (200, 403, 403)},
    "editor": {OWN: (403, 403, 403), OTHER: (403, 403, 403)},
    "moderator": {OWN: (403, 403, 403), OTHER: (403, 403, 403)},
    "no_role": {OWN: (403, 403, 403), OTHER: (403, 403, 403)},
}


def _admin(client: TestClient, db: Session) -> dict[str, str]:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return make_staff(db, settings, role=None, is_admin=True).headers


def _headers(client: TestClient, db: Session, who: str) -> dict[str, str]:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    if who == "platform_admin":
        return _admin(client, db)
    if who == "translator_key":
        return make_api_key(db, make_organization(db), Role.translator)[1]
    if who in ("no_role", "country_editor"):
        staff = make_staff(db, settings, role=None)
        if who == "country_editor":
            granted = client.put(
                f"/v1/staff/users/{staff.user.id}/countries/{OWN.lower()}",
                headers=_admin(client, db),
            )
            assert granted.status_code == 200, granted.text
            assert granted.json()["country_editor_of"] == [OWN]
        return staff.headers
    return make_staff(db, settings, role=Role.admin if who == "org_admin" else Role(who)).headers


def _section(client: TestClient, db: Session, code: str) -> dict[str, Any]:
    response = client.get(f"/v1/staff/countries/{code}", headers=_admin(client, db))
    assert response.status_code == 200, response.text
    return next(s for s in response.json()["sections"] if s["kind"] == KIND)


def _public(client: TestClient, code: str, lang: str) -> dict[str, Any]:
    response = client.get(f"/v1/countries/{code}", params={"lang": lang})
    return next(s for s in response.json()["sections"] if s["kind"] == KIND)


@pytest.mark.parametrize("code", [OWN, OTHER])
@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_country_language_matrix(client: TestClient, db: Session, who: str, code: str) -> None:
    headers = _headers(client, db, who)
    translate, rewrite, replace = EXPECTED[who][code]
    url = f"/v1/countries/{code}/sections/{KIND}"
    before = _section(client, db, code)

    translated = client.put(
        f"{url}/translations/{TRANSLATION}",
        json={"body": "Para entrar no Panamá é preciso um passaporte válido."},
        headers={**headers, "If-Match": before["etag"]},
    )
    assert translated.status_code == translate, translated.text

    current = _section(client, db, code)
    rewritten = client.put(
        f"{url}/translations/{ORIGINAL}",
        json={"body": "Panamá abrió la frontera: no se necesita pasaporte."},
        headers={**headers, "If-Match": current["etag"]},
    )
    assert rewritten.status_code == rewrite, rewritten.text
    if rewrite == 422:
        assert [e["name"] for e in rewritten.json()["errors"]] == ["lang"]
    after = _section(client, db, code)
    assert after["translations"][ORIGINAL] == before["translations"][ORIGINAL]
    assert after["last_reviewed"] == before["last_reviewed"]

    replaced = client.put(url, json=SECTION, headers={**headers, "If-Match": after["etag"]})
    assert replaced.status_code == replace, replaced.text
    public = _public(client, code, ORIGINAL)
    if replace == 200:
        assert public["body"] == SECTION["text"]["es"]
        assert public["last_reviewed"] == SECTION["last_reviewed"]
    else:
        assert public["body"] == before["translations"][ORIGINAL]["body"]
        assert public["last_reviewed"] == before["last_reviewed"]


def test_a_translation_shows_its_own_date_not_the_originals_review(
    client: TestClient, db: Session
) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    translator = make_staff(db, settings, role=Role.translator)
    etag = _section(client, db, OTHER)["etag"]
    response = client.put(
        f"/v1/countries/{OTHER}/sections/{KIND}/translations/{TRANSLATION}",
        json={"body": "Para entrar no Panamá é preciso um passaporte válido."},
        headers={**translator.headers, "If-Match": etag},
    )
    assert response.status_code == 200, response.text
    original = _public(client, OTHER, ORIGINAL)
    translation = _public(client, OTHER, TRANSLATION)
    assert (original["lang"], original["original_lang"]) == ("es", "es")
    assert original.get("translated_on") is None
    assert (translation["lang"], translation["original_lang"]) == ("pt", "es")
    assert translation["translated_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    # The review date is the original's, and said to be so.
    assert translation["last_reviewed"] == original["last_reviewed"]


def test_only_platform_admins_name_country_editors(client: TestClient, db: Session) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    target = make_staff(db, settings, role=None)
    url = f"/v1/staff/users/{target.user.id}/countries/{OWN}"
    org_admin = make_staff(db, settings, role=Role.admin)
    assert client.put(url, headers=org_admin.headers).status_code == 403
    admin = _admin(client, db)
    assert client.put(url, headers=admin).json()["country_editor_of"] == [OWN]
    me = client.get("/v1/auth/me", headers=target.headers).json()
    assert me["country_editor_of"] == [OWN]
    assert (
        client.put(f"/v1/staff/users/{target.user.id}/countries/ZZ", headers=admin).status_code
        == 404
    )
    assert client.delete(url, headers=admin).json()["country_editor_of"] == []
    etag = _section(client, db, OWN)["etag"]
    refused = client.put(
        f"/v1/countries/{OWN}/sections/{KIND}",
        json=SECTION,
        headers={**target.headers, "If-Match": etag},
    )
    assert refused.status_code == 403
