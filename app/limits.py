"""ASGI guards that refuse oversized requests before any handler runs: long query strings,
large bodies, and JSON bodies nested deeper than ``jsondepth.MAX_DEPTH`` (whichever parser
the route uses later)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import jsondepth
from app.errors import PayloadTooLarge, Problem, ValidationProblem, problem_response

__all__ = ["RequestLimits"]


class UriTooLong(Problem):
    status, slug, title = 414, "uri-too-long", "Query string too long"


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = bytes(value).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


class RequestLimits:
    """414 for query strings over ``max_query_bytes``; 413 for bodies over ``max_body_bytes``
    (or over ``path_limits[path]`` for the few routes that take files, e.g. imports, which
    bound JSON depth as they stream); 422 for a JSON body nested too deeply."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_query_bytes: int,
        max_body_bytes: int,
        path_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_query_bytes = max_query_bytes
        self.max_body_bytes = max_body_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            problem = UriTooLong(f"query strings are limited to {self.max_query_bytes} bytes")
            await problem_response(problem.body(path), problem.status)(scope, receive, send)
            return
        limit = self.path_limits.get(path.rstrip("/"), self.max_body_bytes)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            too_large = PayloadTooLarge(f"request bodies are limited to {limit} bytes")
            await problem_response(too_large.body(path), too_large.status)(scope, receive, send)
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
                    raise PayloadTooLarge(f"request bodies are limited to {limit} bytes")
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
            await problem_response(refusal.body(path), refusal.status)(scope, receive, send)

    @staticmethod
    async def _checked_json(
        scope: Scope, receive: Receive, send: Send, limit: int
    ) -> Receive | None:
        """Read a JSON body whole (at most ``limit`` bytes) and refuse it when nested too
        deeply; else a ``receive`` that hands it on. None when a refusal was sent."""
        path = scope.get("path", "")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return receive  # the client left; the app sees the disconnect
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                problem: Problem = PayloadTooLarge(f"request bodies are limited to {limit} bytes")
                await problem_response(problem.body(path), problem.status)(scope, receive, send)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if jsondepth.exceeds(body):
            problem = ValidationProblem.for_field(
                "body", "body", f"JSON nested more than {jsondepth.MAX_DEPTH} levels deep"
            )
            await problem_response(problem.body(path), problem.status)(scope, receive, send)
            return None
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


def _find(exc: BaseException, kind: type[PayloadTooLarge]) -> PayloadTooLarge | None:
    if isinstance(exc, kind):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _find(inner, kind)
            if found is not None:
                return found
    cause = exc.__cause__ or exc.__context__
    return _find(cause, kind) if isinstance(cause, BaseException) and cause is not exc else None
