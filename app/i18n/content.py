"""``Content-Language``: the languages a response body is actually written in.

RFC 9110 section 8.5: the header names the language(s) of the intended audience of the
representation, any BCP 47 tag, not the interface language the request negotiated. A body
whose texts come in several languages (a page of points, one in French and one in Arabic)
lists them all, the most wanted first: in the order of the request's fallback chain, then
in the order they appear in the body.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.responses import Response

from app.i18n.fallback import LocalisedText
from app.i18n.negotiation import LanguagePreference

__all__ = [
    "LANG_FALLBACK",
    "body_languages",
    "content_language",
    "declared_languages",
    "record_languages",
    "recording_languages",
    "tag_response",
]

T = TypeVar("T")


def body_languages(pref: LanguagePreference, languages: Iterable[str]) -> list[str]:
    """``languages`` without repeats, the request's chain order first; the negotiated
    language when there are none (an empty page is still written for its reader)."""
    seen: list[str] = []
    for tag in languages:
        if tag and tag != "und" and tag not in seen:
            seen.append(tag)
    if not seen:
        return [pref.served]
    rank = {tag: i for i, tag in enumerate(pref.chain)}
    order = {tag: i for i, tag in enumerate(seen)}
    return sorted(seen, key=lambda tag: (rank.get(tag, len(rank)), order[tag]))


def content_language(pref: LanguagePreference, languages: Iterable[str]) -> str:
    """The ``Content-Language`` value for a body whose texts are in ``languages``."""
    return ", ".join(body_languages(pref, languages))


def declared_languages(body: Any) -> list[str]:
    """Every ``lang`` a response body declares (each localised block of the API carries its
    own), in document order."""
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            lang = value.get("lang")
            if isinstance(lang, str):
                found.append(lang)
            for child in value.values():
                walk(child)
        elif isinstance(value, list | tuple):
            for child in value:
                walk(child)

    walk(body)
    return found


def tag_response(response: Response, pref: LanguagePreference, body: T) -> T:
    """Set ``Content-Language`` from the languages ``body`` declares; returns ``body``."""
    response.headers["Content-Language"] = content_language(pref, declared_languages(body))
    return body


LANG_FALLBACK = (
    "True when the text is not in a language the request asked for (or, when it asked for "
    "none, not in the default language)"
)


# Bodies whose shape has no ``lang`` per text (HSDS) record the languages they use instead.
_recorded: ContextVar[list[str] | None] = ContextVar("rumbo_languages_used", default=None)


@contextmanager
def recording_languages() -> Iterator[list[str]]:
    """Collect the languages :func:`record_languages` sees while the block runs (in this
    thread or task only)."""
    found: list[str] = []
    token = _recorded.set(found)
    try:
        yield found
    finally:
        _recorded.reset(token)


def record_languages(text: LocalisedText) -> LocalisedText:
    """Note the languages of ``text`` for the enclosing :func:`recording_languages`."""
    found = _recorded.get()
    if found is not None and text.lang:
        found.append(text.lang)
        found.extend(text.field_lang.values())
    return text
