"""Validated input of the staff alert API. The area's geometry is checked by
``app.geo.areas`` (shapely) in the service, which names the failing coordinates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.alerts.models import AlertCategory, Certainty, Severity, Urgency
from app.geo.area_inputs import AreaInput
from app.i18n.inputs import LanguageTag
from app.service_points.inputs import HttpUrl

__all__ = [
    "AlertCreate",
    "AlertTranslationInput",
    "AlertUpdate",
    "AreaInput",
    "CancelRequest",
]

MAX_VALIDITY = dt.timedelta(days=366)


class AlertTranslationInput(BaseModel):
    """One language's texts of an alert (CAP headline, description, instruction, areaDesc)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200, examples=["Río Turquesa crecido"])
    body: str | None = Field(default=None, max_length=5000)
    instructions: str | None = Field(default=None, max_length=2000)
    area_description: str | None = Field(default=None, max_length=500)


def _check_window(effective: dt.datetime | None, expires: dt.datetime | None) -> None:
    if effective is not None and expires is not None:
        if expires <= effective:
            raise ValueError("expires must be after effective")
        if expires - effective > MAX_VALIDITY:
            raise ValueError("an alert may last at most 366 days; publish a new one after")


class _AlertFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: AlertCategory | None = None
    severity: Severity | None = None
    urgency: Urgency | None = None
    certainty: Certainty | None = None
    area: AreaInput | None = None
    effective: AwareDatetime | None = None
    expires: AwareDatetime | None = None
    source_url: HttpUrl | None = None
    source_title: str | None = Field(default=None, max_length=300)
    is_sample: bool | None = None


class AlertCreate(_AlertFields):
    """A new alert (a draft): what, how bad, where, when, and its texts."""

    category: AlertCategory
    severity: Severity
    urgency: Urgency
    certainty: Certainty
    area: AreaInput
    effective: AwareDatetime | None = Field(
        default=None, description="When it takes effect (default: when published)"
    )
    expires: AwareDatetime
    original_language: LanguageTag = Field(examples=["es"])
    translations: dict[LanguageTag, AlertTranslationInput] = Field(min_length=1, max_length=50)

    @field_validator("expires")
    @classmethod
    def _expires(cls, value: dt.datetime, info: Any) -> dt.datetime:
        _check_window(info.data.get("effective"), value)
        return value

    @model_validator(mode="after")
    def _original_translated(self) -> AlertCreate:
        if self.original_language not in self.translations:
            raise ValueError(
                f"translations must include the original language {self.original_language!r}"
            )
        return self


class AlertUpdate(_AlertFields):
    """A partial change (PATCH) of a draft; on a published alert only ``expires``."""

    @model_validator(mode="after")
    def _required_not_null(self) -> AlertUpdate:
        for name in ("category", "severity", "urgency", "certainty", "area", "expires"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        _check_window(self.effective, self.expires)
        return self


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=500)
