"""Account lifecycle routes: passwords, reset links, deactivation, lists, invitations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from app.access.principal import Principal, authorize
from app.accounts import directory, invitations, lifecycle, staff
from app.accounts.dependencies import STAFF_CACHE_CONTROL, CurrentStaff, require_role
from app.accounts.lifecycle_schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationCreated,
    InvitationRead,
    InvitationRegister,
    LinkIssued,
    MemberPage,
    MemberRead,
    OrganizationPage,
    PasswordChange,
    PasswordReset,
    StaffUserPage,
)
from app.accounts.link_models import Invitation
from app.accounts.models import Role, StaffUser
from app.accounts.schemas import OrganizationRead, StaffUserRead
from app.db import SessionDep
from app.errors import NotFound
from app.ratelimit import RateLimiterDep
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["staff accounts"])

ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((401, 403, 404, 409, 422), PROBLEM)
AnyAdmin = Annotated[Principal, Depends(require_role(Role.admin))]
Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[int, Query(ge=1, le=200)]
NO_STORE = {"Cache-Control": STAFF_CACHE_CONTROL}


def _base_url(request: Request) -> str:
    public: str | None = request.app.state.settings.public_url
    return public or str(request.base_url)


def _link(link: lifecycle.IssuedLink) -> LinkIssued:
    return LinkIssued(
        id=link.id, expires_at=link.expires_at, sent_by_email=link.sent_by_email, url=link.url
    )


def _own_view(session: SessionDep, user: StaffUser) -> StaffUserRead:
    """A person's account as they see it themselves (all their memberships)."""
    roles: dict[str, set[Role]] = {}
    for m in user.memberships:
        roles.setdefault(m.organization_id, set()).add(Role(m.role))
    viewer = Principal(
        credential="password",
        user_id=user.id,
        roles={org: frozenset(held) for org, held in roles.items()},
    )
    return staff.user_read(session, user, viewer=viewer)


def _invitation(row: Invitation, slug: str) -> InvitationRead:
    return InvitationRead(
        id=row.id,
        organization=slug,
        email=row.email,
        role=Role(row.role),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


@router.post(
    "/auth/password",
    operation_id="changePassword",
    summary="Change your password (the current one required); your other sessions end",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**ERRORS, 429: PROBLEM},
)
def change_password(
    request: Request,
    session: SessionDep,
    limiter: RateLimiterDep,
    principal: CurrentStaff,
    body: PasswordChange,
) -> Response:
    lifecycle.change_password(
        session,
        request.app.state.settings,
        limiter,
        actor=principal,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    return Response(status_code=204, headers=NO_STORE)


@router.post(
    "/auth/password-reset",
    operation_id="usePasswordReset",
    summary="Set a new password with a one-time reset link; every session of the account ends",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: PROBLEM},
)
def use_password_reset(request: Request, session: SessionDep, body: PasswordReset) -> Response:
    lifecycle.use_reset(
        session, request.app.state.settings, token=body.token, new_password=body.new_password
    )
    return Response(status_code=204, headers=NO_STORE)


@router.post(
    "/staff/users/{user_id}/password-reset",
    operation_id="issuePasswordReset",
    summary="Make a one-time password reset link (e-mailed, or shown once)",
    status_code=status.HTTP_201_CREATED,
    response_model=LinkIssued,
    response_model_exclude_none=True,
    responses={**ERRORS, 503: PROBLEM},
)
def issue_password_reset(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AnyAdmin,
    user_id: Annotated[str, Path(max_length=36)],
) -> LinkIssued:
    response.headers.update(NO_STORE)
    link = lifecycle.issue_reset(
        session,
        request.app.state.settings,
        actor=principal,
        user_id=user_id,
        base_url=_base_url(request),
    )
    return _link(link)


def _set_active(
    session: SessionDep, principal: Principal, user_id: str, active: bool
) -> StaffUserRead:
    user = lifecycle.set_active(session, actor=principal, user_id=user_id, active=active)
    return staff.user_read(session, user, viewer=principal)


@router.post(
    "/staff/users/{user_id}/deactivate",
    operation_id="deactivateStaffUser",
    summary="Deactivate an account: its sessions, tokens and API keys stop at once",
    response_model=StaffUserRead,
    responses=ERRORS,
)
def deactivate(
    session: SessionDep, principal: AnyAdmin, user_id: Annotated[str, Path(max_length=36)]
) -> StaffUserRead:
    return _set_active(session, principal, user_id, False)


@router.post(
    "/staff/users/{user_id}/reactivate",
    operation_id="reactivateStaffUser",
    summary="Reactivate an account (its old sessions, tokens and keys stay revoked)",
    response_model=StaffUserRead,
    responses=ERRORS,
)
def reactivate(
    session: SessionDep, principal: AnyAdmin, user_id: Annotated[str, Path(max_length=36)]
) -> StaffUserRead:
    return _set_active(session, principal, user_id, True)


