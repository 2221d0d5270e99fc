"""The one write path for curated country information (used by the seed, later by staff).

``save_profile`` creates or updates a country from a :class:`CountryProfileInput`: sections
and translations are matched by their natural keys and changed in place, so running it twice
changes nothing the second time. Translations in languages the input does not mention (added
by translators) are kept. Sections marked ``generated: cldr`` get their text written here from
Unicode CLDR data instead of by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.core import get_cldr_version
from sqlalchemy.orm import Session

from app.countries import codes, repository
from app.countries.models import (
    CountryEmergencyNumber,
    CountryProfile,
    CountrySection,
    CountrySectionSource,
    CountrySectionTranslation,
    SectionKind,
)
from app.countries.schemas import CountryProfileInput, CountrySourceInput, SectionInput
from app.countries.texts import SECTION_TITLES, pick

__all__ = ["CLDR_SOURCE", "cldr_text", "save_profile"]

CLDR_SOURCE = CountrySourceInput(
    title=f"Unicode CLDR {get_cldr_version()} — territory currencies and official languages",
    url="https://cldr.unicode.org",
    publisher="Unicode Consortium (read with Babel)",
)

_CLDR_TEMPLATES = {
    "es": ("Moneda: {c}.", "Monedas: {c}.", "Idioma oficial: {l}.", "Idiomas oficiales: {l}."),
    "en": (
        "Currency: {c}.",
        "Currencies: {c}.",
        "Official language: {l}.",
        "Official languages: {l}.",
    ),
    "fr": (
        "Monnaie : {c}.",
        "Monnaies : {c}.",
        "Langue officielle : {l}.",
        "Langues officielles : {l}.",
    ),
}


def cldr_text(code: str, lang: str) -> str:
    """Currencies and official languages of ``code`` written in ``lang`` from CLDR data."""
    one_c, many_c, one_l, many_l = _CLDR_TEMPLATES[lang]
    currencies = [f"{codes.currency_name(c, [lang]).text} ({c})" for c in codes.currencies_of(code)]
    languages = [
        codes.language_name(t.replace("-", "_"), [lang]).text
        for t in codes.official_languages_of(code)
    ]
    parts = []
    if currencies:
        parts.append((one_c if len(currencies) == 1 else many_c).format(c=", ".join(currencies)))
    if languages:
        parts.append((one_l if len(languages) == 1 else many_l).format(l=", ".join(languages)))
    return " ".join(parts)


def _expand_generated(code: str, section: SectionInput, langs: Sequence[str]) -> SectionInput:
    if section.generated != "cldr":
        return section
    text = {lang: cldr_text(code, lang) for lang in langs if lang in _CLDR_TEMPLATES}
    return section.model_copy(update={"text": text, "sources": [CLDR_SOURCE]})


def _sync_section(section: CountrySection, data: SectionInput, position: int) -> None:
    section.position = position
    section.last_reviewed = data.last_reviewed
    section.is_sample = data.sample
    section.note = data.note
    by_lang = {t.lang: t for t in section.translations}
    for lang, body in data.text.items():
        title = data.title.get(lang) or pick(SECTION_TITLES[data.kind], [lang]).text
        note = data.notes.get(lang)
        row = by_lang.get(lang)
        if row is None:
            section.translations.append(
                CountrySectionTranslation(lang=lang, title=title, body=body, note=note)
            )
        else:
            row.title, row.body, row.note = title, body, note
    wanted = [(s.title, s.url, s.publisher) for s in data.sources]
    if [(s.title, s.url, s.publisher) for s in section.sources] != wanted:
        section.sources = [
            CountrySectionSource(position=i, title=t, url=u, publisher=p)
            for i, (t, u, p) in enumerate(wanted)
        ]


def _sync_numbers(profile: CountryProfile, data: CountryProfileInput) -> None:
    wanted = [(n.service.value, n.number, n.name, n.sample, n.note) for n in data.emergency_numbers]
    current = [
        (e.service, e.number, e.name, e.is_sample, e.note) for e in profile.emergency_numbers
    ]
    if current != wanted:
        profile.emergency_numbers = [
            CountryEmergencyNumber(
                position=i, service=s, number=number, name=name, is_sample=sample, note=note
            )
            for i, (s, number, name, sample, note) in enumerate(wanted)
        ]


def save_profile(session: Session, data: CountryProfileInput) -> bool:
    """Create or update ``data.code``'s curated information; True when the country is new."""
    code = codes.parse_country_code(data.code)
    profile = repository.get_profile(session, code)
    created = profile is None
    if profile is None:
        profile = CountryProfile(code=code, original_language=data.original_language)
        repository.add_profile(session, profile)
    profile.original_language = data.original_language
    langs = sorted({lang for s in data.sections for lang in s.text})
    existing = {s.kind: s for s in profile.sections}
    order = list(SectionKind)
    for item in data.sections:
        item = _expand_generated(code, item, langs)
        section = existing.get(item.kind)
        if section is None:
            section = CountrySection(kind=item.kind.value, translations=[], sources=[])
            profile.sections.append(section)
        _sync_section(section, item, order.index(item.kind))
    _sync_numbers(profile, data)
    session.flush()
    return created
