"""Console pages of the account lifecycle over HTTP: CSRF on the pages a one-time link
opens, the password change ending other sessions, deactivation, and who sees what."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from tests.accounts.helpers import TEST_PASSWORD, make_user
from tests.console.helpers import console_client, csrf_of, log_in, staff
from tests.factories import make_organization

NEW_PASSWORD = "Paso-Canoas-Frontera-2027"


def _link(page: str) -> str:
    match = re.search(r'id="one-time-link" class="key" readonly value="([^"]+)"', page)
    assert match, page
    return match.group(1).replace("&amp;", "&")


def test_reset_link_page_works_without_a_session_and_needs_its_csrf_token(
    console: TestClient, db: Session
) -> None:
    org = make_organization(db)
    staff(console, db, Role.admin, org)
    member = make_user(db, roles=[(org, Role.editor)])
    users = console.get("/console/users")
    issued = console.post(
        f"/console/users/{member.id}/reset-link", data={"csrf_token": csrf_of(users.text)}
    )
    assert issued.status_code == 201, issued.text
    path = _link(issued.text).split("testserver", 1)[1]
    with console_client(console.app) as anonymous:  # type: ignore[arg-type]
        form = anonymous.get(path)
        assert form.status_code == 200, form.text
        token = re.search(r'name="token" value="([^"]+)"', form.text)
        assert token
        forged = anonymous.post(
            "/console/reset", data={"token": token.group(1), "new_password": NEW_PASSWORD}
        )
        assert forged.status_code == 403
        done = anonymous.post(
            "/console/reset",
            data={
                "csrf_token": csrf_of(form.text),
                "token": token.group(1),
                "new_password": NEW_PASSWORD,
            },
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/console/login?notice=password_reset"
        log_in(anonymous, member.email, NEW_PASSWORD)
        assert anonymous.get(path).status_code == 410  # used


def test_password_change_in_the_console_ends_the_other_console_session(
    console: TestClient, db: Session
) -> None:
    user, _ = staff(console, db, Role.editor)
    with console_client(console.app) as elsewhere:  # type: ignore[arg-type]
        log_in(elsewhere, user.email)
        page = console.get("/console/account")
        assert page.status_code == 200
        changed = console.post(
            "/console/account/password",
            data={
                "csrf_token": csrf_of(page.text),
                "current_password": TEST_PASSWORD,
                "new_password": NEW_PASSWORD,
            },
        )
        assert changed.status_code == 303, changed.text
        assert console.get("/console/").status_code == 200
        assert elsewhere.get("/console/").status_code == 303  # to the login form


def test_deactivation_from_the_staff_list_and_scope(console: TestClient, db: Session) -> None:
    org, other = make_organization(db), make_organization(db)
    staff(console, db, Role.admin, org)
    member = make_user(db, roles=[(org, Role.editor)])
    stranger = make_user(db, roles=[(other, Role.editor)])
    with console_client(console.app) as theirs:  # type: ignore[arg-type]
        log_in(theirs, member.email)
        users = console.get("/console/users")
        token = csrf_of(users.text)
        off = console.post(
            f"/console/users/{member.id}/active", data={"csrf_token": token, "active": "0"}
        )
        assert off.status_code == 303 and off.headers["location"].endswith("notice=deactivated")
        assert theirs.get("/console/").status_code == 303
    hidden = console.post(
        f"/console/users/{stranger.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert hidden.status_code == 404
    audit = console.get("/console/audit")
    assert audit.status_code == 200


def test_editors_get_no_audit_or_invitations(console: TestClient, db: Session) -> None:
    staff(console, db, Role.editor)
    assert console.get("/console/audit").status_code == 403
    assert console.get("/console/invitations").status_code == 403
