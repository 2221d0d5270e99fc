"""An organisation's admin sees a member's roles in that organisation only, never where
else the person works (a shelter network must not learn who also volunteers elsewhere)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.accounts.helpers import make_staff, make_user
from tests.factories import make_organization


def test_an_org_admin_sees_only_its_own_organisations_memberships(
    client: TestClient, db: Session
) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    mine, elsewhere = make_organization(db), make_organization(db)
    admin = make_staff(db, settings, role=Role.admin, organization=mine)
    # Already a member of ``mine`` (joining needs their consent: an invitation).
    person = make_user(
        db, roles=[(mine, Role.editor), (elsewhere, Role.moderator), (elsewhere, Role.editor)]
    )
    url = f"/v1/organizations/{mine.slug}/members/{person.id}/roles"
    granted = client.put(f"{url}/translator", headers=admin.headers)
    assert granted.status_code == 200, granted.text
    assert granted.json()["memberships"] == [
        {"organization": mine.slug, "organization_name": mine.name, "role": "editor"},
        {"organization": mine.slug, "organization_name": mine.name, "role": "translator"},
    ]
    revoked = client.delete(f"{url}/translator", headers=admin.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["memberships"] == [
        {"organization": mine.slug, "organization_name": mine.name, "role": "editor"}
    ]
    # A platform administrator sees every membership.
    platform = make_staff(db, settings, role=None, is_admin=True)
    full = client.put(f"{url}/editor", headers=platform.headers).json()["memberships"]
    assert {(m["organization"], m["role"]) for m in full} == {
        (mine.slug, "editor"),
        (elsewhere.slug, "editor"),
        (elsewhere.slug, "moderator"),
    }
