"""If-Match accepts a public ETag of the current version: the ETag of ``GET /v1/points/{id}``
(in any language, any content coding) works for a write to the same URL (RFC 9110 section
13.1.1), the staff ETag keeps working, and an ETag of an older version is a 412."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.staff_points.service import etag_of
from tests.accounts.helpers import make_staff
from tests.factories import make_point

PUBLIC_TAG = re.compile(r'^W/"v(\d+)-[0-9a-f]{24}"$')


@pytest.fixture
def editor(client: TestClient, db: Session) -> Any:
    return make_staff(db, client.app.state.settings, role=Role.editor)  # type: ignore[attr-defined]


def _public_tag(client: TestClient, point_id: str, **kw: Any) -> str:
    response = client.get(f"/v1/points/{point_id}", **kw)
    assert response.status_code == 200, response.text
    tag = response.headers["etag"]
    assert PUBLIC_TAG.match(tag), tag
    return tag


def test_public_etag_carries_the_version(client: TestClient, db: Session, editor: Any):
    point = make_point(db, editor.organization)
    tag = _public_tag(client, point.public_id)
    assert PUBLIC_TAG.match(tag).group(1) == str(point.version)  # type: ignore[union-attr]
    # Representations differ (language, GeoJSON), so do their tags; the version does not.
    french = _public_tag(client, point.public_id, params={"lang": "en"})
    geo = _public_tag(client, point.public_id, headers={"Accept": "application/geo+json"})
    assert len({tag, french, geo}) == 3
    # A cache revalidates with it.
    again = client.get(f"/v1/points/{point.public_id}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag


def test_patch_accepts_the_etag_of_a_public_get(client: TestClient, db: Session, editor: Any):
    point = make_point(db, editor.organization)
    url = f"/v1/points/{point.public_id}"
    tag = _public_tag(client, point.public_id, headers={"Accept-Encoding": "gzip"})
    changed = client.patch(
        url, json={"locality": "Turbo"}, headers={**editor.headers, "If-Match": tag}
    )
    assert changed.status_code == 200, changed.text
    # The same tag now names an older version: refused, with the current staff ETag.
    stale = client.patch(
        url, json={"locality": "Apartadó"}, headers={**editor.headers, "If-Match": tag}
    )
    assert stale.status_code == 412, stale.text
    db.refresh(point)
    assert stale.json()["current_etag"] == etag_of(point)
    # The ETag of the new version, read in another language, is accepted.
    fresh = _public_tag(client, point.public_id, params={"lang": "en"})
    assert PUBLIC_TAG.match(fresh).group(1) == str(point.version)  # type: ignore[union-attr]
    moved = client.post(
        f"{url}/status",
        json={"status": "temporarily_closed"},
        headers={**editor.headers, "If-Match": fresh},
    )
    assert moved.status_code == 200, moved.text


def test_staff_etag_still_works_and_forged_versions_do_not(
    client: TestClient, db: Session, editor: Any
):
    point = make_point(db, editor.organization)
    url = f"/v1/points/{point.public_id}"
    wrong = f'W/"v{point.version + 1}-{"0" * 24}"'
    refused = client.patch(
        url, json={"locality": "Turbo"}, headers={**editor.headers, "If-Match": wrong}
    )
    assert refused.status_code == 412
    accepted = client.patch(
        url, json={"locality": "Turbo"}, headers={**editor.headers, "If-Match": etag_of(point)}
    )
    assert accepted.status_code == 200, accepted.text
