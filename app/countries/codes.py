"""ISO 3166-1 country codes (pycountry) and country names in any language (CLDR via Babel).

Nothing here is hand-written: the 249 codes come from pycountry's ISO 3166-1 table, the names
from the Unicode CLDR data that Babel ships. A language Babel has no territory names for (e.g.
``ht``) falls back along the request's chain, and English from pycountry is the last resort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import get_currency_name, get_territory_currencies

from app.country_codes import InvalidCountryCode, all_alpha2, normalise_country
from app.i18n.texts import LocalisedError, Text

__all__ = [
    "ISO_CODES",
    "CountryCodeError",
    "LocalName",
    "country_name",
    "currencies_of",
    "currency_name",
    "language_name",
    "official_languages_of",
    "parse_country_code",
]

ISO_CODES: frozenset[str] = all_alpha2()


class CountryCodeError(LocalisedError):
    """A country code that is malformed (``usa``, ``12``, empty) or not assigned (``XX``)."""

    def __init__(self, text: Text, *, unknown: bool) -> None:
        super().__init__(text)
        self.unknown = unknown


def parse_country_code(raw: str) -> str:
    """The upper-case ISO 3166-1 alpha-2 code for ``raw`` (``co`` -> ``CO``), or raise."""
    try:
        return normalise_country(raw)
    except InvalidCountryCode as exc:
        value = raw.strip().upper()
        if not value:
            raise CountryCodeError(Text("country.required"), unknown=False) from None
        hint = _suggest(value)
        text = Text(f"{exc.text.key}_hint", **exc.text.values, hint=hint) if hint else exc.text
        unknown = len(value) == 2 and value.isalpha()
        raise CountryCodeError(text, unknown=unknown) from None


def _suggest(value: str) -> str | None:
    """The alpha-2 code of an alpha-3 or numeric code (``USA`` -> ``US``, ``170`` -> ``CO``)."""
    country = None
    if len(value) == 3 and value.isalpha():
        country = pycountry.countries.get(alpha_3=value)
    elif len(value) == 3 and value.isdigit():
        country = pycountry.countries.get(numeric=value)
    return country.alpha_2 if country is not None else None


@dataclass(frozen=True, slots=True)
class LocalName:
    """A name and the language it is written in."""

    text: str
    lang: str


@lru_cache(maxsize=256)
def _locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return None


def country_name(code: str, chain: Sequence[str]) -> LocalName:
    """The name of territory ``code`` in the first language of ``chain`` that CLDR has."""
    for tag in chain:
        locale = _locale(tag)
        if locale is not None and (name := locale.territories.get(code)):
            return LocalName(name, tag)
    country = pycountry.countries.get(alpha_2=code)
    return LocalName(country.name if country is not None else code, "en")


def language_name(tag: str, chain: Sequence[str]) -> LocalName:
    """The name of language ``tag`` (a CLDR code like ``es`` or ``iu_Latn``) along ``chain``."""
    for lang in chain:
        locale = _locale(lang)
        if locale is not None and (name := locale.languages.get(tag)):
            return LocalName(name, lang)
    return LocalName(tag, "und")


def currencies_of(code: str) -> list[str]:
    """ISO 4217 codes of the currencies legal tender in ``code`` today (CLDR)."""
    return list(get_territory_currencies(code, tender=True))


def currency_name(currency: str, chain: Sequence[str]) -> LocalName:
    """The name of an ISO 4217 currency along ``chain`` (CLDR)."""
    for lang in chain:
        if _locale(lang) is not None:
            name = get_currency_name(currency, locale=lang.replace("-", "_"))
            if name and name != currency:
                return LocalName(name, lang)
    return LocalName(currency, "und")


def official_languages_of(code: str) -> list[str]:
    """Official and de facto official languages of ``code`` (CLDR), most used first."""
    return [tag.replace("_", "-") for tag in get_official_languages(code, de_facto=True)]
