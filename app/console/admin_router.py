"""Console pages of administration: staff accounts and roles, API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.accounts.models import Role
from app.console import admin
from app.console.dependencies import ConsoleDb, FormDep, StaffPageDep
from app.console.router import Notice, with_notice
from app.console.web import ConsoleRoute, Page, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

Ident = Annotated[str, Path(max_length=36)]
ROLES = [r.value for r in Role]


def _users(page: Page, db: ConsoleDb, *, errors: list[str], code: int) -> Response:
    rows, organizations = admin.list_staff(db, page.staff.principal)
    return render(
        page,
        "users.html",
        status=code,
        title=page.t("users.title"),
        rows=rows,
        organizations=organizations,
        roles=ROLES,
        errors=errors,
    )


@router.get("/users", operation_id="consoleUsers", summary="Console: staff and roles")
def users(page: StaffPageDep, db: ConsoleDb, notice: Notice = None) -> Response:
    return _users(with_notice(page, notice), db, errors=[], code=200)


@router.post("/users", operation_id="consoleCreateUser", summary="Console: create an account")
def create_user(page: StaffPageDep, form: FormDep, db: ConsoleDb) -> Response:
    errors = admin.create_user(db, page.settings, page.staff.principal, form)
    if errors:
        return _users(page, db, errors=errors, code=422)
    return redirect("/console/users?notice=user_created")


@router.post(
    "/users/{user_id}/roles", operation_id="consoleChangeRole", summary="Console: grant/revoke"
)
def change_role(page: StaffPageDep, form: FormDep, db: ConsoleDb, user_id: Ident) -> Response:
    errors = admin.change_role(db, page.staff.principal, user_id, form)
    if errors:
        return _users(page, db, errors=errors, code=422)
    return redirect("/console/users?notice=role_changed")


def _keys(
    page: Page, db: ConsoleDb, *, errors: list[str], code: int, created: object = None
) -> Response:
    keys = admin.list_keys(db, page.staff.principal)
    _, organizations = admin.list_staff(db, page.staff.principal)
    return render(
        page,
        "keys.html",
        status=code,
        title=page.t("keys.title"),
        keys=keys,
        organizations=organizations,
        roles=ROLES,
        errors=errors,
        created=created,
    )


@router.get("/api-keys", operation_id="consoleApiKeys", summary="Console: API keys")
def api_keys(page: StaffPageDep, db: ConsoleDb, notice: Notice = None) -> Response:
    return _keys(with_notice(page, notice), db, errors=[], code=200)


@router.post("/api-keys", operation_id="consoleCreateApiKey", summary="Console: create a key")
def create_api_key(page: StaffPageDep, form: FormDep, db: ConsoleDb) -> Response:
    created, errors = admin.create_api_key(db, page.staff.principal, form)
    if errors:
        return _keys(page, db, errors=errors, code=422)
    return _keys(page, db, errors=[], code=201, created=created)


@router.post(
    "/api-keys/{key_id}/revoke", operation_id="consoleRevokeApiKey", summary="Console: revoke"
)
def revoke_api_key(page: StaffPageDep, form: FormDep, db: ConsoleDb, key_id: Ident) -> Response:
    admin.revoke_api_key(db, page.staff.principal, key_id)
    return redirect("/console/api-keys?notice=key_revoked")
