"""Login CSRF by cookie tossing: a page on another port (or another subdomain) of the same
host plants its own login nonce, with the matching form token it fetched for itself, and
posts the attacker's credentials from the victim's browser. Over HTTPS the console's cookies
are ``__Host-`` cookies (which such a page cannot set), and a login posted from another
origin is refused whatever cookie it comes with."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.accounts.helpers import TEST_PASSWORD, make_user
from tests.console.helpers import console_client, csrf_of

SESSION, NONCE = "__Host-rumbo_console", "__Host-rumbo_console_login"
FROM_ANOTHER_PORT = {"Origin": "https://testserver:8443", "Sec-Fetch-Site": "same-site"}


def _set_cookies(response) -> list[str]:  # type: ignore[no-untyped-def]
    return response.headers.get_list("set-cookie")


def test_over_https_the_cookies_are_host_prefixed(console: TestClient, db: Session) -> None:
    page = console.get("/console/login")
    (nonce,) = [c for c in _set_cookies(page) if c.startswith(f"{NONCE}=")]
    user = make_user(db)
    response = console.post(
        "/console/login",
        data={"csrf_token": csrf_of(page.text), "email": user.email, "password": TEST_PASSWORD},
        headers={"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 303, response.text
    (session,) = [c for c in _set_cookies(response) if c.startswith(f"{SESSION}=")]
    for cookie in (nonce, session):
        attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
        # What the __Host- prefix demands: Secure, Path=/, no Domain.
        assert "secure" in attributes and "path=/" in attributes
        assert not any(a.startswith("domain=") for a in attributes)
        assert "httponly" in attributes and "samesite=lax" in attributes
    assert console.get("/console/").status_code == 200


@pytest.mark.parametrize("planted_name", [NONCE, "rumbo_console_login"])
def test_a_planted_nonce_does_not_log_the_victim_in(
    app: FastAPI, console: TestClient, db: Session, planted_name: str
) -> None:
    attacker_account = make_user(db)
    # The attacker fetches a login form for itself: a nonce and its matching form token.
    with console_client(app) as attacker:
        page = attacker.get("/console/login")
        nonce = next(
            c.split(";", 1)[0].split("=", 1)[1]
            for c in _set_cookies(page)
            if c.startswith(f"{NONCE}=")
        )
        token = csrf_of(page.text)
    # Its page on another port plants the nonce in the victim's browser and posts the form.
    console.cookies.set(planted_name, nonce, domain="testserver.local", path="/")
    response = console.post(
        "/console/login",
        data={"csrf_token": token, "email": attacker_account.email, "password": TEST_PASSWORD},
        headers=FROM_ANOTHER_PORT,
    )
    assert response.status_code == 403, response.text
    assert not any(c.startswith((f"{SESSION}=", "rumbo_console=")) for c in _set_cookies(response))
    # The victim is not logged in to anybody's account.
    assert console.get("/console/").status_code == 303


def test_a_nonce_planted_under_the_old_name_is_ignored(
    app: FastAPI, console: TestClient, db: Session
) -> None:
    """Without Origin headers (an old browser): the planted cookie is not the one read."""
    attacker_account = make_user(db)
    with console_client(app) as attacker:
        page = attacker.get("/console/login")
        nonce = next(
            c.split(";", 1)[0].split("=", 1)[1]
            for c in _set_cookies(page)
            if c.startswith(f"{NONCE}=")
        )
        token = csrf_of(page.text)
    console.cookies.set("rumbo_console_login", nonce, domain="testserver.local", path="/console")
    response = console.post(
        "/console/login",
        data={"csrf_token": token, "email": attacker_account.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 403, response.text
    assert console.get("/console/").status_code == 303


def test_forms_posted_from_another_origin_are_refused_after_login_too(
    console: TestClient, db: Session
) -> None:
    user = make_user(db)
    page = console.get("/console/login")
    console.post(
        "/console/login",
        data={"csrf_token": csrf_of(page.text), "email": user.email, "password": TEST_PASSWORD},
    )
    token = csrf_of(console.get("/console/").text)
    refused = console.post("/console/logout", data={"csrf_token": token}, headers=FROM_ANOTHER_PORT)
    assert refused.status_code == 403
    assert console.get("/console/").status_code == 200
    opaque = console.post("/console/logout", data={"csrf_token": token}, headers={"Origin": "null"})
    assert opaque.status_code == 403
