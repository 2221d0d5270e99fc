"""Rules of the staff write API: If-Match, read-only fields, status changes, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.service_points.models import ServicePoint, ServicePointTranslation
from app.staff_points.service import etag_of
from tests.accounts.helpers import make_api_key, make_staff, make_user
from tests.factories import make_organization, make_point, point_payload


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def _bare(tag: str) -> str:
    """The ETag without the -br/-gz suffix response compression adds."""
    return re.sub(r'-(br|gz)"$', '"', tag)


def _counts(db: Session) -> tuple[int, int, int]:
    return (
        db.scalar(select(func.count()).select_from(ServicePoint)) or 0,
        db.scalar(select(func.count()).select_from(ServicePointTranslation)) or 0,
        db.scalar(select(func.count()).select_from(AuditEvent)) or 0,
    )


@pytest.fixture
def editor(client: TestClient, db: Session) -> Any:
    return make_staff(db, client.app.state.settings, role=Role.editor)  # type: ignore[attr-defined]


class TestIfMatch:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("PATCH", "", {"locality": "Turbo"}),
            ("DELETE", "", None),
            ("PUT", "/translations/fr", {"name": "Abri"}),
            ("DELETE", "/translations/en", None),
            ("POST", "/status", {"status": "temporarily_closed"}),
            ("POST", "/verify", None),
        ],
    )
    def test_missing_is_428_stale_is_412(
        self, client: TestClient, db: Session, editor: Any, method: str, path: str, body: Any
    ) -> None:
        point = make_point(db, editor.organization)
        url = f"/v1/points/{point.public_id}{path}"
        current = etag_of(point)
        missing = _problem(client.request(method, url, json=body, headers=editor.headers), 428)
        assert missing["current_etag"] == current
        assert missing["current_version"] == point.version
        wildcard = client.request(
            method, url, json=body, headers={**editor.headers, "If-Match": "*"}
        )
        _problem(wildcard, 428)
        weak = client.request(
            method, url, json=body, headers={**editor.headers, "If-Match": f"W/{current}"}
        )
        _problem(weak, 412)
        stale = f'"{point.public_id}.{point.version - 1}"'
        refused = client.request(
            method, url, json=body, headers={**editor.headers, "If-Match": stale}
        )
        problem = _problem(refused, 412)
        assert problem["current_etag"] == current
        assert _bare(refused.headers["etag"]) == current
        db.refresh(point)
        assert etag_of(point) == current
        # One of several ETags matching is enough.
        ok = client.request(
            method, url, json=body, headers={**editor.headers, "If-Match": f"{stale}, {current}"}
        )
        assert ok.status_code in (200, 201, 204), ok.text

    def test_staff_get_returns_etag(self, client: TestClient, db: Session, editor: Any) -> None:
        point = make_point(db, editor.organization, status="draft")
        response = client.get(f"/v1/staff/points/{point.public_id}", headers=editor.headers)
        assert response.status_code == 200
        assert _bare(response.headers["etag"]) == etag_of(point) == response.json()["etag"]
        assert response.headers["cache-control"] == "private, no-store"
        assert response.json()["status"] == "draft"
        assert set(response.json()["translations"]) == {"es", "en"}

    @pytest.mark.parametrize("suffix", ["-br", "-gz"])
    def test_compressed_representation_etag_is_accepted(
        self, client: TestClient, db: Session, editor: Any, suffix: str
    ) -> None:
        point = make_point(db, editor.organization)
        tag = etag_of(point)[:-1] + suffix + '"'
        response = client.patch(
            f"/v1/points/{point.public_id}",
            json={"locality": "Turbo"},
            headers={**editor.headers, "If-Match": tag},
        )
        assert response.status_code == 200, response.text


class TestRefusedFields:
    @pytest.mark.parametrize(
        "field",
        [
            "id",
            "public_id",
            "organization",
            "organization_id",
            "last_verified_at",
            "verified_by",
            "verified_by_organization_id",
            "created_at",
            "updated_at",
            "deleted_at",
            "version",
            "status",
            "search_text",
        ],
    )
    def test_patch_refuses_read_only_fields(
        self, client: TestClient, db: Session, editor: Any, field: str
    ) -> None:
        point = make_point(db, editor.organization)
        before = _counts(db)
        response = client.patch(
            f"/v1/points/{point.public_id}",
            json={"locality": "Turbo", field: "x"},
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        problem = _problem(response, 422)
        assert [e["pointer"] for e in problem["errors"]] == [f"/{field}"]
        assert _counts(db) == before
        db.refresh(point)
        assert point.locality == "Necoclí"

    @pytest.mark.parametrize("field", ["id", "organization_id", "last_verified_at", "created_at"])
    def test_create_refuses_read_only_fields(
        self, client: TestClient, db: Session, editor: Any, field: str
    ) -> None:
        before = _counts(db)
        response = client.post(
            "/v1/points", json=point_payload(**{field: "x"}), headers=editor.headers
        )
        problem = _problem(response, 422)
        assert [e["pointer"] for e in problem["errors"]] == [f"/{field}"]
        assert _counts(db) == before

    def test_only_admins_name_the_verifying_organisation(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        point = make_point(db, editor.organization)
        other = make_organization(db)
        refused = client.post(
            f"/v1/points/{point.public_id}/verify",
            json={"organization": other.slug},
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        assert _problem(refused, 403)["errors"][0]["pointer"] == "/organization"
        admin = make_staff(db, client.app.state.settings, role=None, is_admin=True)  # type: ignore[attr-defined]
        done = client.post(
            f"/v1/points/{point.public_id}/verify",
            json={"organization": other.slug},
            headers={**admin.headers, "If-Match": etag_of(point)},
        )
        assert done.status_code == 200, done.text
        assert done.json()["verification"]["verified_by"]["id"] == other.slug


class TestCreateOrganisation:
    def test_single_organisation_is_implied(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        response = client.post("/v1/points", json=point_payload(), headers=editor.headers)
        assert response.status_code == 201, response.text
        assert response.json()["organization"]["id"] == editor.organization.slug

    def test_several_organisations_must_choose(self, client: TestClient, db: Session) -> None:
        first, second = make_organization(db), make_organization(db)
        user = make_user(db, roles=[(first, Role.editor), (second, Role.editor)])
        from app.accounts import service as accounts_service

        pair = accounts_service.issue_session(db, client.app.state.settings, user)  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {pair.access_token}"}
        problem = _problem(client.post("/v1/points", json=point_payload(), headers=headers), 422)
        assert problem["errors"][0]["name"] == "organization"
        chosen = client.post(
            f"/v1/points?organization={second.slug}", json=point_payload(), headers=headers
        )
        assert chosen.status_code == 201
        assert chosen.json()["organization"]["id"] == second.slug

    def test_api_key_creates_in_its_organisation(self, client: TestClient, db: Session) -> None:
        org = make_organization(db)
        _, headers = make_api_key(db, org, Role.editor)
        response = client.post("/v1/points", json=point_payload(), headers=headers)
        assert response.status_code == 201, response.text
        history = client.get(f"/v1/points/{response.json()['id']}/history", headers=headers)
        actor = history.json()["items"][0]["actor"]
        assert actor["credential"] == "api_key" and actor["api_key_name"] == "test"


class TestStatus:
    @pytest.mark.parametrize(
        ("start", "target", "ok"),
        [
            ("draft", "published", True),
            ("draft", "temporarily_closed", False),
            ("draft", "permanently_closed", False),
            ("published", "temporarily_closed", True),
            ("published", "permanently_closed", True),
            ("published", "draft", False),
            ("published", "published", False),
            ("temporarily_closed", "published", True),
            ("temporarily_closed", "permanently_closed", True),
            ("permanently_closed", "published", True),
            ("permanently_closed", "temporarily_closed", False),
        ],
    )
    def test_transitions(
        self, client: TestClient, db: Session, editor: Any, start: str, target: str, ok: bool
    ) -> None:
        point = make_point(db, editor.organization, status=start)
        response = client.post(
            f"/v1/points/{point.public_id}/status",
            json={"status": target},
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        if ok:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == target
        else:
            assert "allowed" in _problem(response, 409)

    def test_unknown_status_is_422(self, client: TestClient, db: Session, editor: Any) -> None:
        point = make_point(db, editor.organization)
        response = client.post(
            f"/v1/points/{point.public_id}/status",
            json={"status": "open"},
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        _problem(response, 422)


class TestTombstones:
    def test_deleted_point_is_gone_for_writes(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        point = make_point(db, editor.organization)
        deleted = client.delete(
            f"/v1/points/{point.public_id}", headers={**editor.headers, "If-Match": etag_of(point)}
        )
        assert deleted.status_code == 204
        db.refresh(point)
        assert point.deleted_at is not None  # the row stays
        again = client.delete(
            f"/v1/points/{point.public_id}", headers={**editor.headers, "If-Match": etag_of(point)}
        )
        _problem(again, 410)
        listed = client.get("/v1/staff/points", headers=editor.headers).json()["items"]
        assert point.public_id not in [p["id"] for p in listed]
        listed = client.get(
            "/v1/staff/points", params={"include_deleted": True}, headers=editor.headers
        ).json()["items"]
        assert point.public_id in [p["id"] for p in listed]

    def test_original_language_cannot_be_removed(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        point = make_point(db, editor.organization)
        response = client.delete(
            f"/v1/points/{point.public_id}/translations/es",
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        _problem(response, 409)
        missing = client.delete(
            f"/v1/points/{point.public_id}/translations/fr",
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        _problem(missing, 404)


class TestBadInput:
    def test_every_failing_field_named_at_once(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        before = _counts(db)
        body = point_payload(
            lat=123.0,
            lon=-200.0,
            categories=["shelter", "no_such_category"],
            audiences=["martians"],
            phones=["12345"],
            whatsapp="+1",
            website="ftp://example.org/file",
            spoken_languages=["xx-nonsense-zz"],
            original_language="es",
            translations={"es": {"name": "x" * 301}},
            colour="blue",
        )
        problem = _problem(client.post("/v1/points", json=body, headers=editor.headers), 422)
        pointers = {e["pointer"] for e in problem["errors"]}
        assert {
            "/lat",
            "/lon",
            "/categories/1",
            "/audiences/0",
            "/phones/0",
            "/whatsapp",
            "/website",
            "/spoken_languages/0",
            "/translations/es/name",
            "/colour",
        } <= pointers, pointers
        assert _counts(db) == before

    def test_unparseable_opening_hours_is_422(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        before = _counts(db)
        body = point_payload(opening_hours="whenever we feel like it", website="ftp://x.org/a")
        problem = _problem(client.post("/v1/points", json=body, headers=editor.headers), 422)
        assert {e["pointer"] for e in problem["errors"]} == {"/opening_hours", "/website"}
        assert _counts(db) == before

    def test_patch_names_every_field_too(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        point = make_point(db, editor.organization)
        response = client.patch(
            f"/v1/points/{point.public_id}",
            json={"email": "not-an-email", "audiences": ["martians"], "free": "sometimes"},
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        pointers = {e["pointer"] for e in _problem(response, 422)["errors"]}
        assert pointers == {"/email", "/audiences/0", "/free"}

    def test_unknown_language_tag(self, client: TestClient, db: Session, editor: Any) -> None:
        point = make_point(db, editor.organization)
        response = client.put(
            f"/v1/points/{point.public_id}/translations/zz-not-a-tag",
            json={"name": "x"},
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        assert _problem(response, 422)["errors"][0]["name"] == "lang"

    def test_empty_patch_is_refused(self, client: TestClient, db: Session, editor: Any) -> None:
        point = make_point(db, editor.organization)
        response = client.patch(
            f"/v1/points/{point.public_id}",
            json={},
            headers={**editor.headers, "If-Match": etag_of(point)},
        )
        _problem(response, 422)

    def test_body_over_one_megabyte_is_413(
        self, client: TestClient, db: Session, editor: Any
    ) -> None:
        before = _counts(db)
        big = point_payload(translations={"es": {"name": "x", "description": "y" * 1_100_000}})
        _problem(client.post("/v1/points", json=big, headers=editor.headers), 413)
        assert _counts(db) == before

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
    )
    def test_wrong_content_type_is_415(
        self, client: TestClient, db: Session, editor: Any, content_type: str
    ) -> None:
        import json

        point = make_point(db, editor.organization)
        created = client.post(
            "/v1/points",
            content=json.dumps(point_payload()),
            headers={**editor.headers, "Content-Type": content_type},
        )
        _problem(created, 415)
        translated = client.put(
            f"/v1/points/{point.public_id}/translations/fr",
            content=json.dumps({"name": "Abri"}),
            headers={**editor.headers, "Content-Type": content_type, "If-Match": etag_of(point)},
        )
        _problem(translated, 415)

    def test_malformed_json_is_422(self, client: TestClient, db: Session, editor: Any) -> None:
        response = client.post(
            "/v1/points",
            content=b'{"lat": 1,',
            headers={**editor.headers, "Content-Type": "application/json"},
        )
        _problem(response, 422)
