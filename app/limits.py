"""ASGI guards that refuse oversized requests before any handler runs."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge, Problem, problem_response

__all__ = ["RequestLimits"]


class UriTooLong(Problem):
    status, slug, title = 414, "uri-too-long", "Query string too long"


class RequestLimits:
    """414 for query strings over ``max_query_bytes``; 413 for bodies over ``max_body_bytes``."""

    def __init__(self, app: ASGIApp, *, max_query_bytes: int, max_body_bytes: int) -> None:
        self.app = app
        self.max_query_bytes = max_query_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            problem = UriTooLong(f"query strings are limited to {self.max_query_bytes} bytes")
            await problem_response(problem.body(path), problem.status)(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            too_large = PayloadTooLarge(f"request bodies are limited to {self.max_body_bytes} bytes")
            await problem_response(too_large.body(path), too_large.status)(scope, receive, send)
            return
        received = 0
        limit = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"request bodies are limited to {limit} bytes")
            return message

        await self.app(scope, limited_receive, send)
