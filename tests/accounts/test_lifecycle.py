"""The account lifecycle through the API: passwords, reset links (shown once or e-mailed),
deactivation, scoped lists, invitations and the audit query; every step audited."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.accounts.link_models import Invitation, PasswordReset
from app.accounts.models import Role
from app.audit.models import AuditEvent
from tests.accounts.helpers import TEST_PASSWORD, bearer, login, make_staff, make_user
from tests.factories import make_organization

NEW_PASSWORD = "Rio-Suchiate-cruce-2027"


def _settings(client: TestClient) -> Any:
    return client.app.state.settings  # type: ignore[attr-defined]


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def _actions(db: Session, entity_id: str) -> list[str]:
    rows = db.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == entity_id).order_by(AuditEvent.id)
    )
    return list(rows)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@contextlib.contextmanager
def _settings_as(client: TestClient, settings: Any) -> Iterator[None]:
    """The app's settings replaced for a block (the app is shared by the session)."""
    state = client.app.state  # type: ignore[attr-defined]
    saved = state.settings
    state.settings = settings
    try:
        yield
    finally:
        state.settings = saved


@pytest.fixture
def smtp(client: TestClient) -> Iterator[_Inbox]:
    """A real SMTP server on 127.0.0.1 for the test's duration, and RUMBO_SMTP_URL at it."""
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd needs a fixed one to self-check)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = _settings(client).model_copy(
            update={"smtp_url": f"smtp://127.0.0.1:{port}", "smtp_from": "rumbo@example.org"}
        )
        with _settings_as(client, settings):
            yield inbox
    finally:
        controller.stop()


