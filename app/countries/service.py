"""Country information in the request's language: lists, details, entry rules, where am I."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.countries import codes, location, passport_index, repository
from app.countries.models import (
    CountryEmergencyNumber,
    CountrySection,
    EmergencyService,
    SectionKind,
)
from app.countries.schemas import (
    CountryDetail,
    CountryList,
    CountryRef,
    CountrySummary,
    CurrencyRead,
    EmergencyNumberRead,
    EntryRead,
    OfficialLanguageRead,
    SectionRead,
    SourceRead,
)
from app.countries.texts import (
    SECTION_TITLES,
    SERVICE_LABELS,
    entry_disclaimer,
    entry_summary,
    pick,
    texts_language,
)
from app.i18n.content import body_languages
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.i18n.texts import Text

__all__ = [
    "BOUNDARIES_SOURCE",
    "country_ref",
    "emergency_numbers",
    "entry_for",
    "get_country",
    "list_countries",
]

# The destination's sections returned with an entry answer.
ENTRY_SECTIONS = (
    SectionKind.entry_requirements,
    SectionKind.visa_policy,
    SectionKind.humanitarian_visas,
    SectionKind.asylum,
)
PASSPORT_INDEX_SOURCE = SourceRead(
    title=passport_index.SOURCE_TITLE,
    url=passport_index.SOURCE_URL,
    publisher=passport_index.SOURCE_PUBLISHER,
)
BOUNDARIES_SOURCE = SourceRead(
    title=location.SOURCE_TITLE, url=location.SOURCE_URL, publisher=location.SOURCE_PUBLISHER
)
_NOT_DIGITS = re.compile(r"[^0-9+]")
# The note of sample content nobody has checked yet (``SectionInput`` requires it).
TO_VERIFY = "to verify"


def country_ref(code: str, chain: Sequence[str]) -> CountryRef:
    name = codes.country_name(code, chain)
    return CountryRef(code=code, name=name.text, lang=name.lang)


def _sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def list_countries(
    session: Session, *, pref: LanguagePreference, curated: bool | None = None
) -> CountryList:
    """Every ISO 3166-1 country named in the request's language, sorted by that name."""
    with_content = repository.curated_codes(session)
    items = []
    for code in codes.ISO_CODES:
        if curated is not None and (code in with_content) is not curated:
            continue
        ref = country_ref(code, pref.chain)
        items.append(CountrySummary(**ref.model_dump(), curated=code in with_content))
    items.sort(key=lambda item: (_sort_key(item.name), item.code))
    lang = body_languages(pref, (item.lang for item in items))[0]
    return CountryList(items=items, total=len(items), lang=lang)


def _section(
    section: CountrySection, pref: LanguagePreference, chain: Sequence[str], original: str
) -> SectionRead:
    text = localise(
        {t.lang: {"title": t.title, "body": t.body} for t in section.translations},
        ("title", "body"),
        chain,
    )
    kind = SectionKind(section.kind)
    served = text.lang or pref.served
    notes = {t.lang: t.note for t in section.translations if t.note}
    translation = next(
        (t for t in section.translations if t.lang == served and served != original), None
    )
    return SectionRead(
        kind=kind,
        title=text.values.get("title") or pick(SECTION_TITLES[kind], chain).text,
        body=text.values.get("body", ""),
        lang=served,
        lang_fallback=pref.is_fallback(served),
        original_lang=original,
        translated_on=translation.updated_at.date() if translation else None,
        sources=[
            SourceRead(title=s.title, url=s.url, publisher=s.publisher) for s in section.sources
        ],
        last_reviewed=section.last_reviewed,
        sample=section.is_sample,
        note=_note(notes.get(served), section.note, chain),
    )


def _note(translated: str | None, written: str | None, chain: Sequence[str]) -> str | None:
    """A note in the language of the text it goes with; else the bare "to verify" marker in
    the answer's language; else the note as written (content nobody translated yet)."""
    if translated:
        return translated
    if written and written.strip().casefold() == TO_VERIFY:
        return Text("note.to_verify").render(texts_language(chain))
    return written


def emergency_numbers(
    numbers: Sequence[CountryEmergencyNumber], chain: Sequence[str]
) -> list[EmergencyNumberRead]:
    return [
        EmergencyNumberRead(
            service=EmergencyService(n.service),
            label=pick(SERVICE_LABELS[EmergencyService(n.service)], chain).text,
            number=n.number,
            dial=_NOT_DIGITS.sub("", n.number),
            name=n.name,
            sample=n.is_sample,
            note=_note(None, n.note, chain),
        )
        for n in numbers
    ]


def get_country(session: Session, code: str, *, pref: LanguagePreference) -> CountryDetail:
    """A country's curated sections (if any), emergency numbers, currencies and languages."""
    profile = repository.get_profile(session, code)
    ref = country_ref(code, pref.chain)
    currencies = []
    for currency in codes.currencies_of(code):
        currencies.append(
            CurrencyRead(code=currency, name=codes.currency_name(currency, pref.chain).text)
        )
    languages = [
        OfficialLanguageRead(
            tag=tag, name=codes.language_name(tag.replace("-", "_"), pref.chain).text
        )
        for tag in codes.official_languages_of(code)
    ]
    if profile is None:
        return CountryDetail(
            **ref.model_dump(),
            curated=False,
            currencies=currencies,
            official_languages=languages,
            emergency_numbers=[],
            sections=[],
            languages_available=[],
        )
    chain = pref.chain_for(profile.original_language)
    return CountryDetail(
        **ref.model_dump(),
        curated=True,
        currencies=currencies,
        official_languages=languages,
        emergency_numbers=emergency_numbers(profile.emergency_numbers, pref.chain),
        sections=[_section(s, pref, chain, profile.original_language) for s in profile.sections],
        languages_available=sorted({t.lang for s in profile.sections for t in s.translations}),
    )


def entry_for(
    session: Session, destination: str, nationality: str, *, pref: LanguagePreference
) -> EntryRead:
    """What a holder of ``nationality``'s passport faces entering ``destination``."""
    rule = passport_index.load_passport_index().rule(nationality, destination)
    summary = entry_summary(rule.category, rule.days, pref.chain)
    profile = repository.get_profile(session, destination)
    rules: list[SectionRead] = []
    if profile is not None:
        chain = pref.chain_for(profile.original_language)
        rules = [
            _section(s, pref, chain, profile.original_language)
            for s in profile.sections
            if s.kind in ENTRY_SECTIONS
        ]
    return EntryRead(
        destination=country_ref(destination, pref.chain),
        nationality=country_ref(nationality, pref.chain),
        category=rule.category,
        days=rule.days,
        summary=summary.text,
        disclaimer=entry_disclaimer(passport_index.DATA_DATE, pref.chain).text,
        data_date=passport_index.DATA_DATE,
        source=PASSPORT_INDEX_SOURCE,
        rules=rules,
        lang=summary.lang,
    )
