"""The one language negotiation of a request, and the one owner of its headers.

- :func:`get_language_preference` (``LangDep``) negotiates the request's languages once
  (``lang``, then ``Accept-Language``, then the default; app/i18n/negotiation.py) and keeps
  the result on ``request.state.language``.
- :class:`LanguageHeaders` (ASGI middleware, installed by ``create_app``) gives every
  response of a request that negotiated a language ``Vary: Accept-Language`` and, unless
  the route named the languages of its body itself (app/i18n/content.py),
  ``Content-Language`` of the served language. So no cached, language-dependent answer
  (JSON, NDJSON, GeoJSON, a stream, a 304) can be served to a reader of another language,
  and no route has to remember the headers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import Database
from app.errors import ValidationProblem
from app.http_cache import merge_vary
from app.i18n.negotiation import LanguagePreference, negotiate
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.web.deps import app_state

__all__ = [
    "LangDep",
    "LanguageHeaders",
    "get_language_preference",
    "negotiated_language",
]

STATE_KEY = "language"


async def get_language_preference(
    request: Request,
    lang: Annotated[
        str | None,
        Query(
            description="Language of the response (BCP 47). Overrides Accept-Language.",
            examples=["fr", "es", "ht"],
            max_length=35,
        ),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> LanguagePreference:
    tag: str | None = None
    if lang is not None:
        try:
            tag = normalise_tag(lang)
        except InvalidLanguageTag as exc:
            raise ValidationProblem.for_field("query", "lang", exc.text) from None
    settings = app_state(request.app).settings
    pref = negotiate(
        lang=tag,
        accept_language=(accept_language or "")[:1000] or None,
        default=settings.default_language,
        supported=_supported(request),
    )
    setattr(request.state, STATE_KEY, pref)
    return pref


def negotiated_language(scope: Scope) -> LanguagePreference | None:
    """The preference :func:`get_language_preference` negotiated for this request, if any."""
    state = scope.get("state")
    found = state.get(STATE_KEY) if isinstance(state, dict) else None
    return found if isinstance(found, LanguagePreference) else None


def _supported(request: Request) -> frozenset[str]:
    """The enabled languages from the app's catalogue (cached for seconds). The session is
    only opened when the catalogue is stale, so almost every request negotiates on the
    event loop without a thread-pool round trip or a database connection."""
    fresh: frozenset[str] | None = request.app.state.languages.cached()
    if fresh is not None:
        return fresh
    database: Database = request.app.state.database
    session = database.read_sessionmaker()
    try:
        tags: frozenset[str] = request.app.state.languages.supported(session)
        return tags
    finally:
        session.close()


LangDep = Annotated[LanguagePreference, Depends(get_language_preference)]


class LanguageHeaders:
    """Pure ASGI middleware: ``Vary: Accept-Language`` and ``Content-Language`` on every
    response of a request that negotiated its language (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_languages(message: Message) -> None:
            if message["type"] == "http.response.start":
                pref = negotiated_language(scope)
                if pref is not None:
                    headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
                    merge_vary(headers, b"Accept-Language")
                    if not any(key.lower() == b"content-language" for key, _ in headers):
                        headers.append((b"content-language", pref.served.encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_languages)
