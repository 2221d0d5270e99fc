"""FastAPI dependencies of the feedback routes: strict JSON bodies (app/web/body.py), the
client's daily key and the throttle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request
from pydantic import BaseModel

from app.client_address import client_address
from app.db import utcnow
from app.errors import ValidationProblem
from app.feedback.privacy import client_key
from app.feedback.service import Origin
from app.feedback.throttling import FeedbackThrottle
from app.i18n.texts import Text
from app.web import body
from app.web.body import request_body_doc
from app.web.deps import SettingsDep, StateDep

__all__ = [
    "MAX_BODY_BYTES",
    "OriginDep",
    "ThrottleDep",
    "json_body",
    "request_body_doc",
]

# A comment of the largest size, in 4-byte characters, plus the other fields, fits.
MAX_BODY_BYTES = 24 * 1024
M = TypeVar("M", bound=BaseModel)


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """The kit's JSON body reader (app/web/body.py), with the feedback limit and words."""
    return body.json_body(model, max_bytes=MAX_BODY_BYTES, json_only=Text("feedback.json_only"))


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
    request: Request,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Depends(_idempotency_key)],
) -> Origin:
    """Where the submission comes from: only the daily salted key of the address."""
    now = utcnow()
    address = client_address(request)
    secret = settings.secret_key
    return Origin(
        client=client_key(address, secret=secret, now=now),
        idempotency_key=idempotency_key,
        now=now,
    )


def get_throttle(state: StateDep) -> FeedbackThrottle:
    return FeedbackThrottle(state.rate_limiter, state.settings)


OriginDep = Annotated[Origin, Depends(get_origin)]
ThrottleDep = Annotated[FeedbackThrottle, Depends(get_throttle)]
