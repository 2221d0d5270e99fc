"""ISO 3166-1 alpha-2 country codes: validation and normalisation (pycountry)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, Field

from app.i18n.texts import LocalisedError, Text

__all__ = ["CountryCode", "InvalidCountryCode", "all_alpha2", "normalise_country"]


class InvalidCountryCode(LocalisedError):
    """Not an assigned ISO 3166-1 alpha-2 code."""


@lru_cache(maxsize=1)
def all_alpha2() -> frozenset[str]:
    """The 249 officially assigned alpha-2 codes."""
    return frozenset(c.alpha_2 for c in pycountry.countries)


def normalise_country(value: str) -> str:
    """``co`` -> ``CO``; raises :class:`InvalidCountryCode` for ``XX``, ``usa``, ``12`` or ''."""
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidCountryCode(Text("country.malformed", value=value[:20]))
    if code not in all_alpha2():
        raise InvalidCountryCode(Text("country.unassigned", value=code))
    return code


def _country(value: str) -> str:
    try:
        return normalise_country(value)
    except InvalidCountryCode as exc:
        raise ValueError(str(exc)) from None


# A country code in a request body: normalised, or a validation error naming the value.
CountryCode = Annotated[str, Field(max_length=2), AfterValidator(_country)]
