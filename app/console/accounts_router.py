"""Console pages of the account lifecycle: my password, reset links, deactivation,
invitations (made by admins, accepted by the invited person) and the audit query.

All the rules are ``app.accounts.lifecycle``/``invitations`` and ``app.audit.query``'s;
refusals they raise become console pages (``ConsoleRoute``), and a refused form is shown
again with its messages. The two pages reached from a one-time link (``/console/reset``,
``/console/invitation``) work without a session, with the login form's CSRF nonce.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from starlette.datastructures import FormData

from app.accounts import invitations, lifecycle, repository
from app.accounts.models import Role
from app.audit import query as audit_query
from app.console import admin, sessions
from app.console.dependencies import ConsoleDb, FormDep, PageDep, StaffPageDep
from app.console.forms import messages_of
from app.console.router import Notice, set_cookie, with_notice
from app.console.web import ConsoleRoute, Page, redirect, render
from app.errors import ValidationProblem
from app.ratelimit import RateLimiterDep

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

Ident = Annotated[str, Path(max_length=36)]
Token = Annotated[str, Query(max_length=200)]
ROLES = [r.value for r in Role]


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _base_url(page: Page) -> str:
    return page.settings.public_url or str(page.request.base_url)


def _public(page: Page, response: Response) -> Response:
    """A page without a session: keep the nonce its form's CSRF token is made from."""
    if page.new_login_nonce and page.login_nonce:
        names = sessions.cookie_names(page.settings)
        set_cookie(page, response, names.login, page.login_nonce, sessions.LOGIN_NONCE_SECONDS)
    return response


# --- My password -----------------------------------------------------------------------------


def _account(page: Page, *, errors: list[str], code: int) -> Response:
    return render(page, "account.html", status=code, title=page.t("account.title"), errors=errors)


@router.get("/account", operation_id="consoleAccount", summary="Console: my account")
def account(page: StaffPageDep, notice: Notice = None) -> Response:
    return _account(with_notice(page, notice), errors=[], code=200)


@router.post(
    "/account/password", operation_id="consoleChangePassword", summary="Console: my password"
)
def change_password(
    page: StaffPageDep, form: FormDep, db: ConsoleDb, limiter: RateLimiterDep
) -> Response:
    assert page.user is not None
    try:
        lifecycle.change_password(
            db,
            page.settings,
            limiter,
            actor=page.user.principal,
            current_password=_field(form, "current_password")[:1024],
            new_password=_field(form, "new_password")[:1024],
        )
    except ValidationProblem as exc:
        db.rollback()
        return _account(page, errors=messages_of(exc), code=422)
    return redirect("/console/account?notice=password_changed")


# --- Reset links and deactivation (from the staff list) ----------------------------------


@router.post(
    "/users/{user_id}/reset-link", operation_id="consoleResetLink", summary="Console: reset link"
)
def reset_link(page: StaffPageDep, form: FormDep, db: ConsoleDb, user_id: Ident) -> Response:
    assert page.user is not None
    link = lifecycle.issue_reset(
        db, page.settings, actor=page.user.principal, user_id=user_id, base_url=_base_url(page)
    )
    return render(
        page, "link.html", status=201, title=page.t("link.reset_title"), link=link, kind="reset"
    )


@router.post(
    "/users/{user_id}/active", operation_id="consoleSetActive", summary="Console: (de)activate"
)
def set_active(page: StaffPageDep, form: FormDep, db: ConsoleDb, user_id: Ident) -> Response:
    assert page.user is not None
    active = _field(form, "active") == "1"
    lifecycle.set_active(db, actor=page.user.principal, user_id=user_id, active=active)
    return redirect(f"/console/users?notice={'reactivated' if active else 'deactivated'}")


@router.get("/reset", operation_id="consoleResetPage", summary="Console: use a reset link")
def reset_page(page: PageDep, db: ConsoleDb, token: Token = "") -> Response:
    return _reset(page, db, token=token, errors=[], code=200)


def _reset(page: Page, db: ConsoleDb, *, token: str, errors: list[str], code: int) -> Response:
    valid = True
    try:
        lifecycle.reset_target(db, token)
    except ValidationProblem:
        valid = False
    response = render(
        page,
        "reset.html",
        status=code if valid else 410,
        title=page.t("reset.title"),
        token=token,
        valid=valid,
        errors=errors,
    )
    return _public(page, response)


@router.post("/reset", operation_id="consoleReset", summary="Console: set a new password")
def reset(page: PageDep, form: FormDep, db: ConsoleDb) -> Response:
    token = _field(form, "token")[:200]
    try:
        lifecycle.use_reset(
            db, page.settings, token=token, new_password=_field(form, "new_password")[:1024]
        )
    except ValidationProblem as exc:
        db.rollback()
        return _reset(page, db, token=token, errors=messages_of(exc), code=422)
    # The reset ended every session of the account (a console session here included).
    return redirect("/console/login?notice=password_reset")


