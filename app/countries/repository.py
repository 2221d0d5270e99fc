"""Queries over curated country information."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.countries.models import CountryEmergencyNumber, CountryProfile

__all__ = ["add_profile", "curated_codes", "emergency_numbers", "get_profile", "has_profile"]


def curated_codes(session: Session) -> set[str]:
    """Codes of every country with curated information."""
    return set(session.scalars(select(CountryProfile.code)))


def get_profile(session: Session, code: str) -> CountryProfile | None:
    """A country's profile with its sections, translations, sources and numbers."""
    return session.get(CountryProfile, code)


def has_profile(session: Session, code: str) -> bool:
    return (
        session.scalar(select(CountryProfile.code).where(CountryProfile.code == code)) is not None
    )


def emergency_numbers(session: Session, code: str) -> Sequence[CountryEmergencyNumber]:
    return session.scalars(
        select(CountryEmergencyNumber)
        .where(CountryEmergencyNumber.country_code == code)
        .order_by(CountryEmergencyNumber.position)
    ).all()


def add_profile(session: Session, profile: CountryProfile) -> None:
    session.add(profile)
    session.flush()
