"""FastAPI dependencies of the feedback routes: strict JSON bodies, the client's daily key,
the throttle, and a unit of work that commits *before* the response is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from email.message import Message
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Header, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.client_address import client_address
from app.db import get_session, utcnow
from app.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationProblem
from app.feedback.privacy import client_key
from app.feedback.service import Origin
from app.feedback.throttling import FeedbackThrottle
from app.i18n.texts import Text
from app.ratelimit import limiter_for

__all__ = [
    "MAX_BODY_BYTES",
    "CommittedSessionDep",
    "OriginDep",
    "ThrottleDep",
    "json_body",
    "request_body_doc",
]

# A comment of the largest size, in 4-byte characters, plus the other fields, fits.
MAX_BODY_BYTES = 24 * 1024
M = TypeVar("M", bound=BaseModel)

# The transaction commits when the handler returns and before the 202 is sent
# (``scope="function"``): a receipt is only ever given for feedback that is stored.
CommittedSessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _media_type(header: str | None) -> tuple[str, str | None]:
    message = Message()
    message["content-type"] = header or ""
    charset = message.get_param("charset")
    return message.get_content_type(), str(charset).lower() if charset else None


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that reads a bounded UTF-8 JSON body into ``model`` (problem+json if not)."""

    async def read(request: Request) -> M:
        declared = request.headers.get("content-type")
        media_type, charset = _media_type(declared)
        if declared is None or not (
            media_type == "application/json" or media_type.endswith("+json")
        ):
            raise UnsupportedMediaType.for_field(
                "header", "Content-Type", Text("feedback.json_only")
            )
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType.for_field(
                "header", "Content-Type", Text("feedback.utf8_only")
            )
        raw = bytearray()
        async for chunk in request.stream():
            raw.extend(chunk)
            if len(raw) > MAX_BODY_BYTES:
                raise PayloadTooLarge.for_field(
                    "body", "body", Text("feedback.too_large", max=MAX_BODY_BYTES)
                )
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationProblem.for_field(
                "body", "body", Text("feedback.not_utf8", byte=exc.start), pointer=""
            ) from None
        try:
            data: Any = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ValidationProblem.for_field(
                "body", "body", Text("feedback.not_json", reason=exc.msg), pointer=""
            ) from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = FieldError.from_pydantic(exc.errors(), location="body")
            raise ValidationProblem(errors=errors) from None

    return read


def request_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a body read by ``json_body``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            description="A random value (e.g. a UUID) chosen per submission: resending the "
            "same submission with the same key returns the first receipt",
            max_length=200,
        ),
    ] = None,
) -> str | None:
    if idempotency_key is None:
        return None
    key = idempotency_key.strip()
    if len(key) < 8 or not key.isascii() or not key.isprintable():
        raise ValidationProblem.for_field(
            "header", "Idempotency-Key", Text("feedback.idempotency_key")
        )
    return key


def get_origin(
    request: Request, idempotency_key: Annotated[str | None, Depends(_idempotency_key)]
) -> Origin:
    """Where the submission comes from: only the daily salted key of the address."""
    now = utcnow()
    address = client_address(request)
    secret = request.app.state.settings.secret_key
    return Origin(
        client=client_key(address, secret=secret, now=now),
        idempotency_key=idempotency_key,
        now=now,
    )


def get_throttle(request: Request) -> FeedbackThrottle:
    return FeedbackThrottle(limiter_for(request.app), request.app.state.settings)


OriginDep = Annotated[Origin, Depends(get_origin)]
ThrottleDep = Annotated[FeedbackThrottle, Depends(get_throttle)]
