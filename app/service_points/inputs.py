"""Validated input for creating and changing service points (API, seed and imports).

Every rule lives here once, so the write API, the seed loader and spreadsheet imports
refuse the same things with the same messages.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Literal

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.country_codes import CountryCode
from app.i18n.inputs import LanguageTag
from app.service_points import hours

__all__ = [
    "LanguageTag",
    "PointSourceInput",
    "ServicePointCreate",
    "ServicePointUpdate",
    "TranslationInput",
]


@lru_cache(maxsize=8192)
def _e164(value: str) -> str:
    """The E.164 form of a phone number (memoised: imports repeat numbers; errors are not)."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError(
            f"{value[:30]!r} is not an E.164 phone number (e.g. +50761234567)"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{value[:30]!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _http_url(value: str) -> str:
    value = value.strip()
    if not value.lower().startswith(("http://", "https://")) or len(value) < 11 or " " in value:
        raise ValueError("must be an http(s) URL")
    return value


def _email(value: str) -> str:
    value = value.strip()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise ValueError("not an e-mail address")
    return value


def _opening_hours(value: str) -> str:
    try:
        return hours.parse(value)
    except hours.InvalidOpeningHours as exc:
        raise ValueError(str(exc)) from None


Phone = Annotated[str, Field(max_length=30), AfterValidator(_e164)]
HttpUrl = Annotated[str, Field(max_length=500), AfterValidator(_http_url)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
OpeningHours = Annotated[str, Field(max_length=500), AfterValidator(_opening_hours)]
Code = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")]

Status = Literal["draft", "published", "temporarily_closed", "permanently_closed"]
LocationPrecisionName = Literal["exact", "approximate", "hidden"]


class TranslationInput(BaseModel):
    """One language's texts for a point."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    address: str | None = Field(default=None, max_length=500)
    documents_required: str | None = Field(default=None, max_length=2000)
    accessibility: str | None = Field(default=None, max_length=2000)


class PointSourceInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, max_length=300)
    url: HttpUrl | None = None
    publisher: str | None = Field(default=None, max_length=300)
    as_of: dt.date | None = Field(
        default=None,
        description="The date the source's facts are as of (its publication or extract date, "
        "YYYY-MM-DD). Not a verification: `verification.stale` counts from the later of this "
        "date and the last verification.",
    )

    @field_validator("as_of")
    @classmethod
    def _not_in_future(cls, value: dt.date | None) -> dt.date | None:
        # A day of slack: "today" somewhere in the Americas may be tomorrow in UTC.
        if value is not None and value > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
            raise ValueError("as_of is in the future: give the date the source's facts are as of")
        return value


class _PointFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    country: CountryCode | None = None
    locality: str | None = Field(default=None, max_length=200)
    categories: list[Code] | None = Field(default=None, min_length=1, max_length=10)
    audiences: list[Code] | None = Field(default=None, max_length=20)
    spoken_languages: list[LanguageTag] | None = Field(default=None, max_length=30)
    phones: list[Phone] | None = Field(default=None, max_length=10)
    email: Email | None = None
    website: HttpUrl | None = None
    whatsapp: Phone | None = None
    opening_hours: OpeningHours | None = None
    free: bool | None = None
    original_language: LanguageTag | None = None
    source: PointSourceInput | None = None
    is_sample: bool | None = None
    location_precision: LocationPrecisionName | None = Field(
        default=None,
        description="How much of the place the public may learn: `exact` (default), "
        "`approximate` (the centre of its ~1 km grid cell, distances as a range, no street "
        "address) or `hidden` (no coordinates, not found by near or viewport searches; for "
        "shelters and safe houses). Staff of the point's organisation always see the exact "
        "place.",
    )

    @field_validator("categories", "audiences", "spoken_languages", "phones")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(value)) if value is not None else None


class ServicePointCreate(_PointFields):
    """A new point: where it is, what it offers, and its texts in at least one language."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, examples=[8.5126])
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, examples=[-76.7821])
    country: CountryCode = Field(examples=["CO"])
    categories: list[Code] = Field(min_length=1, max_length=10, examples=[["shelter"]])
    original_language: LanguageTag = Field(examples=["es"])
    status: Status = "draft"
    translations: dict[LanguageTag, TranslationInput] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _original_translated(self) -> ServicePointCreate:
        if self.original_language not in self.translations:
            raise ValueError(
                f"translations must include the original language {self.original_language!r}"
            )
        return self


class ServicePointUpdate(_PointFields):
    """A partial change (PATCH): only the fields sent are changed; null clears optional ones."""

    @model_validator(mode="after")
    def _required_not_null(self) -> ServicePointUpdate:
        for name in (
            "lat",
            "lon",
            "country",
            "categories",
            "original_language",
            "location_precision",
        ):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        if ("lat" in self.model_fields_set) != ("lon" in self.model_fields_set):
            raise ValueError("lat and lon change together")
        return self
