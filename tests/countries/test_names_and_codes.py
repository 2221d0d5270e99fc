"""ISO 3166-1 codes and CLDR country names (no database)."""

from __future__ import annotations

import pycountry
import pytest

from app.countries.codes import (
    ISO_CODES,
    CountryCodeError,
    country_name,
    currencies_of,
    official_languages_of,
    parse_country_code,
)

NAMES = [
    ("DE", "Alemania", "Germany", "Allemagne"),
    ("US", "Estados Unidos", "United States", "États-Unis"),
    ("HT", "Haití", "Haiti", "Haïti"),
    ("PA", "Panamá", "Panama", "Panama"),
    ("DO", "República Dominicana", "Dominican Republic", "République dominicaine"),
    ("NA", "Namibia", "Namibia", "Namibie"),
    ("CI", "Côte d’Ivoire", "Côte d’Ivoire", "Côte d’Ivoire"),
]


def test_all_249_iso_codes():
    assert len(ISO_CODES) == 249
    assert {c.alpha_2 for c in pycountry.countries} == ISO_CODES


@pytest.mark.parametrize(("code", "es", "en", "fr"), NAMES)
def test_names_come_from_cldr(code, es, en, fr):
    assert country_name(code, ["es"]).text == es
    assert country_name(code, ["en"]).text == en
    assert country_name(code, ["fr"]).text == fr


def test_every_code_has_a_name_in_es_en_fr():
    for lang in ("es", "en", "fr"):
        for code in ISO_CODES:
            name = country_name(code, [lang])
            assert name.lang == lang and name.text and name.text != code


def test_language_without_cldr_names_falls_back_along_the_chain():
    name = country_name("DE", ["ht", "fr", "en"])
    assert (name.text, name.lang) == ("Allemagne", "fr")
    assert country_name("DE", ["fr-CA"]).lang == "fr-CA"


@pytest.mark.parametrize(("raw", "code"), [("co", "CO"), (" Pa ", "PA"), ("us", "US")])
def test_lowercase_and_spaces_are_normalised(raw, code):
    assert parse_country_code(raw) == code


@pytest.mark.parametrize(
    ("raw", "unknown", "hint"),
    [("XX", True, None), ("usa", False, "'US'"), ("12", False, None), ("", False, None)],
)
def test_bad_codes_say_what_is_wrong(raw, unknown, hint):
    with pytest.raises(CountryCodeError) as info:
        parse_country_code(raw)
    assert info.value.unknown is unknown
    if hint:
        assert hint in str(info.value)


def test_currency_and_languages_come_from_cldr():
    assert currencies_of("CO") == ["COP"]
    assert currencies_of("EC") == ["USD"]
    assert official_languages_of("CA") == ["en", "fr"]
    assert "es" in official_languages_of("PE")
