"""The staff credentials of imports and (optional, ``include_drafts=true``) exports.

Authentication runs in a session of its own: for exports it closes when the handler
returns, so a long export stream never holds SQLite's write lock (API-key use is stamped
on the key); for imports it commits before the file is read, so validating a large file
holds no write lock either (only the merge does, see app/exchange/engine.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.accounts.dependencies import Principal, _api_key, _bearer, get_current_staff
from app.db import Database, SessionDep

__all__ = ["DraftsPrincipal", "ImportPrincipal"]


def _principal_for_drafts(
    request: Request,
    response: Response,
    session: SessionDep,
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


async def _import_principal(
    request: Request,
    response: Response,
    bearer: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The authenticated principal (or 401), in a write transaction that ends here."""
    database: Database = request.app.state.database

    def authenticate() -> Principal:
        with database.session() as session, session.begin():
            return get_current_staff(request, response, session, bearer, api_key)

    async with database.write_slot():
        return await run_in_threadpool(authenticate)


ImportPrincipal = Annotated[Principal, Depends(_import_principal)]
