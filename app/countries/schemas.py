"""Public shapes of the countries API, and the input shape of curated country files."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.countries.models import EmergencyService, SectionKind
from app.countries.passport_index import EntryCategory
from app.i18n.content import LANG_FALLBACK

__all__ = [
    "CountryDetail",
    "CountryList",
    "CountryProfileInput",
    "CountryRef",
    "CountrySummary",
    "CurrencyRead",
    "EmergencyNumberInput",
    "EmergencyNumberRead",
    "EntryRead",
    "OfficialLanguageRead",
    "SectionInput",
    "SectionRead",
    "SourceRead",
]


class SourceRead(BaseModel):
    title: str = Field(examples=["Migración Colombia"])
    url: str = Field(examples=["https://www.migracioncolombia.gov.co"])
    publisher: str = Field(examples=["Unidad Administrativa Especial Migración Colombia"])


class SectionRead(BaseModel):
    """One curated section in one language, with its sources and review date."""

    kind: SectionKind
    title: str = Field(examples=["Asilo y refugio"])
    body: str
    lang: str = Field(description="Language the texts were served in", examples=["es"])
    lang_fallback: bool = Field(description=LANG_FALLBACK)
    original_lang: str = Field(
        description="Language the content was written and checked in", examples=["es"]
    )
    sources: list[SourceRead]
    last_reviewed: dt.date = Field(
        description="When the content in original_lang was last checked against its sources",
        examples=["2026-11-29"],
    )
    translated_on: dt.date | None = Field(
        default=None,
        description="When lang is not original_lang: the day this translation was last "
        "written; it was not itself checked against the sources",
        examples=["2026-12-01"],
    )
    sample: bool = Field(
        description="True when the content has not been checked against its sources: to verify"
    )
    note: str | None = Field(
        default=None,
        description="What is still to verify, in the language of the section's text when "
        "it has one (else as written)",
        examples=["por verificar: ventanillas de registro abiertas ahora"],
    )


class EmergencyNumberRead(BaseModel):
    service: EmergencyService
    label: str = Field(description="What the line is for, in the response language")
    number: str = Field(description="As written locally", examples=["1-888-373-7888"])
    dial: str = Field(description="Digits to dial from a local phone", examples=["18883737888"])
    name: str | None = Field(default=None, examples=["Línea 155"])
    sample: bool = Field(description="True when the number has not been verified yet")
    note: str | None = None


class CurrencyRead(BaseModel):
    code: str = Field(examples=["COP"])
    name: str = Field(examples=["peso colombiano"])


class OfficialLanguageRead(BaseModel):
    tag: str = Field(examples=["es"])
    name: str = Field(examples=["español"])


class CountryRef(BaseModel):
    code: str = Field(description="ISO 3166-1 alpha-2", examples=["CO"])
    name: str = Field(examples=["Colombia"])
    lang: str = Field(description="Language of the name", examples=["es"])


class CountrySummary(CountryRef):
    curated: bool = Field(description="True when curated country information exists")


class CountryList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [{"code": "DE", "name": "Alemania", "lang": "es", "curated": False}],
                "total": 249,
                "lang": "es",
            }
        }
    )

    items: list[CountrySummary]
    total: int
    lang: str = Field(description="The main language of the names: the first of Content-Language")


class CountryDetail(CountryRef):
    """Everything known about a country, translated; ``sections`` is empty when not curated."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "code": "CR",
                "name": "Costa Rica",
                "lang": "es",
                "curated": True,
                "currencies": [{"code": "CRC", "name": "colón costarricense"}],
                "official_languages": [{"tag": "es", "name": "español"}],
                "emergency_numbers": [
                    {
                        "service": "general",
                        "label": "Emergencias",
                        "number": "911",
                        "dial": "911",
                        "sample": False,
                    }
                ],
                "sections": [],
                "languages_available": ["en", "es", "fr"],
            }
        }
    )

    curated: bool
    currencies: list[CurrencyRead] = Field(description="Legal tender today (Unicode CLDR)")
    official_languages: list[OfficialLanguageRead] = Field(
        description="Official and de facto official languages (Unicode CLDR)"
    )
    emergency_numbers: list[EmergencyNumberRead]
    sections: list[SectionRead]
    languages_available: list[str]


class EntryRead(BaseModel):
    """What a passport's holder faces at a country's border, and that country's general rules."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "destination": {"code": "PA", "name": "Panamá", "lang": "es"},
                "nationality": {"code": "HT", "name": "Haití", "lang": "es"},
                "category": "visa_required",
                "summary": "Visa obligatoria, pedida antes de viajar",
                "data_date": "2025-01-12",
                "lang": "es",
            }
        }
    )

    destination: CountryRef
    nationality: CountryRef
    category: EntryCategory
    days: int | None = Field(default=None, description="Days allowed without a visa, when stated")
    summary: str
    disclaimer: str = Field(description="Says the data's date and that rules change")
    data_date: dt.date = Field(
        description="Date of the Passport Index data", examples=["2025-01-12"]
    )
    source: SourceRead
    rules: list[SectionRead] = Field(
        description="The destination's curated entry, visa, humanitarian and asylum sections"
    )
    lang: str


# --- input: one curated country file (seed/countries/XX.json), later the staff API ----------


class CountrySourceInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    url: str = Field(pattern=r"^https://", max_length=500)
    publisher: str = Field(min_length=1, max_length=300)


class SectionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: SectionKind
    last_reviewed: dt.date
    sample: bool = False
    # The note as written ("to verify: ..."), shown where no language of ``notes`` fits.
    note: str | None = Field(default=None, max_length=500)
    sources: list[CountrySourceInput] = Field(default_factory=list)
    # lang -> body; titles default to the standard section titles.
    text: dict[str, str] = Field(default_factory=dict)
    title: dict[str, str] = Field(default_factory=dict)
    # lang -> the note in that language (kept with that language's text).
    notes: dict[str, str] = Field(default_factory=dict)
    # "cldr": the body is written from Unicode CLDR data when loaded (currency, languages).
    generated: str | None = Field(default=None, pattern=r"^cldr$")

    @model_validator(mode="after")
    def _sourced(self) -> SectionInput:
        if self.generated is None and not (self.sources and self.text):
            raise ValueError(f"{self.kind}: a curated section needs a text and at least one source")
        if self.sample and not (self.note or "").startswith("to verify"):
            raise ValueError(f"{self.kind}: a sample section's note must start with 'to verify'")
        return self


class EmergencyNumberInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: EmergencyService
    number: str = Field(min_length=1, max_length=40, pattern=r"^[0-9 +()\-]+$")
    name: str | None = Field(default=None, max_length=200)
    sample: bool = False
    note: str | None = Field(default=None, max_length=300)


class CountryProfileInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2}$")
    original_language: str = "es"
    emergency_numbers: list[EmergencyNumberInput] = Field(default_factory=list)
    sections: list[SectionInput]
