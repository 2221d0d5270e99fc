"""ASGI guards that refuse oversized requests before any handler runs: long query strings,
large bodies, and JSON bodies nested deeper than ``jsondepth.MAX_DEPTH`` (whichever parser
the route uses later)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import jsondepth
from app.errors import (
    PayloadTooLarge,
    Problem,
    ValidationProblem,
    language_headers,
    problem_response,
)
from app.i18n.reader import text_language
from app.i18n.texts import Text

__all__ = ["RequestLimits"]


class UriTooLong(Problem):
    status, slug, title = 414, "uri-too-long", "Query string too long"


def _refusal(scope: Scope, problem: Problem) -> Response:
    """The problem+json answer, in the request's language, sent before any route runs."""
    lang = text_language(Request(scope))
    headers = {**problem.headers, **language_headers(lang)}
    return problem_response(problem.body(scope.get("path", ""), lang), problem.status, headers)


class HeadersTooLarge(Problem):
    status, slug, title = 431, "request-header-fields-too-large", "Request header fields too large"


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = bytes(value).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


class RequestLimits:
    """414 for query strings over ``max_query_bytes``; 431 for request headers over
    ``max_header_bytes`` all together (whatever server and parser run the app: ``rumbo serve``
    refuses them earlier, as they arrive, see app/connection_guard.py); 413 for bodies over
    ``max_body_bytes`` (or over ``path_limits[path]`` for the few routes that take files, e.g.
    imports, which bound JSON depth as they stream); 422 for a JSON body nested too deeply."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_query_bytes: int,
        max_body_bytes: int,
        max_header_bytes: int = 16_384,
        path_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.max_query_bytes = max_query_bytes
        self.max_body_bytes = max_body_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            problem = UriTooLong(Text("limits.query", max=self.max_query_bytes))
            await _refusal(scope, problem)(scope, receive, send)
            return
        headers = scope.get("headers", [])
        if sum(len(name) + len(value) + 4 for name, value in headers) > self.max_header_bytes:
            too_big = HeadersTooLarge(
                f"request headers are limited to {self.max_header_bytes} bytes in all"
            )
            await _refusal(scope, too_big)(scope, receive, send)
            return
        limit = self.path_limits.get(path.rstrip("/"), self.max_body_bytes)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            too_large = PayloadTooLarge(Text("limits.body", max=limit))
            await _refusal(scope, too_large)(scope, receive, send)
            return
        if path.rstrip("/") not in self.path_limits and _is_json(scope):
            checked = await self._checked_json(scope, receive, send, limit)
            if checked is None:
                return
            receive = checked
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(Text("limits.body", max=limit))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BaseException as exc:
            # A chunked body that outgrows the limit surfaces here, possibly wrapped in an
            # exception group by a middleware's task group: answer 413, not 500.
            refusal = _find(exc, PayloadTooLarge)
            if refusal is None or started:
                raise
            await _refusal(scope, refusal)(scope, receive, send)

    @staticmethod
    async def _checked_json(
        scope: Scope, receive: Receive, send: Send, limit: int
    ) -> Receive | None:
        """Read a JSON body whole (at most ``limit`` bytes) and refuse it when nested too
        deeply; else a ``receive`` that hands it on. None when a refusal was sent."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return receive  # the client left; the app sees the disconnect
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                problem: Problem = PayloadTooLarge(Text("limits.body", max=limit))
                await _refusal(scope, problem)(scope, receive, send)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if jsondepth.exceeds(body):
            problem = ValidationProblem.for_field(
                "body", "body", f"JSON nested more than {jsondepth.MAX_DEPTH} levels deep"
            )
            await _refusal(scope, problem)(scope, receive, send)
            return None
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


_FIND_LIMIT = 256


def _find(exc: BaseException, kind: type[PayloadTooLarge]) -> PayloadTooLarge | None:
    """The first ``kind`` in ``exc``, its groups and its chain of causes, breadth first.

    Bounded: each exception is looked at once (a chain may loop back on itself, as
    ``__context__`` does when an exception is re-raised while handling itself) and at
    most ``_FIND_LIMIT`` are looked at in all."""
    queue: list[BaseException] = [exc]
    seen: set[int] = set()
    while queue and len(seen) < _FIND_LIMIT:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        if isinstance(current, BaseExceptionGroup):
            queue.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                queue.append(linked)
    return None
