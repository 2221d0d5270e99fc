"""BCP 47 language tags: validation and normalisation (langcodes)."""

from __future__ import annotations

from functools import lru_cache

import langcodes

from app.i18n.texts import LocalisedError, Text

__all__ = ["InvalidLanguageTag", "base_language", "display_name", "normalise_tag"]


class InvalidLanguageTag(LocalisedError):
    """Raised for a string that is not a registered BCP 47 language tag."""


@lru_cache(maxsize=4096)
def normalise_tag(value: str) -> str:
    """The canonical form of a BCP 47 tag (``fr-ca`` -> ``fr-CA``); raises on unknown tags."""
    raw = value.strip()
    if not raw or len(raw) > 35 or not langcodes.tag_is_valid(raw):
        raise InvalidLanguageTag(Text("lang.invalid", value=value))
    language = langcodes.Language.get(raw)
    if not language.is_valid() or not language.language or language.language == "und":
        raise InvalidLanguageTag(Text("lang.unregistered", value=value))
    return str(language)


def base_language(tag: str) -> str:
    """The primary language subtag: ``fr-CA`` -> ``fr``, ``zh-Hant-TW`` -> ``zh``."""
    return tag.split("-", 1)[0].lower()


@lru_cache(maxsize=4096)
def display_name(tag: str, in_language: str) -> str:
    """The name of language ``tag`` written in ``in_language`` (CLDR data)."""
    return str(langcodes.Language.get(tag).display_name(in_language))
