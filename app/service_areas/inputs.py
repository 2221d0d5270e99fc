"""Validated input of the staff area-service API. The area's geometry (rings, validity,
size) is checked by :mod:`app.geo.areas` in the service, which names the failing
coordinates; the shape and ranges (radius, known countries) are checked here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.geo.area_inputs import AreaInput
from app.service_points.inputs import (
    Code,
    Email,
    HttpUrl,
    LanguageTag,
    OpeningHours,
    Phone,
    PointSourceInput,
)

__all__ = ["AreaServiceCreate", "AreaServiceTranslationInput", "AreaServiceUpdate"]


class AreaServiceTranslationInput(BaseModel):
    """One language's texts of an area service."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=300, examples=["Línea 1-800 de asistencia"])
    description: str | None = Field(default=None, max_length=5000)


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    area: AreaInput | None = None
    point: str | None = Field(
        default=None, max_length=36, description="Public id of the point it belongs to, if any"
    )
    categories: list[Code] | None = Field(default=None, min_length=1, max_length=10)
    spoken_languages: list[LanguageTag] | None = Field(default=None, max_length=30)
    phones: list[Phone] | None = Field(default=None, max_length=10)
    email: Email | None = None
    website: HttpUrl | None = None
    whatsapp: Phone | None = None
    opening_hours: OpeningHours | None = None
    free: bool | None = None
    status: str | None = Field(
        default=None, pattern="^(draft|published|temporarily_closed|permanently_closed)$"
    )
    original_language: LanguageTag | None = None
    source: PointSourceInput | None = None
    is_sample: bool | None = None

    @field_validator("categories", "spoken_languages", "phones")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(value)) if value is not None else None


class AreaServiceCreate(_Fields):
    """A new area service: where it serves, what it offers, how to reach it, its texts."""

    area: AreaInput
    categories: list[Code] = Field(min_length=1, max_length=10, examples=[["legal_aid"]])
    original_language: LanguageTag = Field(examples=["es"])
    translations: dict[LanguageTag, AreaServiceTranslationInput] = Field(
        min_length=1, max_length=50
    )

    @model_validator(mode="after")
    def _reachable(self) -> AreaServiceCreate:
        if self.original_language not in self.translations:
            raise ValueError(
                f"translations must include the original language {self.original_language!r}"
            )
        if not (self.phones or self.email or self.website or self.whatsapp or self.point):
            raise ValueError(
                "an area service needs a way to reach it: phones, email, website, whatsapp "
                "or the point it belongs to"
            )
        return self


class AreaServiceUpdate(_Fields):
    """A partial change (PATCH): only the fields sent change; null clears optional ones."""

    translations: dict[LanguageTag, AreaServiceTranslationInput] | None = Field(
        default=None, max_length=50, description="Languages to add or replace"
    )

    @model_validator(mode="after")
    def _required_not_null(self) -> AreaServiceUpdate:
        for name in ("area", "categories", "original_language", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self
