"""Moderation queue, verification tasks, staff and API keys in the console."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import ApiKey, Membership, Role, StaffUser
from app.feedback.models import Feedback
from app.tasks import service as tasks_service
from app.tasks.models import TaskKind, VerificationTask
from tests.accounts.helpers import make_user
from tests.console.helpers import csrf_of, form_of, post_form, staff
from tests.factories import make_organization, make_point
from tests.feedback.helpers import accepted, client_at


def _feedback(app: FastAPI, point_id: str, comment: str) -> str:
    response = client_at(app).post(
        f"/v1/points/{point_id}/feedback", json={"comment": comment, "rating": 4}
    )
    return str(accepted(response)["receipt"])


class TestModeration:
    def test_moderators_decide_feedback_on_their_points(
        self, app, console: TestClient, db: Session
    ):
        org = make_organization(db)
        point = make_point(db, org)
        other = make_point(db, make_organization(db))
        db.flush()
        receipt = _feedback(app, point.public_id, "Muy buena atención")
        foreign = _feedback(app, other.public_id, "Otro lugar")
        staff(console, db, role=Role.moderator, organization=org)
        page = console.get("/console/moderation")
        assert page.status_code == 200
        assert "Muy buena atención" in page.text and "Otro lugar" not in page.text
        action = f"/console/moderation/{receipt}"
        response = console.post(action, data={**form_of(page.text, action), "decision": "approve"})
        assert (
            response.status_code == 303
            and response.headers["location"] == "/console/moderation?notice=decided"
        )
        db.expire_all()
        assert (
            db.scalars(select(Feedback).where(Feedback.receipt == receipt)).one().status
            == "approved"
        )
        refused = console.post(
            f"/console/moderation/{foreign}",
            data={"csrf_token": csrf_of(page.text), "decision": "approve"},
        )
        assert refused.status_code == 404

    def test_a_rejection_needs_a_reason(self, app, console: TestClient, db: Session):
        org = make_organization(db)
        point = make_point(db, org)
        db.flush()
        receipt = _feedback(app, point.public_id, "Comentario dudoso")
        staff(console, db, role=Role.moderator, organization=org)
        action = f"/console/moderation/{receipt}"
        response = post_form(console, "/console/moderation", action, decision="reject")
        assert response.status_code == 422 and "reason" in response.text
        bogus = post_form(console, "/console/moderation", action, decision="delete")
        assert bogus.status_code == 422 and "decision" in bogus.text
        db.expire_all()
        assert (
            db.scalars(select(Feedback).where(Feedback.receipt == receipt)).one().status
            == "pending"
        )
        assert console.get("/console/moderation", params={"status": "nope"}).status_code == 422

    def test_editors_without_the_role_are_refused(self, console: TestClient, db: Session):
        staff(console, db, role=Role.editor)
        assert console.get("/console/moderation").status_code == 403


class TestTasks:
    def test_open_tasks_are_listed_and_resolved(self, console: TestClient, db: Session):
        org = make_organization(db)
        point = make_point(db, org, translations={"es": {"name": "Punto reportado"}})
        now = dt.datetime.now(dt.UTC)
        task = tasks_service.record_evidence(
            db, point_id=point.id, kind=TaskKind.closed, count=3, first_at=now, last_at=now
        )
        db.flush()
        staff(console, db, organization=org)
        page = console.get("/console/tasks")
        assert page.status_code == 200 and "Punto reportado" in page.text
        assert "informado como cerrado" in page.text
        action = f"/console/tasks/{task.public_id}"
        done = post_form(
            console, "/console/tasks", action, resolution="dismissed", note="Sigue abierto"
        )
        assert done.status_code == 303
        db.expire_all()
        assert db.get(VerificationTask, task.id).resolution == "dismissed"
        again = console.post(
            action, data={"csrf_token": csrf_of(page.text), "resolution": "verified"}
        )
        assert again.status_code == 422 and "already resolved" in again.text
        bad = console.post(action, data={"csrf_token": csrf_of(page.text), "resolution": "maybe"})
        assert bad.status_code == 422 and "resolution" in bad.text


class TestAdministration:
    def test_organisation_admins_grant_roles_in_their_organisation(
        self, console: TestClient, db: Session
    ):
        org = make_organization(db)
        colleague = make_user(db, roles=[(org, Role.editor)])
        outsider = make_user(db, roles=[(make_organization(db), Role.editor)])
        staff(console, db, role=Role.admin, organization=org)
        page = console.get("/console/users")
        assert page.status_code == 200
        assert colleague.email in page.text and outsider.email not in page.text
        action = f"/console/users/{colleague.id}/roles"
        granted = post_form(
            console,
            "/console/users",
            action,
            organization=org.slug,
            role="translator",
            action="grant",
        )
        assert granted.status_code == 303
        roles = set(db.scalars(select(Membership.role).where(Membership.user_id == colleague.id)))
        assert roles == {"editor", "translator"}
        revoked = post_form(
            console, "/console/users", action, organization=org.slug, role="editor", action="revoke"
        )
        assert revoked.status_code == 303
        db.expire_all()
        assert set(
            db.scalars(select(Membership.role).where(Membership.user_id == colleague.id))
        ) == {"translator"}
        refused = post_form(
            console, "/console/users", action, organization="not-an-org", role="editor"
        )
        assert refused.status_code == 422
        # Only platform administrators create accounts.
        assert 'action="/console/users"' not in page.text
        token = csrf_of(page.text)
        assert (
            console.post(
                "/console/users",
                data={
                    "csrf_token": token,
                    "email": "x@example.org",
                    "password": "Long-enough-pass-1",
                },
            ).status_code
            == 403
        )

    def test_platform_admins_create_accounts(self, console: TestClient, db: Session):
        staff(console, db, role=None, is_admin=True)
        weak = post_form(
            console, "/console/users", "/console/users", email="new@example.org", password="short"
        )
        assert weak.status_code == 422 and "password" in weak.text
        created = post_form(
            console,
            "/console/users",
            "/console/users",
            email="New.Person@example.org",
            password="Un-paso-a-la-vez-2026",
        )
        assert created.status_code == 303
        assert db.scalars(
            select(StaffUser).where(StaffUser.email == "new.person@example.org")
        ).one()

    def test_api_keys_are_shown_once_and_revoked(self, console: TestClient, db: Session):
        org = make_organization(db)
        staff(console, db, role=Role.admin, organization=org)
        created = post_form(
            console,
            "/console/api-keys",
            "/console/api-keys",
            name="Importador",
            organization=org.slug,
            role="editor",
        )
        assert created.status_code == 201
        key = form_of(created.text, "/console/api-keys")  # the page still offers the form
        assert key["name"] == ""
        secret = re.search(
            r'id="new-key" class="key" readonly value="(rk_[^"]+)"', created.text
        ).group(1)
        row = db.scalars(select(ApiKey).where(ApiKey.organization_id == org.id)).one()
        assert secret.startswith(f"rk_{row.prefix}_") and secret not in row.key_hash
        assert console.get("/v1/auth/me", headers={"X-API-Key": secret}).status_code == 200
        listing = console.get("/console/api-keys")
        assert secret not in listing.text and "Importador" in listing.text
        revoked = post_form(console, "/console/api-keys", f"/console/api-keys/{row.id}/revoke")
        assert revoked.status_code == 303
        assert console.get("/v1/auth/me", headers={"X-API-Key": secret}).status_code == 401
        missing = post_form(
            console,
            "/console/api-keys",
            "/console/api-keys",
            name="",
            organization=org.slug,
            role="editor",
        )
        assert missing.status_code == 422 and "name" in missing.text

    def test_members_without_the_admin_role_are_refused(self, console: TestClient, db: Session):
        staff(console, db, role=Role.editor)
        assert console.get("/console/users").status_code == 403
        assert console.get("/console/api-keys").status_code == 403
