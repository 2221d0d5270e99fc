"""Logging in, refreshing, logging out, API keys; and every bad credential refused with 401."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import security
from app.accounts.models import ApiKey, RefreshToken, Role
from tests.accounts.helpers import (
    TEST_PASSWORD,
    api_key_headers,
    bearer,
    login,
    make_api_key,
    make_staff,
    make_user,
)
from tests.factories import make_organization


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


class TestLogin:
    def test_password_login_returns_tokens(self, client: TestClient, db: Session) -> None:
        org = make_organization(db, slug="login-org")
        user = make_user(db, roles=[(org, Role.editor), (org, Role.moderator)])
        response = client.post(
            "/v1/auth/token", data={"username": user.email.upper(), "password": TEST_PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "private, no-store"
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 900
        me = client.get("/v1/auth/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json() == {
            "credential": "password",
            "user_id": user.id,
            "email": user.email,
            "is_admin": False,
            "memberships": [
                {"organization": "login-org", "organization_name": org.name, "role": "editor"},
                {"organization": "login-org", "organization_name": org.name, "role": "moderator"},
            ],
            "country_editor_of": [],
        }

    @pytest.mark.parametrize("who", ["wrong-password", "unknown-user", "inactive"])
    def test_bad_login_is_401_without_saying_why(
        self, client: TestClient, db: Session, who: str
    ) -> None:
        user = make_user(db)
        email, password = user.email, TEST_PASSWORD
        if who == "wrong-password":
            password = "not-the-password-at-all"
        elif who == "unknown-user":
            email = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
        else:
            user.is_active = False
            db.flush()
        body = _problem(
            client.post("/v1/auth/token", data={"username": email, "password": password}), 401
        )
        assert body["detail"] == "incorrect e-mail address or password"

    def test_missing_fields_named(self, client: TestClient) -> None:
        body = _problem(client.post("/v1/auth/token", data={}), 422)
        assert {e["name"] for e in body["errors"]} == {"username", "password"}

    def test_repeated_failures_are_throttled(self, client: TestClient, db: Session) -> None:
        user = make_user(db)
        other = make_user(db)
        for _ in range(5):
            response = client.post(
                "/v1/auth/token", data={"username": user.email, "password": "wrong-password-1"}
            )
            assert response.status_code == 401
        # Even the right password waits now, for that account only.
        throttled = client.post(
            "/v1/auth/token", data={"username": user.email, "password": TEST_PASSWORD}
        )
        _problem(throttled, 429)
        assert int(throttled.headers["retry-after"]) > 0
        assert login(client, other.email)["access_token"]


class TestSessions:
    def test_refresh_rotates_and_reuse_ends_the_session(
        self, client: TestClient, db: Session
    ) -> None:
        user = make_user(db)
        first = login(client, user.email)
        rotated = client.post(
            "/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        )
        assert rotated.status_code == 200, rotated.text
        second = rotated.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert client.get("/v1/auth/me", headers=bearer(second["access_token"])).status_code == 200
        # The old refresh token comes back: someone copied it. The whole session ends.
        replay = client.post(
            "/v1/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        )
        _problem(replay, 401)
        _problem(client.get("/v1/auth/me", headers=bearer(second["access_token"])), 401)
        _problem(
            client.post(
                "/v1/auth/token",
                data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
            ),
            401,
        )

    def test_logout_takes_effect_at_once(self, client: TestClient, db: Session) -> None:
        user = make_user(db)
        tokens = login(client, user.email)
        other_session = login(client, user.email)
        assert (
            client.post("/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code
            == 204
        )
        _problem(client.get("/v1/auth/me", headers=bearer(tokens["access_token"])), 401)
        _problem(
            client.post(
                "/v1/auth/token",
                data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            ),
            401,
        )
        # Only that session ended.
        assert (
            client.get("/v1/auth/me", headers=bearer(other_session["access_token"])).status_code
            == 200
        )

    def test_deactivated_account_is_refused_at_once(self, client: TestClient, db: Session) -> None:
        staff = make_staff(db, client.app.state.settings)  # type: ignore[attr-defined]
        assert client.get("/v1/auth/me", headers=staff.headers).status_code == 200
        staff.user.is_active = False
        db.flush()
        _problem(client.get("/v1/auth/me", headers=staff.headers), 401)


def _forge(settings, **changes) -> str:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": changes.pop("sub"),
        "sid": changes.pop("sid"),
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(minutes=5)).timestamp()),
        "typ": "access",
    }
    key = changes.pop("key", settings.secret_key)
    algorithm = changes.pop("algorithm", "HS256")
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm)


class TestBadCredentials:
    """Every one of these is refused with 401 problem+json and WWW-Authenticate."""

    @pytest.mark.parametrize(
        "case",
        [
            "missing",
            "garbage",
            "expired",
            "tampered-payload",
            "tampered-signature",
            "wrong-key",
            "wrong-audience",
            "wrong-issuer",
            "no-expiry",
            "alg-none",
            "refresh-token-as-access",
            "unknown-session",
            "revoked-session",
            "api-key-revoked",
            "api-key-expired",
            "api-key-wrong-secret",
        ],
    )
    def test_refused(self, client: TestClient, db: Session, case: str) -> None:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        staff = make_staff(db, settings)
        token = staff.tokens["access_token"]
        sid = jwt.decode(token, options={"verify_signature": False})["sid"]
        ids = {"sub": staff.user.id, "sid": sid}
        headers: dict[str, str]
        if case == "missing":
            headers = {}
        elif case == "garbage":
            headers = bearer("not-a-token")
        elif case == "expired":
            past = int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).timestamp())
            headers = bearer(_forge(settings, **ids, exp=past))
        elif case == "tampered-payload":
            head, payload, sig = token.split(".")
            claims = jwt.decode(token, options={"verify_signature": False})
            claims["sub"] = str(uuid.uuid4())
            forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
            headers = bearer(f"{head}.{forged.decode()}.{sig}")
        elif case == "tampered-signature":
            head, payload, sig = token.split(".")
            flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
            headers = bearer(f"{head}.{payload}.{flipped}")
        elif case == "wrong-key":
            headers = bearer(_forge(settings, **ids, key="another-secret-key-0123456789abcdef"))
        elif case == "wrong-audience":
            headers = bearer(_forge(settings, **ids, aud="some-other-service"))
        elif case == "wrong-issuer":
            headers = bearer(_forge(settings, **ids, iss="someone-else"))
        elif case == "no-expiry":
            headers = bearer(_forge(settings, **ids, exp=None))
        elif case == "alg-none":
            headers = bearer(_forge(settings, **ids, key=None, algorithm="none"))
        elif case == "refresh-token-as-access":
            headers = bearer(staff.tokens["refresh_token"])
        elif case == "unknown-session":
            headers = bearer(_forge(settings, sub=staff.user.id, sid=str(uuid.uuid4())))
        elif case == "revoked-session":
            db.get(RefreshToken, sid).revoked_at = dt.datetime.now(dt.UTC)  # type: ignore[union-attr]
            db.flush()
            headers = staff.headers
        else:
            assert staff.organization is not None
            row, headers = make_api_key(db, staff.organization)
            if case == "api-key-revoked":
                row.revoked_at = dt.datetime.now(dt.UTC)
            elif case == "api-key-expired":
                row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            else:
                key = headers["X-API-Key"]
                headers = api_key_headers(key[:-4] + ("aaaa" if key[-4:] != "aaaa" else "bbbb"))
            db.flush()
        response = client.get("/v1/auth/me", headers=headers)
        _problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
        # The same credential cannot write either.
        write = client.post("/v1/points", json={}, headers=headers)
        _problem(write, 401)


class TestApiKeys:
    def test_lifecycle_through_http(self, client: TestClient, db: Session) -> None:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        admin = make_staff(db, settings, role=Role.admin)
        assert admin.organization is not None
        created = client.post(
            "/v1/api-keys",
            json={"organization": admin.organization.slug, "role": "editor", "name": "sync bot"},
            headers=admin.headers,
        )
        assert created.status_code == 201, created.text
        body = created.json()
        key = body["key"]
        assert key.startswith("rk_") and body["prefix"] in key
        row = db.get(ApiKey, body["id"])
        assert row is not None and row.key_hash == security.digest(key) and key not in row.key_hash
        # Listed without the key.
        listed = client.get("/v1/api-keys", headers=admin.headers).json()
        assert [k["id"] for k in listed] == [body["id"]]
        assert "key" not in listed[0]
        # Both ways of presenting it work; last use is stamped.
        me = client.get("/v1/auth/me", headers=api_key_headers(key))
        assert me.status_code == 200
        assert me.json()["credential"] == "api_key"
        assert me.json()["memberships"][0]["role"] == "editor"
        assert client.get("/v1/auth/me", headers=bearer(key)).status_code == 200
        db.refresh(row)
        assert row.last_used_at is not None
        # Revoked: refused at once.
        assert client.delete(f"/v1/api-keys/{body['id']}", headers=admin.headers).status_code == 204
        _problem(client.get("/v1/auth/me", headers=api_key_headers(key)), 401)

    def test_only_org_admins_manage_keys(self, client: TestClient, db: Session) -> None:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        editor = make_staff(db, settings, role=Role.editor)
        outsider = make_staff(db, settings, role=Role.admin)
        assert editor.organization is not None
        payload = {"organization": editor.organization.slug, "role": "editor", "name": "x"}
        _problem(client.post("/v1/api-keys", json=payload, headers=editor.headers), 403)
        _problem(client.post("/v1/api-keys", json=payload, headers=outsider.headers), 404)
        row, _ = make_api_key(db, editor.organization)
        _problem(client.delete(f"/v1/api-keys/{row.id}", headers=outsider.headers), 404)
        _problem(client.delete(f"/v1/api-keys/{row.id}", headers=editor.headers), 403)
        # An API key cannot mint keys for itself either.
        _, key_headers = make_api_key(db, editor.organization, Role.editor)
        _problem(client.post("/v1/api-keys", json=payload, headers=key_headers), 403)


class TestAdministration:
    def test_admin_creates_org_user_and_role(self, client: TestClient, db: Session) -> None:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        admin = make_staff(db, settings, role=None, is_admin=True)
        org = client.post(
            "/v1/organizations", json={"id": "new-ngo", "name": "New NGO"}, headers=admin.headers
        )
        assert org.status_code == 201, org.text
        weak = client.post(
            "/v1/staff/users",
            json={"email": "weak@example.org", "password": "short"},
            headers=admin.headers,
        )
        assert _problem(weak, 422)["errors"][0]["name"] == "password"
        user = client.post(
            "/v1/staff/users",
            json={"email": "Editor@Example.org", "password": "Una-clave-bastante-larga-9"},
            headers=admin.headers,
        )
        assert user.status_code == 201, user.text
        user_id = user.json()["id"]
        assert user.json()["email"] == "editor@example.org"
        granted = client.put(
            f"/v1/organizations/new-ngo/members/{user_id}/roles/editor", headers=admin.headers
        )
        assert granted.status_code == 200, granted.text
        assert granted.json()["memberships"][0]["role"] == "editor"
        tokens = login(client, "editor@example.org", "Una-clave-bastante-larga-9")
        assert client.get("/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 200

    def test_non_admins_cannot_administer(self, client: TestClient, db: Session) -> None:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        org_admin = make_staff(db, settings, role=Role.admin)
        _problem(
            client.post(
                "/v1/organizations", json={"id": "x-ngo", "name": "X"}, headers=org_admin.headers
            ),
            403,
        )
        _problem(
            client.post(
                "/v1/staff/users",
                json={"email": "a@example.org", "password": "Una-clave-bastante-larga-9"},
                headers=org_admin.headers,
            ),
            403,
        )

    @pytest.mark.parametrize(
        ("password", "ok"),
        [
            ("short", False),
            ("aaaaaaaaaaaaaaaa", False),
            ("password123", False),
            ("maria.lopez-2026!", False),  # contains the e-mail's local part
            ("Corredor-Darien-2026!", True),
        ],
    )
    def test_password_strength(self, password: str, ok: bool) -> None:
        check = lambda: security.check_password_strength(  # noqa: E731
            password, min_length=12, email="maria.lopez@example.org"
        )
        if ok:
            check()
        else:
            with pytest.raises(security.WeakPassword):
                check()
