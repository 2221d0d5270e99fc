"""Curated content in the database: rows, seed idempotency, the write path (both engines)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.countries import repository, writing
from app.countries.models import (
    CountryProfile,
    CountrySection,
    CountrySectionSource,
    CountrySectionTranslation,
)
from app.countries.schemas import CountryProfileInput
from app.countries.seed import load_countries
from app.seed import SEED_DIR
from tests.countries.helpers import OAS_MEMBERS, ROUTE_COUNTRIES


def _file(code: str) -> CountryProfileInput:
    return CountryProfileInput.model_validate_json(
        (SEED_DIR / "countries" / f"{code}.json").read_bytes()
    )


def test_seeded_countries(db):
    assert repository.curated_codes(db) == OAS_MEMBERS


def test_one_translation_row_per_country_section_language(db):
    rows = db.execute(
        select(CountrySectionTranslation.country_code, CountrySectionTranslation.kind)
        .group_by(CountrySectionTranslation.country_code, CountrySectionTranslation.kind)
        .having(func.count() >= 3)
    ).all()
    sections = db.scalar(select(func.count()).select_from(CountrySection))
    assert len(rows) == sections
    route = db.scalar(
        select(func.count())
        .select_from(CountrySectionTranslation)
        .where(CountrySectionTranslation.country_code.in_(ROUTE_COUNTRIES))
    )
    assert route == len(ROUTE_COUNTRIES) * 9 * 3


def test_every_stored_section_has_a_source_and_review_date(db):
    without_source = db.scalars(
        select(CountrySection.kind).where(
            ~select(CountrySectionSource.position)
            .where(
                CountrySectionSource.country_code == CountrySection.country_code,
                CountrySectionSource.kind == CountrySection.kind,
            )
            .exists()
        )
    ).all()
    assert without_source == []
    assert db.scalar(select(func.count()).where(CountrySection.last_reviewed.is_(None))) == 0


def test_seed_is_idempotent(db):
    versions = dict(db.execute(select(CountrySection.country_code, CountrySection.version)).all())
    counts = load_countries(db, SEED_DIR)
    assert counts == {"countries_created": 0, "countries_updated": len(OAS_MEMBERS)}
    db.expire_all()
    assert dict(db.execute(select(CountrySection.country_code, CountrySection.version)).all()) == (
        versions
    )


def test_write_path_updates_in_place_and_keeps_other_languages(db):
    profile = repository.get_profile(db, "CR")
    asylum = next(s for s in profile.sections if s.kind == "asylum")
    asylum.translations.append(
        CountrySectionTranslation(lang="ht", title="Azil", body="Tèks an kreyòl")
    )
    db.flush()
    data = _file("CR")
    changed = data.model_copy(
        update={
            "sections": [
                s.model_copy(update={"text": {**s.text, "en": "Updated."}})
                if s.kind == "asylum"
                else s
                for s in data.sections
            ]
        }
    )
    assert writing.save_profile(db, changed) is False
    db.expire_all()
    texts = {
        t.lang: t.body
        for t in db.scalars(
            select(CountrySectionTranslation).where(
                CountrySectionTranslation.country_code == "CR",
                CountrySectionTranslation.kind == "asylum",
            )
        )
    }
    assert texts["en"] == "Updated." and texts["ht"] == "Tèks an kreyòl"
    assert texts["es"].startswith("La solicitud de refugio")


def test_write_path_creates_a_country(db):
    data = CountryProfileInput.model_validate(
        {
            "code": "DE",
            "original_language": "de",
            "emergency_numbers": [{"service": "general", "number": "112"}],
            "sections": [
                {
                    "kind": "emergency_numbers",
                    "last_reviewed": "2026-11-29",
                    "sources": [{"title": "t", "url": "https://example.org", "publisher": "p"}],
                    "text": {"en": "112 everywhere in the EU."},
                },
                {
                    "kind": "currency_and_languages",
                    "generated": "cldr",
                    "last_reviewed": "2026-11-29",
                },
            ],
        }
    )
    assert writing.save_profile(db, data) is True
    profile = db.get(CountryProfile, "DE")
    assert [n.number for n in profile.emergency_numbers] == ["112"]
    generated = next(s for s in profile.sections if s.kind == "currency_and_languages")
    assert generated.translations[0].body == "Currency: Euro (EUR). Official language: German."
    assert generated.sources[0].url == "https://cldr.unicode.org"
