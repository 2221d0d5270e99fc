"""The language a request reads the API's own texts in (``app.i18n.texts``)."""

from __future__ import annotations

from starlette.requests import Request

from app.i18n.negotiation import LanguagePreference, negotiate
from app.i18n.tags import InvalidLanguageTag, base_language, normalise_tag
from app.i18n.texts import TEXT_LANGUAGES

__all__ = ["text_language", "text_language_of"]


def text_language_of(pref: LanguagePreference) -> str:
    """The first catalogue language on ``pref``'s chain (English if none)."""
    for tag in pref.chain:
        base = base_language(tag)
        if base in TEXT_LANGUAGES:
            return base
    return "en"


def text_language(request: Request) -> str:
    """The language of the API's own texts for ``request`` (see the module docstring)."""
    pref: LanguagePreference | None = getattr(request.state, "language", None)
    if pref is None:
        lang: str | None = None
        raw = request.query_params.get("lang")
        if raw:
            try:
                lang = normalise_tag(raw[:35])
            except InvalidLanguageTag:
                lang = None
        settings = getattr(request.app.state, "settings", None)
        pref = negotiate(
            lang=lang,
            accept_language=(request.headers.get("accept-language") or "")[:1000] or None,
            default=getattr(settings, "default_language", "es"),
            supported=TEXT_LANGUAGES,
        )
    return text_language_of(pref)