class TestPasswordRules:
    @pytest.mark.parametrize(
        ("password", "reason"),
        [
            ("short", "at least 12"),
            ("x" * 200, "at most 128"),
            ("abababababababab", "repetitive"),
            ("TRUSTNO1TRUSTNO1", None),  # not on the list: fine (no composition rules)
            ("1q2w3e4r5t6y", "common"),  # on the zxcvbn list
            ("1Q2W3E4R5T6Y", "common"),  # case-insensitively
            ("Contraseña123", "common"),
            ("my name is maria.lopez ok", "e-mail"),
            ("solo letras minusculas largas", None),
        ],
    )
    def test_rules(self, password: str, reason: str | None) -> None:
        check = lambda: passwords.check(  # noqa: E731
            password, min_length=12, max_length=128, email="maria.lopez@example.org"
        )
        if reason is None:
            check()
        else:
            with pytest.raises(passwords.WeakPassword, match=reason):
                check()

    def test_list_is_large(self) -> None:
        assert len(passwords._common()) >= 30_000

    def test_creating_a_user_with_a_breached_password_is_refused(
        self, client: TestClient, db: Session
    ) -> None:
        admin = make_staff(db, _settings(client), role=None, is_admin=True)
        response = client.post(
            "/v1/staff/users",
            headers=admin.headers,
            json={"email": "nuevo@example.org", "password": "qwertyuiop123"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["name"] == "password"


class TestChangePassword:
    def test_change_ends_other_sessions_only(self, client: TestClient, db: Session) -> None:
        staff = make_staff(db, _settings(client))
        other = login(client, staff.email)
        response = client.post(
            "/v1/auth/password",
            headers=staff.headers,
            json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert response.status_code == 204, response.text
        assert client.get("/v1/auth/me", headers=staff.headers).status_code == 200
        assert client.get("/v1/auth/me", headers=bearer(other["access_token"])).status_code == 401
        refreshed = client.post(
            "/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": other["refresh_token"]},
        )
        assert refreshed.status_code == 401
        bad = client.post(
            "/v1/auth/token", data={"username": staff.email, "password": TEST_PASSWORD}
        )
        assert bad.status_code == 401
        login(client, staff.email, NEW_PASSWORD)
        assert "change_password" in _actions(db, staff.user.id)

    def test_wrong_current_or_weak_new_password(self, client: TestClient, db: Session) -> None:
        staff = make_staff(db, _settings(client))
        wrong = client.post(
            "/v1/auth/password",
            headers=staff.headers,
            json={"current_password": "not-it-at-all", "new_password": NEW_PASSWORD},
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["name"] == "current_password"
        weak = client.post(
            "/v1/auth/password",
            headers=staff.headers,
            json={"current_password": TEST_PASSWORD, "new_password": "password1234"},
        )
        assert weak.status_code == 422
        assert weak.json()["errors"][0]["name"] == "new_password"
        login(client, staff.email)  # unchanged


class TestResetLinks:
    def test_link_shown_once_used_once(self, client: TestClient, db: Session) -> None:
        admin = make_staff(db, _settings(client), role=None, is_admin=True)
        staff = make_staff(db, _settings(client))
        issued = client.post(
            f"/v1/staff/users/{staff.user.id}/password-reset", headers=admin.headers
        )
        assert issued.status_code == 201, issued.text
        body = issued.json()
        assert body["sent_by_email"] is False
        token = _token(body["url"])
        row = db.get(PasswordReset, body["id"])
        assert row is not None and token.split(".", 1)[1] not in row.token_hash
        used = client.post(
            "/v1/auth/password-reset", json={"token": token, "new_password": NEW_PASSWORD}
        )
        assert used.status_code == 204, used.text
        assert client.get("/v1/auth/me", headers=staff.headers).status_code == 401
        login(client, staff.email, NEW_PASSWORD)
        again = client.post(
            "/v1/auth/password-reset", json={"token": token, "new_password": NEW_PASSWORD + "x"}
        )
        assert again.status_code == 422
        assert again.json()["errors"][0]["name"] == "token"
        assert _actions(db, staff.user.id)[-2:] == ["issue_password_reset", "use_password_reset"]

    def test_newer_link_replaces_older_and_tampered_refused(
        self, client: TestClient, db: Session
    ) -> None:
        admin = make_staff(db, _settings(client), role=None, is_admin=True)
        staff = make_staff(db, _settings(client))
        path = f"/v1/staff/users/{staff.user.id}/password-reset"
        first = _token(client.post(path, headers=admin.headers).json()["url"])
        second = _token(client.post(path, headers=admin.headers).json()["url"])
        for token in (first, second[:-2] + "xx"):
            refused = client.post(
                "/v1/auth/password-reset", json={"token": token, "new_password": NEW_PASSWORD}
            )
            assert refused.status_code == 422
        ok = client.post(
            "/v1/auth/password-reset", json={"token": second, "new_password": NEW_PASSWORD}
        )
        assert ok.status_code == 204

    def test_link_emailed_when_smtp_configured(
        self, client: TestClient, db: Session, smtp: _Inbox
    ) -> None:
        admin = make_staff(db, _settings(client), role=None, is_admin=True)
        staff = make_staff(db, _settings(client))
        issued = client.post(
            f"/v1/staff/users/{staff.user.id}/password-reset", headers=admin.headers
        )
        assert issued.status_code == 201, issued.text
        assert issued.json()["sent_by_email"] is True
        assert "url" not in issued.json()
        (message,) = smtp.messages
        assert message["To"] == staff.email
        text = message.get_content()
        url = next(w for w in text.split() if "/console/reset?token=" in w)
        used = client.post(
            "/v1/auth/password-reset", json={"token": _token(url), "new_password": NEW_PASSWORD}
        )
        assert used.status_code == 204

    def test_unreachable_mail_server_is_503_and_no_link(
        self, client: TestClient, db: Session
    ) -> None:
        settings = _settings(client).model_copy(
            update={"smtp_url": "smtp://127.0.0.1:9", "smtp_timeout_seconds": 2.0}
        )
        admin = make_staff(db, settings, role=None, is_admin=True)
        staff = make_staff(db, settings)
        with _settings_as(client, settings):
            issued = client.post(
                f"/v1/staff/users/{staff.user.id}/password-reset", headers=admin.headers
            )
        assert issued.status_code == 503
        assert (
            db.scalars(select(PasswordReset).where(PasswordReset.user_id == staff.user.id)).all()
            == []
        )

    def test_org_admin_scope(self, client: TestClient, db: Session) -> None:
        org, other = make_organization(db), make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        member = make_user(db, roles=[(org, Role.editor)])
        shared = make_user(db, roles=[(org, Role.editor), (other, Role.editor)])
        stranger = make_user(db, roles=[(other, Role.editor)])
        path = "/v1/staff/users/{}/password-reset"
        assert client.post(path.format(member.id), headers=org_admin.headers).status_code == 201
        assert client.post(path.format(shared.id), headers=org_admin.headers).status_code == 403
        assert client.post(path.format(stranger.id), headers=org_admin.headers).status_code == 404
        editor = make_staff(db, _settings(client), role="editor", organization=org)
        assert client.post(path.format(member.id), headers=editor.headers).status_code == 403


class TestDeactivation:
    def test_everything_stops_and_reactivation_revives_nothing(
        self, client: TestClient, db: Session
    ) -> None:
        org = make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        member = make_staff(db, _settings(client), role="admin", organization=org)
        member_pair = login(client, member.email)
        key = client.post(
            "/v1/api-keys",
            headers=member.headers,
            json={"organization": org.slug, "role": "editor", "name": "sync"},
        ).json()["key"]
        assert client.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 200
        off = client.post(f"/v1/staff/users/{member.user.id}/deactivate", headers=org_admin.headers)
        assert off.status_code == 200, off.text
        assert off.json()["is_active"] is False
        assert client.get("/v1/auth/me", headers=member.headers).status_code == 401
        assert client.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
        refreshed = client.post(
            "/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": member_pair["refresh_token"]},
        )
        assert refreshed.status_code == 401
        assert (
            client.post(
                "/v1/auth/token", data={"username": member.email, "password": TEST_PASSWORD}
            ).status_code
            == 401
        )
        on = client.post(f"/v1/staff/users/{member.user.id}/reactivate", headers=org_admin.headers)
        assert on.status_code == 200 and on.json()["is_active"] is True
        assert client.get("/v1/auth/me", headers=member.headers).status_code == 401
        assert client.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
        login(client, member.email)  # a new session works
        assert _actions(db, member.user.id)[-2:] == ["deactivate", "activate"]

    def test_key_stops_at_authentication_time(self, client: TestClient, db: Session) -> None:
        """Even a key not revoked (say, by a direct database change) stops with its creator."""
        org = make_organization(db)
        member = make_staff(db, _settings(client), role="admin", organization=org)
        key = client.post(
            "/v1/api-keys",
            headers=member.headers,
            json={"organization": org.slug, "role": "editor", "name": "sync"},
        ).json()["key"]
        member.user.is_active = False
        db.flush()
        assert client.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 401

    def test_cannot_deactivate_self_or_out_of_scope(self, client: TestClient, db: Session) -> None:
        org = make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        platform = make_user(db, is_admin=True, roles=[(org, Role.editor)])
        me = client.post(
            f"/v1/staff/users/{org_admin.user.id}/deactivate", headers=org_admin.headers
        )
        assert me.status_code == 409
        up = client.post(f"/v1/staff/users/{platform.id}/deactivate", headers=org_admin.headers)
        assert up.status_code == 403


class TestLists:
    def test_scoped_and_paged(self, client: TestClient, db: Session) -> None:
        mine, theirs = (
            make_organization(db, slug="aa-mine"),
            make_organization(db, slug="aa-theirs"),
        )
        org_admin = make_staff(db, _settings(client), role="admin", organization=mine)
        for i in range(3):
            make_user(db, email=f"m{i}@example.org", roles=[(mine, Role.editor)])
        make_user(db, email="t0@example.org", roles=[(theirs, Role.editor)])
        orgs = client.get("/v1/organizations", headers=org_admin.headers)
        assert orgs.status_code == 200, orgs.text
        assert [o["id"] for o in orgs.json()["items"]] == ["aa-mine"]
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 2}
        for _ in range(5):
            page = client.get("/v1/staff/users", headers=org_admin.headers, params=params).json()
            seen += [u["email"] for u in page["items"]]
            if not page.get("next_cursor"):
                break
            params["cursor"] = page["next_cursor"]
        assert seen == sorted(
            [org_admin.email, "m0@example.org", "m1@example.org", "m2@example.org"]
        )
        hidden = client.get(
            "/v1/staff/users", headers=org_admin.headers, params={"organization": "aa-theirs"}
        )
        assert hidden.status_code == 404
        members = client.get("/v1/organizations/aa-mine/members", headers=org_admin.headers)
        emails = [m["email"] for m in members.json()["items"]]
        assert emails == sorted(emails)
        assert len(members.json()["items"]) == 4
        assert (
            client.get("/v1/organizations/aa-theirs/members", headers=org_admin.headers).status_code
            == 404
        )

    def test_platform_admin_sees_all(self, client: TestClient, db: Session) -> None:
        make_organization(db, slug="zz-one")
        admin = make_staff(db, _settings(client), role=None, is_admin=True)
        slugs: list[str] = []
        params: dict[str, Any] = {"limit": 1}
        for _ in range(500):
            page = client.get("/v1/organizations", headers=admin.headers, params=params).json()
            slugs += [o["id"] for o in page["items"]]
            if not page.get("next_cursor"):
                break
            params["cursor"] = page["next_cursor"]
        assert "zz-one" in slugs and slugs == sorted(slugs)

    def test_editors_cannot_list(self, client: TestClient, db: Session) -> None:
        editor = make_staff(db, _settings(client))
        assert client.get("/v1/staff/users", headers=editor.headers).status_code == 403


class TestInvitations:
    def test_direct_add_needs_consent(self, client: TestClient, db: Session) -> None:
        org = make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        outsider = make_user(db)
        path = f"/v1/organizations/{org.slug}/members/{outsider.id}/roles/editor"
        assert client.put(path, headers=org_admin.headers).status_code == 403
        admin = make_staff(db, _settings(client), role=None, is_admin=True)
        assert client.put(path, headers=admin.headers).status_code == 200
        # Once a member, the org admin may change their roles.
        more = f"/v1/organizations/{org.slug}/members/{outsider.id}/roles/moderator"
        assert client.put(more, headers=org_admin.headers).status_code == 200

    def test_existing_user_accepts(self, client: TestClient, db: Session) -> None:
        org = make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        invitee = make_staff(db, _settings(client), role=None)
        made = client.post(
            f"/v1/organizations/{org.slug}/invitations",
            headers=org_admin.headers,
            json={"email": invitee.email.upper(), "role": "editor"},
        )
        assert made.status_code == 201, made.text
        token = _token(made.json()["url"])
        row = db.get(Invitation, made.json()["id"])
        assert row is not None and token.split(".", 1)[1] not in row.token_hash
        listed = client.get(f"/v1/organizations/{org.slug}/invitations", headers=org_admin.headers)
        assert [i["email"] for i in listed.json()] == [invitee.email]
        someone = make_staff(db, _settings(client), role=None)
        wrong = client.post(
            "/v1/invitations/accept", headers=someone.headers, json={"token": token}
        )
        assert wrong.status_code == 403
        ok = client.post("/v1/invitations/accept", headers=invitee.headers, json={"token": token})
        assert ok.status_code == 200, ok.text
        assert ok.json()["memberships"][0]["role"] == "editor"
        again = client.post(
            "/v1/invitations/accept", headers=invitee.headers, json={"token": token}
        )
        assert again.status_code == 422
        assert _actions(db, row.id) == ["create", "accept"]

    def test_new_person_registers_by_email(
        self, client: TestClient, db: Session, smtp: _Inbox
    ) -> None:
        org = make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        made = client.post(
            f"/v1/organizations/{org.slug}/invitations",
            headers=org_admin.headers,
            json={"email": "nueva.persona@example.org", "role": "translator"},
        )
        assert made.status_code == 201 and made.json()["sent_by_email"] is True
        (message,) = smtp.messages
        url = next(w for w in message.get_content().split() if "token=" in w)
        weak = client.post(
            "/v1/invitations/register", json={"token": _token(url), "password": "password1234"}
        )
        assert weak.status_code == 422
        reg = client.post(
            "/v1/invitations/register",
            json={"token": _token(url), "password": NEW_PASSWORD, "display_name": "Nueva"},
        )
        assert reg.status_code == 201, reg.text
        pair = login(client, "nueva.persona@example.org", NEW_PASSWORD)
        me = client.get("/v1/auth/me", headers=bearer(pair["access_token"])).json()
        assert [(m["organization"], m["role"]) for m in me["memberships"]] == [
            (org.slug, "translator")
        ]

    def test_revoked_invitation_cannot_be_used(self, client: TestClient, db: Session) -> None:
        org = make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        made = client.post(
            f"/v1/organizations/{org.slug}/invitations",
            headers=org_admin.headers,
            json={"email": "x.y@example.org", "role": "editor"},
        ).json()
        gone = client.delete(f"/v1/invitations/{made['id']}", headers=org_admin.headers)
        assert gone.status_code == 204
        reg = client.post(
            "/v1/invitations/register",
            json={"token": _token(made["url"]), "password": NEW_PASSWORD},
        )
        assert reg.status_code == 422


class TestAuditQuery:
    def test_filters_scope_and_paging(self, client: TestClient, db: Session) -> None:
        org, other = make_organization(db), make_organization(db)
        org_admin = make_staff(db, _settings(client), role="admin", organization=org)
        other_admin = make_staff(db, _settings(client), role="admin", organization=other)
        for n in range(3):
            client.post(
                f"/v1/organizations/{org.slug}/invitations",
                headers=org_admin.headers,
                json={"email": f"p{n}@example.org", "role": "editor"},
            )
        client.post(
            f"/v1/organizations/{other.slug}/invitations",
            headers=other_admin.headers,
            json={"email": "q@example.org", "role": "editor"},
        )
        ids: list[int] = []
        params: dict[str, Any] = {"entity": "invitation", "limit": 2}
        for _ in range(5):
            page = client.get("/v1/audit", headers=org_admin.headers, params=params)
            assert page.status_code == 200, page.text
            ids += [e["id"] for e in page.json()["items"]]
            assert {e["organization_id"] for e in page.json()["items"]} <= {org.id}
            if not page.json().get("next_cursor"):
                break
            params["cursor"] = page.json()["next_cursor"]
        assert len(ids) == 3 and ids == sorted(ids, reverse=True)
        by_actor = client.get(
            "/v1/audit", headers=org_admin.headers, params={"actor": other_admin.user.id}
        )
        assert by_actor.json()["items"] == []
        future = client.get(
            "/v1/audit", headers=org_admin.headers, params={"since": "2999-01-01T00:00:00Z"}
        )
        assert future.json()["items"] == []
        editor = make_staff(db, _settings(client), organization=org)
        assert client.get("/v1/audit", headers=editor.headers).status_code == 403
        other_cursor = client.get(
            "/v1/audit", headers=org_admin.headers, params={"cursor": params["cursor"]}
        )
        assert other_cursor.status_code == 422
