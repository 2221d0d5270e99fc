"""Shapes of the staff API of curated country information (sections and their translations)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.countries.schemas import CountrySourceInput
from app.i18n.inputs import LanguageTag

__all__ = [
    "SectionEdit",
    "SectionTranslationInput",
    "StaffCountryRead",
    "StaffSectionRead",
    "StaffSourceRead",
    "StaffTextRead",
]


class SectionTranslationInput(BaseModel):
    """One language's title and text of a section (translators)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="Defaults to the standard title"
    )
    body: str = Field(min_length=1, max_length=10_000)
    note: str | None = Field(
        default=None, min_length=1, max_length=500, description="The section's note, translated"
    )


class SectionEdit(BaseModel):
    """A whole section: review date, sources and texts (administrators)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    last_reviewed: dt.date
    sample: bool = False
    note: str | None = Field(default=None, max_length=500)
    sources: list[CountrySourceInput] = Field(min_length=1, max_length=20)
    text: dict[LanguageTag, str] = Field(min_length=1, max_length=50)
    title: dict[LanguageTag, str] = Field(default_factory=dict, max_length=50)
    notes: dict[LanguageTag, str] = Field(
        default_factory=dict,
        max_length=50,
        description="The note in each language of `text` (`note` is shown where none fits)",
    )


class StaffSourceRead(BaseModel):
    title: str
    url: str
    publisher: str


class StaffTextRead(BaseModel):
    title: str
    body: str
    note: str | None = None


class StaffSectionRead(BaseModel):
    kind: str
    version: int
    etag: str = Field(description="Send back in If-Match to change the section")
    last_reviewed: dt.date
    sample: bool
    note: str | None = None
    sources: list[StaffSourceRead]
    translations: dict[str, StaffTextRead]


class StaffCountryRead(BaseModel):
    code: str
    original_language: str
    sections: list[StaffSectionRead]
