"""Request guards of the staff write API: authenticated first, JSON bodies only, validated
as a whole."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel

from app.accounts.dependencies import CurrentStaff
from app.db import SessionDep
from app.staff_points import service as staff_service
from app.web.body import read_json

__all__ = ["json_body", "require_json", "validated_point_body"]


async def json_body(request: Request, _principal: CurrentStaff) -> Any:
    """The request's JSON body (None when empty or not JSON: the route's own validation
    names the syntax error); 415 for any other media type (app/web/body.py).

    Authentication comes first: an anonymous caller learns nothing about its body.
    """
    return await read_json(request, optional=True, lenient=True)


require_json = Depends(json_body)


def validated_point_body(model: type[BaseModel]) -> Callable[..., Awaitable[None] | None]:
    """A guard that validates a point body and its codes together (one 422, every field)."""

    def check(session: SessionDep, raw: Annotated[Any, Depends(json_body)]) -> None:
        if raw is not None:
            staff_service.check_point_input(session, model, raw)

    return check
