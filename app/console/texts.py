"""The console's own texts in es, en and fr (``messages/<lang>.json``) and its language.

The console language comes from the ``rumbo_console_lang`` cookie (set by the language
switch), else from ``Accept-Language``, else the service's default language, else Spanish.
A missing key shows the key itself (tests check every catalogue has every key).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from app.i18n.negotiation import negotiate
from app.i18n.tags import base_language

__all__ = ["CONSOLE_LANGUAGES", "Translator", "catalogue", "choose_language", "translator"]

CONSOLE_LANGUAGES = ("es", "en", "fr")
MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


@lru_cache(maxsize=len(CONSOLE_LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    """Every console text in ``lang`` (key -> text with ``{name}`` placeholders)."""
    data: dict[str, str] = orjson.loads((MESSAGES_DIR / f"{lang}.json").read_bytes())
    return data


class Translator:
    """``t("key", name=value)``: the console text ``key`` in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._texts = catalogue(lang)

    def __call__(self, key: str, /, **values: Any) -> str:
        text = self._texts.get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._texts


@lru_cache(maxsize=len(CONSOLE_LANGUAGES))
def translator(lang: str) -> Translator:
    return Translator(lang if lang in CONSOLE_LANGUAGES else CONSOLE_LANGUAGES[0])


def choose_language(cookie: str | None, accept_language: str | None, default: str) -> str:
    """The console language: the cookie's choice, the browser's (negotiated as the API does,
    app/i18n/negotiation.py: Haitian Creole reads French), the service default, es."""
    pref = negotiate(
        lang=cookie if cookie in CONSOLE_LANGUAGES else None,
        accept_language=(accept_language or "")[:1000] or None,
        default=default,
        supported=CONSOLE_LANGUAGES,
    )
    base = base_language(pref.served)
    return base if base in CONSOLE_LANGUAGES else CONSOLE_LANGUAGES[0]
