"""The optional staff credential of exports (``include_drafts=true``).

Authentication runs in a session of its own that closes when the handler returns, so a
long export stream never holds SQLite's write lock (API-key use is stamped on the key).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from sqlalchemy.orm import Session

from app.accounts.dependencies import Principal, get_current_staff
from app.db import get_session

__all__ = ["DraftsPrincipal"]


def _principal_for_drafts(
    request: Request,
    response: Response,
    session: Annotated[Session, Depends(get_session, scope="function")],
    include_drafts: Annotated[
        bool, Query(description="Add your organisations' drafts (needs a staff credential)")
    ] = False,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal | None:
    """None for public exports; the authenticated principal (or 401) with drafts."""
    if not include_drafts:
        return None
    scheme, _, token = (authorization or "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else None
    if authorization and not bearer:
        bearer = "-"  # a malformed Authorization header is a bad credential, not none
    return get_current_staff(request, response, session, bearer, x_api_key)


DraftsPrincipal = Annotated[Principal | None, Depends(_principal_for_drafts)]
