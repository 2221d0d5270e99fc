"""Helpers for the console's HTTP tests: a browser-like client, log in, forms with tokens.

- ``console_client(app)``: a TestClient on ``https://testserver`` (the session cookie is
  ``Secure``) that does not follow redirects, so tests see every 303.
- ``csrf_of(html)``: the CSRF token of the first form of a page.
- ``log_in(client, email)``: the login form, as a person fills it in.
- ``staff(client, db, role, organization)``: a new account with ``role``, logged in.
- ``form_of(html, action)``: the hidden fields of the form posting to ``action``.
- ``post_form(client, page_url, action, **fields)``: read the page, post its form with
  its hidden fields (token, ETag, base values) and ``fields`` on top.
"""

from __future__ import annotations

import html as html_module
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role, StaffUser
from app.organizations.models import Organization
from tests.accounts.helpers import TEST_PASSWORD, make_user
from tests.factories import make_organization

__all__ = [
    "console_client",
    "csrf_of",
    "form_of",
    "log_in",
    "point_form",
    "post_form",
    "staff",
]

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_INPUT = re.compile(r"<input\b([^>]*)>", re.S)
_TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S)
_SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
_ATTR = re.compile(r'([\w:-]+)(?:="([^"]*)")?')


def console_client(app: FastAPI) -> TestClient:
    return TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False
    )


def csrf_of(page: str) -> str:
    match = _TOKEN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def log_in(client: TestClient, email: str, password: str = TEST_PASSWORD) -> None:
    page = client.get("/console/login")
    assert page.status_code == 200, page.text
    response = client.post(
        "/console/login",
        data={"csrf_token": csrf_of(page.text), "email": email, "password": password},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/console/"


def staff(
    client: TestClient,
    db: Session,
    role: Role | str | None = Role.editor,
    organization: Organization | None = None,
    *,
    is_admin: bool = False,
) -> tuple[StaffUser, Organization]:
    """A new account holding ``role`` in ``organization`` (a new one when omitted), logged in."""
    org = organization or make_organization(db)
    roles = [(org, role)] if role is not None else []
    user = make_user(db, is_admin=is_admin, roles=roles)
    db.flush()
    log_in(client, user.email)
    return user, org


def _attrs(raw: str) -> dict[str, str]:
    return {k: html_module.unescape(v or "") for k, v in _ATTR.findall(raw)}


def form_of(page: str, action: str) -> dict[str, Any]:
    """Every field of the form that posts to ``action``, with the values the page shows."""
    for attrs, body in _FORM.findall(page):
        if _attrs(attrs).get("action") != action:
            continue
        fields: dict[str, Any] = {}
        for raw in _INPUT.findall(body):
            a = _attrs(raw)
            name = a.get("name")
            if not name or "disabled" in a:
                continue
            if a.get("type") == "checkbox":
                if "checked" in a:
                    fields.setdefault(name, []).append(a.get("value", "on"))
                continue
            fields[name] = a.get("value", "")
        for raw, text in _TEXTAREA.findall(body):
            a = _attrs(raw)
            if a.get("name"):
                fields[a["name"]] = html_module.unescape(text)
        for raw, options in _SELECT.findall(body):
            a = _attrs(raw)
            chosen = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', options) or re.search(
                r'<option value="([^"]*)"', options
            )
            if a.get("name") and chosen:
                fields[a["name"]] = html_module.unescape(chosen.group(1))
        return fields
    raise AssertionError(f"no form posting to {action!r}")


def post_form(client: TestClient, page_url: str, target: str, /, **fields: Any) -> Any:
    """Load ``page_url``, then post its form that targets ``target`` with ``fields`` changed."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    data = form_of(page.text, target)
    data.update(fields)
    return client.post(target, data=data)


def point_form(**overrides: Any) -> dict[str, Any]:
    """The fields a person fills in to create a point (no token)."""
    data: dict[str, Any] = {
        "name": "Albergue La Esperanza",
        "description": "Albergue temporal para familias",
        "lat": "8.5126",
        "lon": "-76.7821",
        "country": "CO",
        "locality": "Necoclí",
        "categories": ["shelter"],
        "original_language": "es",
        "opening_hours": "Mo-Fr 08:00-17:00",
        "free": "yes",
    }
    data.update(overrides)
    return data