# --- Invitations -------------------------------------------------------------------------------


def _invitations(
    page: Page, db: ConsoleDb, *, errors: list[str], code: int, created: object = None
) -> Response:
    assert page.user is not None
    principal = page.user.principal
    _, organizations = admin.list_staff(db, principal)
    pending = []
    for org in organizations:
        if principal.can(org.id, Role.admin):
            _, rows = invitations.pending(db, actor=principal, organization=org.slug)
            pending += [(org, r) for r in rows]
    return render(
        page,
        "invitations.html",
        status=code,
        title=page.t("invitations.title"),
        organizations=[o for o in organizations if principal.can(o.id, Role.admin)],
        pending=pending,
        roles=ROLES,
        errors=errors,
        created=created,
    )


@router.get("/invitations", operation_id="consoleInvitations", summary="Console: invitations")
def invitations_page(page: StaffPageDep, db: ConsoleDb, notice: Notice = None) -> Response:
    return _invitations(with_notice(page, notice), db, errors=[], code=200)


@router.post("/invitations", operation_id="consoleInvite", summary="Console: invite someone")
def invite(page: StaffPageDep, form: FormDep, db: ConsoleDb) -> Response:
    assert page.user is not None
    role = _field(form, "role")
    if role not in ROLES:
        return _invitations(page, db, errors=["role: choose a role"], code=422)
    try:
        _, _, link = invitations.create(
            db,
            page.settings,
            actor=page.user.principal,
            organization=_field(form, "organization")[:100],
            email=_field(form, "email")[:254],
            role=Role(role),
            base_url=_base_url(page),
        )
    except ValidationProblem as exc:
        db.rollback()
        return _invitations(page, db, errors=messages_of(exc), code=422)
    return _invitations(page, db, errors=[], code=201, created=link)


@router.post(
    "/invitations/{invitation_id}/revoke",
    operation_id="consoleRevokeInvitation",
    summary="Console: withdraw an invitation",
)
def revoke_invitation(
    page: StaffPageDep, form: FormDep, db: ConsoleDb, invitation_id: Ident
) -> Response:
    assert page.user is not None
    invitations.revoke(db, actor=page.user.principal, invitation_id=invitation_id)
    return redirect("/console/invitations?notice=invitation_revoked")


def _invitation(page: Page, db: ConsoleDb, *, token: str, errors: list[str], code: int) -> Response:
    try:
        row = invitations.valid_invitation(db, token)
    except ValidationProblem:
        row = None
    org = repository.organizations_by_id(db, [row.organization_id]) if row else {}
    exists = row is not None and repository.user_by_email(db, row.email) is not None
    response = render(
        page,
        "invitation.html",
        status=code if row is not None else 410,
        title=page.t("invitation.title"),
        token=token,
        invitation=row,
        organization=org.get(row.organization_id) if row else None,
        exists=exists,
        errors=errors,
    )
    return _public(page, response)


@router.get("/invitation", operation_id="consoleInvitation", summary="Console: an invitation")
def invitation_page(page: PageDep, db: ConsoleDb, token: Token = "") -> Response:
    return _invitation(page, db, token=token, errors=[], code=200)


@router.post("/invitation", operation_id="consoleAcceptInvitation", summary="Console: accept")
def accept_invitation(page: PageDep, form: FormDep, db: ConsoleDb) -> Response:
    token = _field(form, "token")[:200]
    try:
        if page.user is not None:
            invitations.accept(db, actor=page.user.principal, token=token)
            return redirect("/console/?notice=invitation_accepted")
        invitations.register(
            db,
            page.settings,
            token=token,
            password=_field(form, "password")[:1024],
            display_name=_field(form, "display_name")[:200] or None,
        )
    except ValidationProblem as exc:
        db.rollback()
        return _invitation(page, db, token=token, errors=messages_of(exc), code=422)
    return redirect("/console/login?notice=invitation_accepted")


# --- Audit -----------------------------------------------------------------------------------


@router.get("/audit", operation_id="consoleAudit", summary="Console: the audit trail")
def audit(
    page: StaffPageDep,
    db: ConsoleDb,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=120)] = None,
    since: Annotated[dt.date | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    assert page.user is not None
    rows, nxt = audit_query.search(
        db,
        actor=page.user.principal,
        actor_id=actor or None,
        entity=entity or None,
        since=dt.datetime.combine(since, dt.time(), dt.UTC) if since else None,
        cursor=cursor or None,
        limit=50,
    )
    filters = {"actor": actor or "", "entity": entity or "", "since": since or ""}
    return render(
        page,
        "audit.html",
        title=page.t("audit.title"),
        rows=rows,
        next_cursor=nxt,
        filters=filters,
    )
