"""Who may act on a point: the roles of each staff action, and the point loaded only for a
principal who may (``authorize``: 404 for other organisations, 403 for a member without the
role, 410 for a deleted point unless asked for)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.accounts import repository as accounts_repository
from app.accounts.models import Role
from app.errors import Forbidden, Gone, NotFound, ValidationProblem
from app.service_points import repository
from app.service_points.models import ServicePoint

__all__ = ["EDIT_ROLES", "READ_ROLES", "TRANSLATE_ROLES", "load", "organization_for_create"]

READ_ROLES = (Role.editor, Role.translator, Role.moderator)
EDIT_ROLES = (Role.editor,)
TRANSLATE_ROLES = (Role.editor, Role.translator)


def load(
    session: Session,
    principal: Principal,
    public_id: str,
    roles: Sequence[Role],
    *,
    allow_deleted: bool = False,
) -> ServicePoint:
    point = repository.by_public_id(session, public_id)
    if point is None:
        raise NotFound(f"no service point with id {public_id!r}")
    authorize(principal, point.organization_id, *roles, what="service point", ident=public_id)
    if point.deleted_at is not None and not allow_deleted:
        raise Gone(f"service point {public_id!r} was deleted")
    return point


def organization_for_create(
    session: Session, principal: Principal, organization: str | None
) -> str:
    if organization is not None:
        org = accounts_repository.organization_by_slug(session, organization)
        if org is None:
            raise NotFound(f"no organization with id {organization!r}")
        authorize(principal, org.id, *EDIT_ROLES, what="organization", ident=organization)
        return org.id
    candidates = principal.organizations_with(*EDIT_ROLES)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and not principal.is_admin:
        raise Forbidden("creating points needs the editor role in an organisation")
    raise ValidationProblem.for_field(
        "query", "organization", "name the organisation the point belongs to"
    )
