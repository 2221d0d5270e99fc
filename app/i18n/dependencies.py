"""FastAPI dependency that resolves a request's languages (``LangDep``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response

from app.db import Database
from app.errors import ValidationProblem
from app.i18n.content import VARY
from app.i18n.negotiation import LanguagePreference, negotiate
from app.i18n.tags import InvalidLanguageTag, normalise_tag

__all__ = ["LangDep", "get_language_preference"]


async def get_language_preference(
    request: Request,
    response: Response,
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
    settings = request.app.state.settings
    pref = negotiate(
        lang=tag,
        accept_language=(accept_language or "")[:1000] or None,
        default=settings.default_language,
        supported=_supported(request),
    )
    response.headers["Content-Language"] = pref.served
    response.headers["Vary"] = VARY
    request.state.language = pref
    return pref


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
