"""Authentication and staff administration (``/v1/auth``, ``/v1/api-keys``, ``/v1/staff``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Request, Response, status

from app.access.principal import Principal
from app.accounts import keys, service, staff
from app.accounts.dependencies import STAFF_CACHE_CONTROL, CurrentStaff, require_role
from app.accounts.models import Role
from app.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    OrganizationCreate,
    OrganizationRead,
    StaffUserCreate,
    StaffUserRead,
    TokenResponse,
    WhoAmI,
)
from app.client_address import client_address
from app.countries.dependencies import CountryCodeDep
from app.db import SessionDep
from app.errors import Problem, problem_response
from app.ratelimit import RateLimiterDep
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["staff accounts"])

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    422: PROBLEM,
}
# An administrator of some organisation, or of the platform; services narrow it further.
AnyAdmin = Annotated[Principal, Depends(require_role(Role.admin))]


def _pair(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_at=pair.refresh_expires_at,
    )


@router.post(
    "/auth/token",
    operation_id="issueToken",
    summary="Log in (OAuth2 password grant) or refresh a session (refresh_token grant)",
    response_model=TokenResponse,
    responses={401: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
def issue_token(
    request: Request,
    response: Response,
    session: SessionDep,
    limiter: RateLimiterDep,
    grant_type: Annotated[Literal["password", "refresh_token"], Form()] = "password",
    username: Annotated[str | None, Form(max_length=254)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenResponse | Response:
    """Access tokens live 15 minutes; refresh tokens rotate on every use and are revoked by
    logout. Repeated failed logins are throttled (429 with Retry-After)."""
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    pair = service.token_grant(
        session,
        request.app.state.settings,
        limiter,
        grant_type=grant_type,
        username=username,
        password=password,
        refresh_token=refresh_token,
        client_address=client_address(request),
    )
    if isinstance(pair, Problem):
        return problem_response(pair.body(request.url.path), pair.status, pair.headers)
    return _pair(pair)


@router.post(
    "/auth/logout",
    operation_id="logout",
    summary="End this session: its access and refresh tokens stop working at once",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: PROBLEM, 409: PROBLEM},
)
def logout(session: SessionDep, principal: CurrentStaff) -> Response:
    service.logout(session, principal)
    return Response(status_code=204, headers={"Cache-Control": STAFF_CACHE_CONTROL})


@router.get(
    "/auth/me",
    operation_id="whoAmI",
    summary="The authenticated staff member or API key, and its roles",
    response_model=WhoAmI,
    response_model_exclude_none=True,
    responses={401: PROBLEM},
)
def who_am_i(session: SessionDep, principal: CurrentStaff) -> WhoAmI:
    return staff.whoami(session, principal)


@router.post(
    "/api-keys",
    operation_id="createApiKey",
    summary="Create an API key for an organisation (shown once)",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=AUTH_ERRORS,
)
def create_api_key(
    session: SessionDep, principal: CurrentStaff, body: ApiKeyCreate
) -> ApiKeyCreated:
    return keys.issue_api_key(session, actor=principal, data=body)


@router.get(
    "/api-keys",
    operation_id="listApiKeys",
    summary="API keys of the organisations you administer",
    response_model=list[ApiKeyRead],
    responses={401: PROBLEM},
)
def list_api_keys(session: SessionDep, principal: CurrentStaff) -> list[ApiKeyRead]:
    return keys.list_api_keys(session, actor=principal)


@router.delete(
    "/api-keys/{key_id}",
    operation_id="revokeApiKey",
    summary="Revoke an API key at once",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=AUTH_ERRORS,
)
def revoke_api_key(
    session: SessionDep,
    principal: CurrentStaff,
    key_id: Annotated[str, Path(max_length=36)],
) -> Response:
    keys.revoke_api_key(session, actor=principal, key_id=key_id)
    return Response(status_code=204, headers={"Cache-Control": STAFF_CACHE_CONTROL})


@router.post(
    "/organizations",
    operation_id="createOrganization",
    summary="Create an organisation (administrators)",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganizationRead,
    responses={**AUTH_ERRORS, 409: PROBLEM},
)
def create_organization(
    session: SessionDep, principal: AnyAdmin, body: OrganizationCreate
) -> OrganizationRead:
    return staff.create_organization(
        session, actor=principal, slug=body.id, name=body.name, country=body.country
    )


@router.post(
    "/staff/users",
    operation_id="createStaffUser",
    summary="Create a staff account (administrators)",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffUserRead,
    responses={**AUTH_ERRORS, 409: PROBLEM},
)
def create_staff_user(
    request: Request, session: SessionDep, principal: AnyAdmin, body: StaffUserCreate
) -> StaffUserRead:
    return staff.create_user(
        session,
        request.app.state.settings,
        actor=principal,
        email=body.email,
        password=body.password,
        is_admin=body.is_admin,
        display_name=body.display_name,
    )


@router.put(
    "/organizations/{organization}/members/{user_id}/roles/{role}",
    operation_id="grantRole",
    summary="Give a staff member a role in an organisation (its admins)",
    response_model=StaffUserRead,
    responses=AUTH_ERRORS,
)
def grant_role(
    session: SessionDep,
    principal: CurrentStaff,
    organization: Annotated[str, Path(max_length=100)],
    user_id: Annotated[str, Path(max_length=36)],
    role: Role,
) -> StaffUserRead:
    return staff.set_membership(
        session, actor=principal, organization=organization, user_id=user_id, role=role, grant=True
    )


@router.delete(
    "/organizations/{organization}/members/{user_id}/roles/{role}",
    operation_id="revokeRole",
    summary="Take a role away from a staff member (its admins)",
    response_model=StaffUserRead,
    responses=AUTH_ERRORS,
)
def revoke_role(
    session: SessionDep,
    principal: CurrentStaff,
    organization: Annotated[str, Path(max_length=100)],
    user_id: Annotated[str, Path(max_length=36)],
    role: Role,
) -> StaffUserRead:
    return staff.set_membership(
        session,
        actor=principal,
        organization=organization,
        user_id=user_id,
        role=role,
        grant=False,
    )


@router.put(
    "/staff/users/{user_id}/countries/{code}",
    operation_id="grantCountryEditor",
    summary="Let a staff member edit one country's curated content (platform administrators)",
    response_model=StaffUserRead,
    responses=AUTH_ERRORS,
)
def grant_country_editor(
    session: SessionDep,
    principal: CurrentStaff,
    user_id: Annotated[str, Path(max_length=36)],
    code: CountryCodeDep,
) -> StaffUserRead:
    return staff.set_country_editor(
        session, actor=principal, user_id=user_id, country=code, grant=True
    )


@router.delete(
    "/staff/users/{user_id}/countries/{code}",
    operation_id="revokeCountryEditor",
    summary="Stop a staff member editing one country's content (platform administrators)",
    response_model=StaffUserRead,
    responses=AUTH_ERRORS,
)
def revoke_country_editor(
    session: SessionDep,
    principal: CurrentStaff,
    user_id: Annotated[str, Path(max_length=36)],
    code: CountryCodeDep,
) -> StaffUserRead:
    return staff.set_country_editor(
        session, actor=principal, user_id=user_id, country=code, grant=False
    )
