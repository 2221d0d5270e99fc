"""FastAPI dependencies for staff routes: who is calling, and may they.

Stable API for other domains (feedback moderation, sync, countries):

- ``CurrentStaff``: ``Annotated[Principal, ...]``. Authenticates the request from
  ``Authorization: Bearer <access token or API key>`` or ``X-API-Key: <API key>``; 401
  (problem+json, ``WWW-Authenticate: Bearer``) when absent, malformed, expired, revoked or
  tampered with. Sets ``Cache-Control: private, no-store`` on the response.
- ``require_role(*roles)``: a dependency returning the ``Principal`` when it holds any of
  ``roles`` (or admin) in at least one organisation, else 403. Use it as
  ``principal: Annotated[Principal, Depends(require_role(Role.moderator))]``.
- ``authorize(principal, organization_id, *roles, what=..., ident=...)``: the per-object
  check services call (404 for other organisations' objects, 403 for a member without the
  role). See ``app.access.principal``.
- ``require_json``: a route dependency (``dependencies=[require_json]``) that
  authenticates first, then refuses a body that is not JSON (415): an anonymous caller
  learns nothing about its body.
- ``Principal`` (``credential``, ``user_id``, ``api_key_id``, ``is_admin``, ``roles``,
  ``can(org, *roles)``, ``organizations_with(*roles)``) and ``Role``.

Routes using these run in the request's write session (``SessionDep``), because API-key
use is stamped (``last_used_at``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from app.access.principal import Principal, authorize
from app.accounts import security
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized
from app.web.body import read_json

__all__ = [
    "STAFF_CACHE_CONTROL",
    "CurrentStaff",
    "Principal",
    "Role",
    "authorize",
    "get_current_staff",
    "require_json",
    "require_role",
    "staff_json_body",
]

STAFF_CACHE_CONTROL = "private, no-store"

_bearer = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token",
    auto_error=False,
    description="Access token from /v1/auth/token, or an API key",
)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")


def get_current_staff(
    request: Request,
    response: Response,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The authenticated principal of this request (401 otherwise)."""
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    if bearer and api_key:
        raise Unauthorized("send one credential, not two")
    credential = (bearer or api_key or "").strip()
    if not credential:
        raise Unauthorized("this needs a staff access token or API key")
    if len(credential) > 4096:
        raise Unauthorized("the credential is invalid, expired or revoked")
    if security.parse_api_key(credential) is not None or api_key:
        principal = accounts_service.principal_from_api_key(session, credential)
    else:
        principal = accounts_service.principal_from_access_token(
            session, request.app.state.settings, credential
        )
    request.state.principal = principal
    return principal


CurrentStaff = Annotated[Principal, Depends(get_current_staff)]


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency: the principal, when it holds any of ``roles`` (or admin) somewhere."""

    def check(principal: CurrentStaff) -> Principal:
        if not principal.has_any(*roles):
            needed = ", ".join(r.value for r in roles) or "admin"
            raise Forbidden(f"this needs one of these roles: {needed}")
        return principal

    return check


async def staff_json_body(request: Request, _principal: CurrentStaff) -> Any:
    """The request's JSON body, read only once the caller is authenticated (415 otherwise)."""
    return await read_json(request, optional=True, lenient=True)


require_json = Depends(staff_json_body)