@router.get(
    "/organizations",
    operation_id="listOrganizations",
    summary="Organisations you administer (all, for platform administrators)",
    response_model=OrganizationPage,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def list_organizations(
    session: SessionDep, principal: AnyAdmin, cursor: Cursor = None, limit: Limit = 50
) -> OrganizationPage:
    rows, nxt = directory.list_organizations(session, actor=principal, cursor=cursor, limit=limit)
    return OrganizationPage(
        items=[OrganizationRead(id=o.slug, name=o.name, country=o.country) for o in rows],
        next_cursor=nxt,
    )


@router.get(
    "/staff/users",
    operation_id="listStaffUsers",
    summary="Staff accounts of the organisations you administer (all, for platform admins)",
    response_model=StaffUserPage,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def list_staff_users(
    session: SessionDep,
    principal: AnyAdmin,
    organization: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> StaffUserPage:
    org_id = None
    if organization is not None:
        org = staff.organization_by_slug(session, organization)
        if not principal.is_member(org.id):
            raise NotFound(f"no organization with id {organization!r}")
        org_id = org.id
    rows, nxt = directory.list_users(
        session, actor=principal, organization_id=org_id, cursor=cursor, limit=limit
    )
    return StaffUserPage(
        items=[staff.user_read(session, u, viewer=principal) for u in rows], next_cursor=nxt
    )


@router.get(
    "/organizations/{organization}/members",
    operation_id="listMembers",
    summary="Memberships of an organisation (its admins)",
    response_model=MemberPage,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def list_members(
    session: SessionDep,
    principal: CurrentStaff,
    organization: Annotated[str, Path(max_length=100)],
    cursor: Cursor = None,
    limit: Limit = 50,
) -> MemberPage:
    org = staff.organization_by_slug(session, organization)
    if not principal.is_member(org.id):
        raise NotFound(f"no organization with id {organization!r}")
    authorize(principal, org.id, Role.admin, what="organization", ident=organization)
    rows, nxt = directory.list_memberships(
        session, organization_id=org.id, cursor=cursor, limit=limit
    )
    return MemberPage(
        items=[
            MemberRead(user_id=m.user_id, email=e, role=Role(m.role), created_at=m.created_at)
            for m, e in rows
        ],
        next_cursor=nxt,
    )


@router.post(
    "/organizations/{organization}/invitations",
    operation_id="createInvitation",
    summary="Invite someone to an organisation with a role (its admins); they accept",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationCreated,
    response_model_exclude_none=True,
    responses={**ERRORS, 503: PROBLEM},
)
def create_invitation(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    organization: Annotated[str, Path(max_length=100)],
    body: InvitationCreate,
) -> InvitationCreated:
    response.headers.update(NO_STORE)
    row, org, link = invitations.create(
        session,
        request.app.state.settings,
        actor=principal,
        organization=organization,
        email=body.email,
        role=body.role,
        base_url=_base_url(request),
    )
    return InvitationCreated(
        **_invitation(row, org.slug).model_dump(), sent_by_email=link.sent_by_email, url=link.url
    )


@router.get(
    "/organizations/{organization}/invitations",
    operation_id="listInvitations",
    summary="Pending invitations of an organisation (its admins)",
    response_model=list[InvitationRead],
    responses=ERRORS,
)
def list_invitations(
    session: SessionDep,
    principal: CurrentStaff,
    organization: Annotated[str, Path(max_length=100)],
) -> list[InvitationRead]:
    org, rows = invitations.pending(session, actor=principal, organization=organization)
    return [_invitation(r, org.slug) for r in rows]


@router.delete(
    "/invitations/{invitation_id}",
    operation_id="revokeInvitation",
    summary="Withdraw an invitation (its organisation's admins)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
)
def revoke_invitation(
    session: SessionDep,
    principal: CurrentStaff,
    invitation_id: Annotated[str, Path(max_length=36)],
) -> Response:
    invitations.revoke(session, actor=principal, invitation_id=invitation_id)
    return Response(status_code=204, headers=NO_STORE)


@router.post(
    "/invitations/accept",
    operation_id="acceptInvitation",
    summary="Accept an invitation made out to your e-mail address (logged in)",
    response_model=StaffUserRead,
    responses=ERRORS,
)
def accept_invitation(
    session: SessionDep, principal: CurrentStaff, body: InvitationAccept
) -> StaffUserRead:
    user = invitations.accept(session, actor=principal, token=body.token)
    return _own_view(session, user)


@router.post(
    "/invitations/register",
    operation_id="registerWithInvitation",
    summary="Accept an invitation as a new person: the account is made with this password",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffUserRead,
    responses={409: PROBLEM, 422: PROBLEM},
)
def register_with_invitation(
    request: Request, response: Response, session: SessionDep, body: InvitationRegister
) -> StaffUserRead:
    response.headers.update(NO_STORE)
    user = invitations.register(
        session,
        request.app.state.settings,
        token=body.token,
        password=body.password,
        display_name=body.display_name,
    )
    return _own_view(session, user)
