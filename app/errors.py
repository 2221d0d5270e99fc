"""RFC 9457 problem details for every error the API returns.

Titles, details and field errors are written in the request's language (es, en or fr:
``?lang=``, else ``Accept-Language``, else the default language; see
``app.i18n.reader.text_language``), with ``Content-Language`` saying which. A detail or a
field error given as a :class:`~app.i18n.texts.Text` is rendered from the catalogues
(``app/i18n/messages``); one given as a plain string (a library's or a validator's own
words) is shown as it is. Validation errors of the request's parameters and JSON are
translated by their pydantic error type (``pydantic.<type>`` in the catalogues).

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Self

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, PrivateAttr
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.i18n.reader import text_language
from app.i18n.texts import Text, catalogue, render
from app.request_id import current_request_id

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
    _text: Text | None = PrivateAttr(default=None)

    def __init__(self, *, detail: str | Text, **data: Any) -> None:
        super().__init__(detail=str(detail), **data)
        self._text = detail if isinstance(detail, Text) else None

    def localised(self, lang: str) -> dict[str, Any]:
        """The JSON of this error with its detail in ``lang``."""
        out = self.model_dump(exclude_none=True)
        if self._text is not None:
            out["detail"] = self._text.render(lang)
        return out

    def line(self, lang: str) -> str:
        """``name: detail`` in ``lang`` (the parts of a problem's ``detail``)."""
        detail = self._text.render(lang) if self._text is not None else self.detail
        return f"{self.name}: {detail}"

    @classmethod
    def from_pydantic(
        cls,
        errors: Iterable[Mapping[str, Any]],
        *,
        location: str | None = None,
        translate: bool = True,
    ) -> list[FieldError]:
        """pydantic's errors (``exc.errors()``) as field errors.

        ``location`` None: each error's ``loc`` starts with where the input is (FastAPI's
        request validation: ``("query", "lat")``, ``("body", "name")``); otherwise every
        ``loc`` is inside ``location``. A validator's own words are kept as they are;
        pydantic's are translated (``pydantic.<type>`` in the catalogue) unless
        ``translate`` is False.
        """
        out: list[FieldError] = []
        for err in errors:
            loc = [str(p) for p in err.get("loc", ())]
            if location is None and loc and loc[0] in _LOCATIONS:
                where, rest = loc[0], loc[1:]
            else:
                where, rest = location or "body", loc
            name = ".".join(rest) or where
            pointer = "/" + "/".join(rest) if where == "body" and rest else None
            said = str(err.get("msg", "invalid"))
            message: str | Text = (
                said.removeprefix("Value error, ")
                if said.startswith("Value error, ") or not translate
                else _translated(err) or said
            )
            out.append(cls(location=where, name=name, pointer=pointer, detail=message))
        return out


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
        detail: str | Text | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(str(detail) if detail else self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extensions = extensions

    @classmethod
    def for_field(cls, location: str, name: str, detail: str | Text, **kw: Any) -> Self:
        """A problem about one input, e.g. ``ValidationProblem.for_field("query", "lat", ...)``;
        its ``detail`` is ``name: detail``."""
        pointer = kw.pop("pointer", None)
        return cls(
            errors=[FieldError(location=location, name=name, pointer=pointer, detail=detail)],
            **kw,
        )

    @classmethod
    def localised_title(cls, lang: str) -> str:
        return catalogue(lang).get(f"title.{cls.slug}", cls.title)

    def message(self, lang: str = "en") -> str:
        """One line saying what went wrong (the body's ``detail``, else its ``title``)."""
        body = self.body(lang=lang)
        return str(body.get("detail") or body["title"])

    def body(self, instance: str | None = None, lang: str = "en") -> dict[str, Any]:
        """The problem+json body, its texts in ``lang``. Without a detail of its own, a
        problem about fields says ``name: detail`` for each, joined by ``; ``."""
        body: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": self.localised_title(lang),
            "status": self.status,
        }
        detail = render(self.detail, lang)
        if not detail and self.errors:
            detail = "; ".join(e.line(lang) for e in self.errors)
        if detail:
            body["detail"] = detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.localised(lang) for e in self.errors]
        body.update(self.extensions)
        return body


def language_headers(lang: str) -> dict[str, str]:
    """``Content-Language`` of a problem's texts; they follow ``Accept-Language``."""
    return {"Content-Language": lang, "Vary": "Accept-Language"}


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | Text | None = None, **kw: Any) -> None:
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

    def __init__(
        self, detail: str | Text | None = None, *, retry_after: int = 60, **kw: Any
    ) -> None:
        kw.setdefault("headers", {"Retry-After": str(max(1, retry_after))})
        super().__init__(detail, **kw)


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Service temporarily unavailable"

    def __init__(
        self, detail: str | Text | None = None, *, retry_after: int = 5, **kw: Any
    ) -> None:
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kw)


def problem_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    request_id = current_request_id()
    if request_id is not None:
        body = {**body, "request_id": request_id}  # quote it to the operator: it finds the logs
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


_LOCATIONS = {"query", "path", "header", "cookie", "body"}


def _translated(err: Any) -> Text | None:
    """pydantic's error as a catalogue text (``pydantic.<type>``), if the catalogue has it."""
    key = f"pydantic.{err.get('type')}"
    if key not in catalogue("en"):
        return None
    context = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
    try:
        catalogue("en")[key].format(**context)
    except (KeyError, IndexError, ValueError):
        return None
    return Text(key, **context)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


_HTTP_SLUGS = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}


def install_error_handlers(
    app: FastAPI, *, overrun: Callable[[Exception], Problem | None] | None = None
) -> None:
    """Register the handlers that turn every failure into problem+json.

    ``overrun`` tells a database error that stopped a request over its time budget (the
    problem to answer, or None): app/budget.py's :func:`~app.budget.overrun`.
    """

    def answer(request: Request, problem: Problem) -> Response:
        lang = text_language(request)
        headers = {**problem.headers, **language_headers(lang)}
        return problem_response(problem.body(request.url.path, lang), problem.status, headers)

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return answer(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return answer(request, ValidationProblem(errors=FieldError.from_pydantic(exc.errors())))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        lang = text_language(request)
        texts = catalogue(lang)
        slug = _HTTP_SLUGS.get(exc.status_code, "http-error")
        detail = str(exc.detail)
        # Starlette's own words for an unknown route or method are translated; others kept.
        if exc.status_code in _HTTP_SLUGS and detail in ("Not Found", "Method Not Allowed"):
            detail = texts.get(f"http.{exc.status_code}", detail)
        body = {
            "type": f"/problems/http-{exc.status_code}",
            "title": texts.get(f"title.{slug}", "HTTP error"),
            "status": exc.status_code,
            "detail": detail,
            "instance": request.url.path,
        }
        headers = {**dict(exc.headers or {}), **language_headers(lang)}
        return problem_response(body, exc.status_code, headers)

    async def on_database_down(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DataError):
            # e.g. a NUL byte PostgreSQL cannot store in text: the input's fault, not ours.
            return answer(request, ValidationProblem(Text("database.unstorable")))
        over = overrun(exc) if overrun is not None else None
        if over is not None:
            # The request's time budget stopped a statement (app/budget.py).
            log.warning("request over its time budget: %s %s", request.method, request.url.path)
            return answer(request, over)
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
        return answer(request, ServiceUnavailable(Text("database.unreachable")))

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
        return answer(request, Problem(correlation_id=correlation))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(DBAPIError, on_database_down)
    app.add_exception_handler(Exception, on_unexpected)
