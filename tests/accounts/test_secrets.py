"""No password, token or API key in the database in clear, nor in the logs; the audit trail
cannot be edited."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.db import Base
from app.staff_points.service import etag_of
from tests.accounts.helpers import api_key_headers, bearer, make_staff
from tests.factories import make_organization, point_payload

ADMIN_PASSWORD = "Frontera-Sur-Segura-77"


def _everything_stored(db: Session) -> str:
    """Every value of every row of every table, as one text."""
    db.flush()
    parts: list[str] = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)):
            parts.extend(str(v) for v in row)
    return "\n".join(parts)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, SQL statements with their parameters included.

    Requested before ``client``, so the test's connection is opened with SQL logging on.
    """
    caplog.set_level(logging.DEBUG)
    engine_log = logging.getLogger("sqlalchemy.engine")
    previous = engine_log.level
    engine_log.setLevel(logging.INFO)
    yield caplog
    engine_log.setLevel(previous)


def test_no_secret_in_database_or_logs(
    all_logs: pytest.LogCaptureFixture, client: TestClient, db: Session
) -> None:
    caplog = all_logs
    if True:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        admin = make_staff(db, settings, role=None, is_admin=True)
        org = make_organization(db, slug="secret-org")
        secrets: list[str] = [admin.tokens["access_token"], admin.tokens["refresh_token"]]

        # An administrator creates an account through the API; the new member logs in.
        created = client.post(
            "/v1/staff/users",
            json={"email": "nadia@example.org", "password": ADMIN_PASSWORD},
            headers=admin.headers,
        )
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        assert (
            client.put(
                f"/v1/organizations/secret-org/members/{user_id}/roles/admin", headers=admin.headers
            ).status_code
            == 200
        )
        failed = client.post(
            "/v1/auth/token", data={"username": "nadia@example.org", "password": "Wrong-Guess-123"}
        )
        assert failed.status_code == 401
        tokens = client.post(
            "/v1/auth/token", data={"username": "nadia@example.org", "password": ADMIN_PASSWORD}
        ).json()
        rotated = client.post(
            "/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        ).json()
        secrets += [ADMIN_PASSWORD, "Wrong-Guess-123"]
        secrets += [tokens["access_token"], tokens["refresh_token"]]
        secrets += [rotated["access_token"], rotated["refresh_token"]]
        # The secret half of each refresh token, on its own.
        secrets += [t.split(".", 1)[1] for t in (tokens["refresh_token"], rotated["refresh_token"])]

        # An API key is made, used to write, then revoked.
        key = client.post(
            "/v1/api-keys",
            json={"organization": org.slug, "role": "editor", "name": "importer"},
            headers=bearer(rotated["access_token"]),
        ).json()["key"]
        secrets.append(key)
        point = client.post("/v1/points", json=point_payload(), headers=api_key_headers(key))
        assert point.status_code == 201, point.text
        assert client.get("/v1/auth/me", headers=bearer(key)).status_code == 200
        assert (
            client.post("/v1/auth/logout", headers=bearer(rotated["access_token"])).status_code
            == 204
        )

        stored = _everything_stored(db)
        logged = "\n".join(
            f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
        )
        assert "INSERT INTO refresh_token" in logged  # SQL and its parameters were logged
        for secret in secrets:
            assert secret not in stored
            assert secret not in logged
        # The password is stored as an Argon2 hash.
        assert "$argon2id$" in stored


class TestAuditTrail:
    def test_no_route_edits_the_trail(self, client: TestClient) -> None:
        for route in client.app.routes:  # type: ignore[attr-defined]
            path = getattr(route, "path", "")
            methods = getattr(route, "methods", set()) or set()
            if "history" in path or "audit" in path:
                assert methods <= {"GET", "HEAD"}, (path, methods)

    @pytest.mark.parametrize("statement", ["update", "delete"])
    def test_database_refuses_changes(
        self, db: Session, client: TestClient, statement: str
    ) -> None:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        staff = make_staff(db, settings, role=Role.editor)
        created = client.post("/v1/points", json=point_payload(), headers=staff.headers)
        assert created.status_code == 201
        event_id = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()
        nested = db.begin_nested()
        stmt = (
            update(AuditEvent).where(AuditEvent.id == event_id).values(action="nothing")
            if statement == "update"
            else delete(AuditEvent).where(AuditEvent.id == event_id)
        )
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(stmt)
        nested.rollback()
        assert db.get(AuditEvent, event_id) is not None
        assert (
            db.execute(
                text("SELECT action FROM audit_event WHERE id = :i"), {"i": event_id}
            ).scalar()
            == "create"
        )

    def test_history_records_credential_and_changes(self, client: TestClient, db: Session) -> None:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        staff = make_staff(db, settings, role=Role.editor)
        created = client.post("/v1/points", json=point_payload(), headers=staff.headers).json()
        patched = client.patch(
            f"/v1/points/{created['id']}",
            json={"free": False},
            headers={**staff.headers, "If-Match": created["etag"]},
        )
        assert patched.status_code == 200
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == created["id"]).order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["create", "update"]
        assert events[1].actor_user_id == staff.user.id
        assert events[1].credential == "password"
        assert events[1].organization_id == staff.organization.id  # type: ignore[union-attr]
        assert events[1].changes == {"free": [True, False]}
        assert etag_of  # imported for symmetry with other staff tests
