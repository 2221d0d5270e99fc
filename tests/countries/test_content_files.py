"""The curated files in seed/countries/ (no database)."""

from __future__ import annotations

import json

import pytest

from app.countries.schemas import CountryProfileInput
from app.seed import SEED_DIR
from tests.countries.helpers import CURATED_KINDS, MINIMUM_KINDS, OAS_MEMBERS, ROUTE_COUNTRIES

FILES = sorted((SEED_DIR / "countries").glob("*.json"))


def test_one_file_per_oas_member():
    assert {f.stem for f in FILES} == OAS_MEMBERS


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_is_valid_and_sourced(path):
    data = CountryProfileInput.model_validate(json.loads(path.read_text(encoding="utf-8")))
    assert data.code == path.stem
    kinds = {s.kind.value for s in data.sections}
    assert kinds == CURATED_KINDS if data.code in ROUTE_COUNTRIES else kinds >= MINIMUM_KINDS
    for section in data.sections:
        if section.generated:
            continue
        assert section.sources, section.kind
        if data.code in ROUTE_COUNTRIES:
            assert set(section.text) >= {"es", "en", "fr"}, section.kind
        if section.sample:
            assert section.note and section.note.startswith("to verify")
    assert data.emergency_numbers
    for number in data.emergency_numbers:
        assert not number.sample or number.note == "to verify"
