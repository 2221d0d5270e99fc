"""FastAPI dependency that resolves a request's languages (``LangDep``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response

from app.db import ReadSessionDep
from app.errors import ValidationProblem
from app.i18n.negotiation import LanguagePreference, negotiate
from app.i18n.tags import InvalidLanguageTag, normalise_tag

__all__ = ["LangDep", "get_language_preference"]


def get_language_preference(
    request: Request,
    response: Response,
    session: ReadSessionDep,
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
            raise ValidationProblem.for_field("query", "lang", str(exc)) from None
    settings = request.app.state.settings
    pref = negotiate(
        lang=tag,
        accept_language=(accept_language or "")[:1000] or None,
        default=settings.default_language,
        supported=request.app.state.languages.supported(session),
    )
    response.headers["Content-Language"] = pref.served
    response.headers["Vary"] = "Accept-Language, Accept-Encoding"
    request.state.language = pref
    return pref


LangDep = Annotated[LanguagePreference, Depends(get_language_preference)]
