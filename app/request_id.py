"""One id per request, in the response (``X-Request-ID``), in every problem+json body and in
every log line written while the request runs.

The id is taken from the request's ``X-Request-ID`` only when the connecting peer is a
trusted proxy (``RUMBO_FORWARDED_ALLOW_IPS``) and the value is a plain token of at most 64
characters; otherwise a new one is made. An id says nothing about the user: it is random.
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.client_address import trusted_proxies

__all__ = ["HEADER", "RequestId", "RequestIdFilter", "current_request_id"]

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode()
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_current: ContextVar[str | None] = ContextVar("rumbo_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context (None outside requests)."""
    return _current.get()


def _new_id() -> str:
    return secrets.token_hex(8)


class RequestId:
    """Pure ASGI middleware: sets the id for the request's context and its response."""

    def __init__(self, app: ASGIApp, *, trusted: str = "") -> None:
        self.app = app
        self.trusted = trusted

    def _id_of(self, scope: Scope) -> str:
        client = scope.get("client")
        if self.trusted and trusted_proxies(self.trusted).trusts(client[0] if client else None):
            for name, value in scope.get("headers", ()):
                if name == _HEADER_KEY:
                    given = str(value.decode("latin-1")).strip()
                    if _ACCEPTED.fullmatch(given):
                        return given
                    break
        return _new_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._id_of(scope)
        token = _current.set(request_id)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, with_header)
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record ("-" outside requests), for both log formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True
