"""The API's own texts (error titles, error details, field errors, notes) in es, en and fr.

The catalogues are ``messages/<lang>.json``, key -> text with ``{name}`` placeholders, like
the console's (tests check that every catalogue has every key with the same placeholders).
Code builds a :class:`Text` (a key and its values) where it knows what went wrong; the text
is written out in the reader's language only when the response is (``render``), so one
error can be raised deep in a service and still reach a French reader in French.
``app.i18n.reader.text_language`` picks that language for a request: ``?lang=``, else
``Accept-Language``, else the service's default language, among the catalogue languages
(Haitian Creole readers get French, Quechua and Guarani readers Spanish: the same chain as
content).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

__all__ = [
    "TEXT_LANGUAGES",
    "LocalisedError",
    "Text",
    "catalogue",
    "render",
]

TEXT_LANGUAGES = ("es", "en", "fr")
MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


@lru_cache(maxsize=len(TEXT_LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    """Every API text in ``lang`` (key -> template)."""
    data: dict[str, str] = orjson.loads((MESSAGES_DIR / f"{lang}.json").read_bytes())
    return data


class Text:
    """A catalogue text not yet written out: ``Text("query.unknown", names="catgory")``.

    ``str()`` gives the English text (for logs, exception messages and code that needs a
    plain string); :meth:`render` gives it in one of :data:`TEXT_LANGUAGES`.
    """

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Any) -> None:
        self.key = key
        self.values: Mapping[str, Any] = values

    def __repr__(self) -> str:
        return f"Text({self.key!r}, **{dict(self.values)!r})"

    def render(self, lang: str) -> str:
        template = catalogue(lang if lang in TEXT_LANGUAGES else "en").get(self.key)
        if template is None:
            template = catalogue("en").get(self.key, self.key)
        return template.format(**self.values) if self.values else template

    def __str__(self) -> str:
        return self.render("en")


def render(value: str | Text | None, lang: str) -> str | None:
    """A plain string as it is (content, or a library's words), a :class:`Text` in ``lang``."""
    return value.render(lang) if isinstance(value, Text) else value


class LocalisedError(ValueError):
    """A ``ValueError`` whose reason is a catalogue text (``exc.text``)."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text
