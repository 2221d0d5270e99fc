"""``X-Content-Type-Options: nosniff`` on every response (pure ASGI, outermost).

A browser never guesses a type other than the one sent: a JSON body that happens to look
like HTML or script is not run as such. Routes that need more (the console, ``/docs``) set
their own ``Content-Security-Policy``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["NoSniff"]

_HEADER = (b"x-content-type-options", b"nosniff")


class NoSniff:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER[0]]
                message = {**message, "headers": [*headers, _HEADER]}
            await send(message)

        await self.app(scope, receive, send_with_header)
