"""A staff member's whole day through HTTP: log in, create, translate, publish, verify, edit,
lose a race (412), delete, and read the history."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.accounts.helpers import bearer, login, make_user
from tests.factories import make_organization, point_payload


def test_staff_journey(client: TestClient, db: Session) -> None:
    org = make_organization(db, slug="journey-org", name="Journey NGO")
    user = make_user(db, roles=[(org, Role.editor)])

    tokens = login(client, user.email)
    auth = bearer(tokens["access_token"])
    assert tokens["token_type"] == "bearer"

    # Create a draft.
    created = client.post("/v1/points", json=point_payload(status="draft"), headers=auth)
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "private, no-store"
    point = created.json()
    point_id, etag = point["id"], created.headers["etag"]
    # The response may be compressed, and its ETag then carries a -br/-gz suffix;
    # If-Match accepts either form.
    assert re.sub(r'-(br|gz)"$', '"', etag) == point["etag"]
    assert point["etag"] == f'"{point_id}.{point["version"]}"'
    assert created.headers["location"] == f"/v1/staff/points/{point_id}"
    assert point["organization"]["id"] == "journey-org"
    # Drafts are not public.
    assert client.get(f"/v1/points/{point_id}").status_code == 404

    # Translate into French.
    fr = client.put(
        f"/v1/points/{point_id}/translations/fr",
        json={"name": "Abri de test", "description": "Description en français"},
        headers={**auth, "If-Match": etag},
    )
    assert fr.status_code == 201, fr.text
    etag = fr.headers["etag"]
    assert set(fr.json()["translations"]) == {"en", "es", "fr"}

    # Publish.
    published = client.post(
        f"/v1/points/{point_id}/status",
        json={"status": "published"},
        headers={**auth, "If-Match": etag},
    )
    assert published.status_code == 200, published.text
    etag = published.headers["etag"]
    public = client.get(f"/v1/points/{point_id}", params={"lang": "fr"}).json()
    assert public["name"] == "Abri de test"
    assert public["verification"]["stale"] is True  # published, never verified

    # Verify.
    verified = client.post(f"/v1/points/{point_id}/verify", headers={**auth, "If-Match": etag})
    assert verified.status_code == 200, verified.text
    etag = verified.headers["etag"]
    public = client.get(f"/v1/points/{point_id}").json()
    assert public["verification"]["verified_by"]["id"] == "journey-org"
    assert public["verification"]["last_verified_at"]
    assert public["verification"]["stale"] is False

    # Edit.
    stale_etag = etag
    edited = client.patch(
        f"/v1/points/{point_id}",
        json={"opening_hours": "Mo-Fr 08:00-17:00", "phones": ["+573001234567"]},
        headers={**auth, "If-Match": etag},
    )
    assert edited.status_code == 200, edited.text
    etag = edited.headers["etag"]
    assert edited.json()["opening_hours"] == "Mo-Fr 08:00-17:00"

    # Someone still holding the old ETag loses: 412 with the current version.
    conflict = client.patch(
        f"/v1/points/{point_id}",
        json={"locality": "Turbo"},
        headers={**auth, "If-Match": stale_etag},
    )
    assert conflict.status_code == 412
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert conflict.json()["current_etag"] == edited.json()["etag"]
    assert conflict.json()["current_version"] == edited.json()["version"]

    # Delete: a tombstone.
    deleted = client.delete(f"/v1/points/{point_id}", headers={**auth, "If-Match": etag})
    assert deleted.status_code == 204, deleted.text
    assert client.get(f"/v1/points/{point_id}").status_code == 404
    tombstone = client.get(f"/v1/staff/points/{point_id}", headers=auth)
    assert tombstone.status_code == 200
    assert tombstone.json()["deleted_at"]

    # History: every change, who, how, what.
    history = client.get(f"/v1/points/{point_id}/history", headers=auth)
    assert history.status_code == 200, history.text
    items = history.json()["items"]
    assert [i["action"] for i in items] == [
        "create",
        "translation.put",
        "status",
        "verify",
        "update",
        "delete",
    ]
    for item in items:
        assert item["actor"] == {"credential": "password", "user_id": user.id, "email": user.email}
        assert item["organization"] == "journey-org"
    assert items[0]["changes"]["status"] == [None, "draft"]
    assert items[1]["changes"]["translations.fr.name"] == [None, "Abri de test"]
    assert items[2]["changes"]["status"] == ["draft", "published"]
    assert items[3]["changes"]["verified_by_organization_id"] == [None, org.id]
    assert items[4]["changes"]["opening_hours"] == ["24/7", "Mo-Fr 08:00-17:00"]
    assert items[4]["changes"]["phones"] == [[], ["+573001234567"]]
    assert "locality" not in items[4]["changes"]
    assert items[5]["changes"]["deleted_at"][0] is None
