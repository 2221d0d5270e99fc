"""Request guards of the staff write API: authenticated first, JSON bodies only, validated
as a whole."""

from __future__ import annotations

import email.message
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from pydantic import BaseModel

from app.accounts.dependencies import CurrentStaff
from app.db import SessionDep
from app.errors import UnsupportedMediaType
from app.staff_points import service as staff_service

__all__ = ["json_body", "require_json", "validated_point_body"]


def _is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def json_body(request: Request, _principal: CurrentStaff) -> Any:
    """The request's JSON body (None when empty); 415 for any other media type.

    Authentication comes first: an anonymous caller learns nothing about its body.
    """
    body = await request.body()
    if not body:
        return None
    content_type = request.headers.get("content-type", "")
    if not content_type or not _is_json(content_type):
        raise UnsupportedMediaType("send the body as application/json")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None  # the route's own validation names the syntax error


require_json = Depends(json_body)


def validated_point_body(model: type[BaseModel]) -> Callable[..., Awaitable[None] | None]:
    """A guard that validates a point body and its codes together (one 422, every field)."""

    def check(session: SessionDep, raw: Annotated[Any, Depends(json_body)]) -> None:
        if raw is not None:
            staff_service.check_point_input(session, model, raw)

    return check
