"""RFC 9457 problem details for every error the API returns.

Problem
 ├── BadRequest (400)
 ├── Unauthorized (401)
 ├── Forbidden (403)
 ├── NotFound (404)
 ├── Conflict (409)
 ├── Gone (410)
 ├── PreconditionFailed (412)
 ├── PayloadTooLarge (413)
 ├── UnsupportedMediaType (415)
 ├── ValidationProblem (422)   one entry in ``errors`` per failing parameter or field
 ├── PreconditionRequired (428)
 ├── TooManyRequests (429)
 └── ServiceUnavailable (503)
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

__all__ = [
    "BadRequest",
    "Conflict",
    "FieldError",
    "Forbidden",
    "Gone",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "ProblemBody",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationProblem",
    "install_error_handlers",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("rumbo.errors")


class FieldError(BaseModel):
    """One failing input: where it is (``in`` + ``name`` or JSON ``pointer``) and why."""

    model_config = ConfigDict(populate_by_name=True)

    location: str
    name: str
    pointer: str | None = None
    detail: str


class ProblemBody(BaseModel):
    """The JSON body of every error response (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """Base of every error that becomes a problem+json response."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extensions = extensions

    @classmethod
    def for_field(cls, location: str, name: str, detail: str, **kw: Any) -> Self:
        """A problem about one input, e.g. ``ValidationProblem.for_field("query", "lat", ...)``."""
        pointer = kw.pop("pointer", None)
        return cls(
            f"{name}: {detail}",
            errors=[FieldError(location=location, name=name, pointer=pointer, detail=detail)],
            **kw,
        )

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.model_dump(exclude_none=True) for e in self.errors]
        body.update(self.extensions)
        return body


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class Gone(Problem):
    status, slug, title = 410, "gone", "Gone"


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "The resource changed since you read it"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationProblem(Problem):
    status, slug, title = 422, "validation-error", "Invalid input"


class PreconditionRequired(Problem):
    status, slug, title = 428, "precondition-required", "If-Match header required"


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 60, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(max(1, retry_after))})
        super().__init__(detail, **kw)


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service temporarily unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 5, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kw)


def problem_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


_LOCATIONS = {"query", "path", "header", "cookie", "body"}


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc and loc[0] in _LOCATIONS else "body"
        rest = loc[1:] if loc and loc[0] in _LOCATIONS else loc
        name = ".".join(rest) or location
        pointer = "/" + "/".join(rest) if location == "body" and rest else None
        message = str(err.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        out.append(FieldError(location=location, name=name, pointer=pointer, detail=message))
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into problem+json."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc.body(request.url.path), exc.status, exc.headers)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = _field_errors(exc)
        problem = ValidationProblem(
            "; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors
        )
        return problem_response(problem.body(request.url.path), problem.status)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}
        body = {
            "type": f"/problems/http-{exc.status_code}",
            "title": titles.get(exc.status_code, "HTTP error"),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return problem_response(body, exc.status_code, dict(exc.headers or {}))

    async def on_database_down(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DataError):
            # e.g. a NUL byte PostgreSQL cannot store in text: the input's fault, not ours.
            invalid = ValidationProblem(
                "A value contains characters or numbers the database cannot store "
                "(for example a NUL byte)."
            )
            return problem_response(invalid.body(request.url.path), invalid.status)
        from app import budget  # imports this module

        spent = budget.current()
        if budget.is_budget_error(exc) or (spent is not None and spent.expired()):
            # The request's time budget stopped a statement (app/budget.py).
            over = budget.BudgetExceeded(spent.seconds if spent else 0.0)
            log.warning("request over its time budget: %s %s", request.method, request.url.path)
            return problem_response(over.body(request.url.path), over.status, over.headers)
        if (
            isinstance(exc, DBAPIError)
            and not exc.connection_invalidated
            and not isinstance(exc, OperationalError)
        ):
            return await on_unexpected(request, exc)
        # The driver's own words ("database is locked", "connection refused"...) say which
        # fault it is; they carry no request data.
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        log.warning("database unavailable: %s: %s", type(exc).__name__, reason)
        problem = ServiceUnavailable("The database is unreachable; retry shortly.")
        return problem_response(problem.body(request.url.path), 503, problem.headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        correlation = uuid.uuid4().hex
        log.error(
            "unhandled %s on %s %s [correlation %s]",
            type(exc).__name__,
            request.method,
            request.url.path,
            correlation,
            exc_info=exc,
        )
        body = Problem().body(request.url.path)
        body["correlation_id"] = correlation
        return problem_response(body, 500)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(DBAPIError, on_database_down)
    app.add_exception_handler(Exception, on_unexpected)
