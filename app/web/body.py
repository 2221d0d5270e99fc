"""Reading a request's JSON body: ``application/json`` (or ``+json``) only, else 415."""

from __future__ import annotations

import email.message
from typing import Any

import orjson
from fastapi import Request

from app.errors import UnsupportedMediaType

__all__ = ["is_json", "read_json"]


def is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def read_json(request: Request, *, optional: bool = True, lenient: bool = True) -> Any:
    """The request's JSON body (None when empty); 415 for any other media type.

    A body that is not JSON at all reads as None: the route's own validation names the
    syntax error. Only this reading (``optional`` and ``lenient``, what the staff write API
    needs) is implemented here; the shared kit's reader adds the strict one.
    """
    if not (optional and lenient):
        raise NotImplementedError("only the optional, lenient reading")
    body = await request.body()
    if not body:
        return None
    content_type = request.headers.get("content-type", "")
    if not content_type or not is_json(content_type):
        raise UnsupportedMediaType("send the body as application/json")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
