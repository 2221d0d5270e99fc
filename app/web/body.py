"""The one reader of JSON request bodies: media type, size, encoding, syntax, model.

``read_json`` is strict by default (what public writes such as feedback need): the body
must be declared JSON (``application/json`` or any ``+json`` type) in UTF-8, at most
``max_bytes`` long, and parse; each failure is a problem+json naming what is wrong (415,
413, 422). The staff write API reads with ``optional=True, lenient=True``: an empty body
is None and a syntax error is left to the route's own validation, which names the field.
``json_body(model)`` is the dependency that reads and validates one model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from email.message import Message
from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError

from app.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationProblem
from app.i18n.texts import Text

__all__ = ["is_json", "json_body", "read_json", "request_body_doc"]

M = TypeVar("M", bound=BaseModel)


def _media_type(header: str | None) -> tuple[str, str | None]:
    message = Message()
    message["content-type"] = header or ""
    charset = message.get_param("charset")
    return message.get_content_type(), str(charset).lower() if charset else None


def is_json(content_type: str | None) -> bool:
    """Whether ``content_type`` declares JSON (``application/json``, any ``+json`` type)."""
    if not content_type:
        return False
    media_type, _ = _media_type(content_type)
    return media_type == "application/json" or media_type.endswith("+json")


async def read_json(
    request: Request,
    *,
    max_bytes: int | None = None,
    optional: bool = False,
    lenient: bool = False,
    json_only: Text | None = None,
) -> Any:
    """The request's JSON body (see the module docstring).

    ``optional``: an empty body is None (its media type unchecked). ``lenient``: any
    charset, and a body that does not parse is None. ``json_only``: the words of the 415.
    """
    declared = request.headers.get("content-type")
    wrong_type = UnsupportedMediaType.for_field(
        "header", "Content-Type", json_only or Text("body.json_only")
    )
    if not optional and not is_json(declared):
        raise wrong_type
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if max_bytes is not None and len(raw) > max_bytes:
            raise PayloadTooLarge.for_field(
                "body", "body", Text("feedback.too_large", max=max_bytes)
            )
    if optional and not raw:
        return None
    if not is_json(declared):
        raise wrong_type
    if lenient:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    if _media_type(declared)[1] not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType.for_field("header", "Content-Type", Text("feedback.utf8_only"))
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationProblem.for_field(
            "body", "body", Text("feedback.not_utf8", byte=exc.start), pointer=""
        ) from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValidationProblem.for_field(
            "body", "body", Text("feedback.not_json", reason=exc.msg), pointer=""
        ) from None


def json_body(
    model: type[M], *, max_bytes: int, json_only: Text | None = None
) -> Callable[[Request], Awaitable[M]]:
    """A dependency that reads a bounded UTF-8 JSON body into ``model`` (problem+json if not)."""

    async def read(request: Request) -> M:
        data = await read_json(request, max_bytes=max_bytes, json_only=json_only)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = FieldError.from_pydantic(exc.errors(), location="body")
            raise ValidationProblem(errors=errors) from None

    return read


def request_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a body read by :func:`json_body`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
