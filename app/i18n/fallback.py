"""Per-field fallback: pick each text in the best language a record has."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LocalisedText", "localise"]


@dataclass(slots=True)
class LocalisedText:
    """The texts chosen for one record and the languages they came from."""

    values: dict[str, str] = field(default_factory=dict)
    lang: str | None = None
    field_lang: dict[str, str] = field(default_factory=dict)
    available: list[str] = field(default_factory=list)

    def fallback_used(self, wanted: str) -> bool:
        return self.lang != wanted


def localise(
    translations: Mapping[str, Mapping[str, Any]],
    fields: Sequence[str],
    chain: Sequence[str],
) -> LocalisedText:
    """Choose each of ``fields`` from ``translations`` (lang -> {field: text}) along ``chain``.

    Languages not in the chain are tried last, in sorted order, so a record is never shown
    without its texts. ``lang`` is the language of the first field found (the name), and
    ``field_lang`` lists the fields served from another language than ``lang``.
    """
    order = [t for t in chain if t in translations]
    order += sorted(t for t in translations if t not in order)
    result = LocalisedText(available=sorted(translations))
    for name in fields:
        for tag in order:
            value = translations[tag].get(name)
            if value:
                result.values[name] = value
                if result.lang is None:
                    result.lang = tag
                elif tag != result.lang:
                    result.field_lang[name] = tag
                break
    if result.lang is None and order:
        result.lang = order[0]
    return result
