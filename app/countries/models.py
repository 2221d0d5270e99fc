"""Curated country information: sections translated in rows, their sources, emergency numbers.

One ``country_section_translation`` row per (country, section, language), so staff can edit
and translate one section at a time. Keys are natural (country code, section kind), which
offline sync can address without surrogate ids.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

__all__ = [
    "CountryEmergencyNumber",
    "CountryProfile",
    "CountrySection",
    "CountrySectionSource",
    "CountrySectionTranslation",
    "EmergencyService",
    "SectionKind",
]


class SectionKind(enum.StrEnum):
    """The curated sections of a country, in display order."""

    entry_requirements = "entry_requirements"
    visa_policy = "visa_policy"
    humanitarian_visas = "humanitarian_visas"
    asylum = "asylum"
    rights = "rights"
    health_requirements = "health_requirements"
    emergency_numbers = "emergency_numbers"
    migration_authority = "migration_authority"
    currency_and_languages = "currency_and_languages"


class EmergencyService(enum.StrEnum):
    """What an emergency or help line is for."""

    general = "general"
    police = "police"
    ambulance = "ambulance"
    fire = "fire"
    gender_violence = "gender_violence"
    trafficking = "trafficking"
    children = "children"
    mental_health = "mental_health"
    human_rights = "human_rights"
    anonymous_report = "anonymous_report"
    civil_protection = "civil_protection"


class CountryProfile(Base):
    """A country that has curated information (ISO 3166-1 alpha-2 code)."""

    __tablename__ = "country_profile"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    # The language the content was first written in; part of the fallback chain.
    original_language: Mapped[str] = mapped_column(String(35), default="es")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sections: Mapped[list[CountrySection]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CountrySection.position"
    )
    emergency_numbers: Mapped[list[CountryEmergencyNumber]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CountryEmergencyNumber.position"
    )


class CountrySection(Base):
    """One curated section of a country: when it was reviewed, whether it is sample data."""

    __tablename__ = "country_section"

    country_code: Mapped[str] = mapped_column(
        ForeignKey("country_profile.code", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    last_reviewed: Mapped[dt.date] = mapped_column(Date)
    # True while nobody has checked the content against its sources: shown as "to verify".
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Bumped on every change; exposed as the ETag when staff edit a section.
    version: Mapped[int] = mapped_column(Integer, default=1)

    translations: Mapped[list[CountrySectionTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    sources: Mapped[list[CountrySectionSource]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CountrySectionSource.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CountrySectionTranslation(Base):
    """The title and text of one section in one language."""

    __tablename__ = "country_section_translation"
    __table_args__ = (
        ForeignKeyConstraint(
            ["country_code", "kind"],
            ["country_section.country_code", "country_section.kind"],
            ondelete="CASCADE",
        ),
    )

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The section's note ("to verify: ...") in this language, if it has one.
    note: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CountrySectionSource(Base):
    """Where a section's content comes from (every section has at least one)."""

    __tablename__ = "country_section_source"
    __table_args__ = (
        ForeignKeyConstraint(
            ["country_code", "kind"],
            ["country_section.country_code", "country_section.kind"],
            ondelete="CASCADE",
        ),
    )

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    publisher: Mapped[str] = mapped_column(String(300))


class CountryEmergencyNumber(Base):
    """A number to call in a country: police, ambulance, a trafficking hotline…"""

    __tablename__ = "country_emergency_number"

    country_code: Mapped[str] = mapped_column(
        ForeignKey("country_profile.code", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(40))
    # As written locally ("1-888-373-7888"); the API also gives the digits to dial.
    number: Mapped[str] = mapped_column(String(40))
    # The line's own name, in its original language ("Línea 155").
    name: Mapped[str | None] = mapped_column(String(200))
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(300))
