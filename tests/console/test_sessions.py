"""Logging in and out of the console: cookies, CSRF, revocation, redirects, headers."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.accounts import security
from app.accounts.models import RefreshToken, Role
from app.console.router import set_cookie
from app.console.web import Page
from tests.accounts.helpers import make_user
from tests.console.helpers import console_client, csrf_of, staff
from tests.factories import make_organization


def _set_cookie_headers(response) -> list[str]:
    return response.headers.get_list("set-cookie")


class TestLogin:
    def test_anonymous_pages_redirect_to_the_login_form(self, console: TestClient):
        response = console.get("/console/points?status=draft")
        assert response.status_code == 303
        assert (
            response.headers["location"] == "/console/login?next=/console/points%3Fstatus%3Ddraft"
        )
        assert console.get("/console/").headers["location"] == "/console/login?next=/console/"

    def test_login_form_sets_a_nonce_cookie_and_security_headers(self, console: TestClient):
        response = console.get("/console/login")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        (cookie,) = [
            c for c in _set_cookie_headers(response) if c.startswith("__Host-rumbo_console_login=")
        ]
        for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/;"):
            assert flag.lower() in cookie.lower()
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "private, no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert 'autocomplete="current-password"' in response.text

    def test_login_opens_a_hashed_revocable_session(self, console: TestClient, db: Session):
        user = make_user(db, roles=[(make_organization(db), Role.editor)])
        page = console.get("/console/login")
        response = console.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": user.email.upper(),
                "password": "Corredor-Darien-2026!",
            },
        )
        assert response.status_code == 303, response.text
        (cookie,) = [
            c for c in _set_cookie_headers(response) if c.startswith("__Host-rumbo_console=")
        ]
        for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/;"):
            assert flag.lower() in cookie.lower()
        max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
        hours = console.app.state.settings.console_session_hours
        assert 0 < max_age <= hours * 3600
        value = cookie.split(";", 1)[0].split("=", 1)[1]
        session_id, secret = security.parse_refresh_token(value.strip('"'))
        row = db.get(RefreshToken, session_id)
        assert row is not None and row.user_id == user.id and row.revoked_at is None
        assert row.token_hash == security.digest(secret) and secret not in row.token_hash
        assert row.expires_at <= dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
        dashboard = console.get("/console/")
        assert dashboard.status_code == 200 and user.email in dashboard.text

    def test_wrong_password_is_refused_without_a_session(self, console: TestClient, db: Session):
        user = make_user(db)
        page = console.get("/console/login")
        response = console.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": user.email,
                "password": "wrong-password-1",
            },
        )
        assert response.status_code == 401
        assert not any(c.startswith("__Host-rumbo_console=") for c in _set_cookie_headers(response))
        assert "Correo o contraseña incorrectos" in response.text or "Incorrect" in response.text
        unknown = console.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": "nobody@example.org",
                "password": "x" * 12,
            },
        )
        assert unknown.status_code == 401
        empty = console.post("/console/login", data={"csrf_token": csrf_of(page.text)})
        assert empty.status_code == 422

    def test_login_without_the_form_token_is_refused(self, console: TestClient, db: Session):
        user = make_user(db)
        console.get("/console/login")
        for token in (None, "forged-token", "a" * 500):
            data = {"email": user.email, "password": "Corredor-Darien-2026!"}
            if token:
                data["csrf_token"] = token
            response = console.post("/console/login", data=data)
            assert response.status_code == 403, token
            assert not any(
                c.startswith("__Host-rumbo_console=") for c in _set_cookie_headers(response)
            )

    def test_a_token_from_another_browser_is_refused(self, app, console: TestClient, db: Session):
        user = make_user(db)
        with console_client(app) as other:
            stolen = csrf_of(other.get("/console/login").text)
        console.get("/console/login")
        response = console.post(
            "/console/login",
            data={"csrf_token": stolen, "email": user.email, "password": "Corredor-Darien-2026!"},
        )
        assert response.status_code == 403

    def test_repeated_failures_are_throttled(self, console: TestClient, db: Session):
        user = make_user(db)
        token = csrf_of(console.get("/console/login").text)
        statuses = [
            console.post(
                "/console/login",
                data={"csrf_token": token, "email": user.email, "password": f"bad-password-{i}"},
            ).status_code
            for i in range(7)
        ]
        assert statuses[:5] == [401] * 5 and statuses[-1] == 429

    def test_next_only_follows_console_paths(self, console: TestClient, db: Session):
        user = make_user(db)
        for target, expected in (
            ("/console/points", "/console/points"),
            ("https://evil.example/console/", "/console/"),
            ("//evil.example/console", "/console/"),
            ("/v1/points", "/console/"),
        ):
            console.cookies.clear()
            token = csrf_of(console.get("/console/login").text)
            response = console.post(
                "/console/login",
                data={
                    "csrf_token": token,
                    "email": user.email,
                    "password": "Corredor-Darien-2026!",
                    "next": target,
                },
            )
            assert response.headers["location"] == expected, target


class TestSession:
    def test_logout_revokes_the_session_everywhere(self, app, console: TestClient, db: Session):
        staff(console, db)
        cookie = console.cookies.get("__Host-rumbo_console")
        page = console.get("/console/")
        response = console.post("/console/logout", data={"csrf_token": csrf_of(page.text)})
        assert response.status_code == 303
        assert response.headers["location"] == "/console/login?notice=logged_out"
        session_id, _ = security.parse_refresh_token(cookie.strip('"'))
        assert db.get(RefreshToken, session_id).revoked_at is not None
        with console_client(app) as replay:
            replay.cookies.set("__Host-rumbo_console", cookie, domain="testserver.local", path="/")
            assert replay.get("/console/").status_code == 303

    def test_logout_needs_the_token(self, console: TestClient, db: Session):
        staff(console, db)
        assert console.post("/console/logout").status_code == 403
        assert console.get("/console/").status_code == 200

    def test_a_deactivated_account_is_logged_out_at_once(self, console: TestClient, db: Session):
        user, _ = staff(console, db)
        assert console.get("/console/").status_code == 200
        user.is_active = False
        db.flush()
        assert console.get("/console/").status_code == 303

    def test_forged_cookies_are_ignored(self, console: TestClient, db: Session):
        staff(console, db)
        cookie = console.cookies.get("__Host-rumbo_console").strip('"')
        session_id, secret = cookie.split(".", 1)
        for forged in (f"{session_id}.{'x' * len(secret)}", "garbage", "a" * 300):
            console.cookies.set("__Host-rumbo_console", forged, domain="testserver.local", path="/")
            assert console.get("/console/").status_code == 303, forged

    def test_expired_sessions_end(self, console: TestClient, db: Session):
        staff(console, db)
        rows = db.scalars(select(RefreshToken).where(RefreshToken.revoked_at.is_(None))).all()
        for row in rows:
            row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.flush()
        assert console.get("/console/").status_code == 303

    def test_the_secure_flag_can_be_turned_off_for_local_http(self, app):
        settings = app.state.settings.model_copy(update={"console_cookie_secure": False})
        page = Page(request=None, settings=settings, lang="es", user=None)  # type: ignore[arg-type]
        response = Response()
        set_cookie(page, response, "rumbo_console", "value", 60)
        header = response.headers["set-cookie"]
        assert "secure" not in header.lower() and "httponly" in header.lower()
        assert "path=/console" in header.lower()


class TestLanguage:
    def test_the_console_speaks_es_en_fr(self, console: TestClient, db: Session):
        assert 'lang="es"' in console.get("/console/login").text
        english = console.get("/console/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
        assert 'lang="en"' in english.text and "Log in" in english.text
        token = csrf_of(english.text)
        switched = console.post(
            "/console/language", data={"csrf_token": token, "lang": "fr", "next": "/console/login"}
        )
        assert switched.status_code == 303 and switched.headers["location"] == "/console/login"
        french = console.get("/console/login", headers={"Accept-Language": "en"})
        assert 'lang="fr"' in french.text and "Connexion" in french.text

    def test_the_console_negotiates_like_the_api(self, console: TestClient):
        # One negotiation (app/i18n/negotiation.py): Haitian Creole readers get French.
        haitian = console.get("/console/login", headers={"Accept-Language": "ht"})
        assert 'lang="fr"' in haitian.text and "Connexion" in haitian.text
        assert (
            'lang="en"'
            in console.get("/console/login", headers={"Accept-Language": "de, en;q=0.5"}).text
        )

    def test_unknown_languages_are_ignored(self, console: TestClient):
        token = csrf_of(console.get("/console/login").text)
        response = console.post("/console/language", data={"csrf_token": token, "lang": "de"})
        assert response.status_code == 303
        assert not any(c.startswith("rumbo_console_lang=") for c in _set_cookie_headers(response))
