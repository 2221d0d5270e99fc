"""The Passport Index reader against the raw CSV (no database)."""

from __future__ import annotations

import csv

import pytest

from app.countries.passport_index import (
    DEFAULT_PATH,
    EntryCategory,
    load_passport_index,
    parse_requirement,
)


def test_every_row_is_read():
    index = load_passport_index()
    assert len(index) == 199 * 199
    assert "NA" in index.passports  # Namibia, not "missing"


@pytest.mark.parametrize(
    ("raw", "category", "days"),
    [
        ("90", EntryCategory.VISA_FREE, 90),
        ("visa free", EntryCategory.VISA_FREE, None),
        ("visa on arrival", EntryCategory.VISA_ON_ARRIVAL, None),
        ("eta", EntryCategory.ETA, None),
        ("e-visa", EntryCategory.E_VISA, None),
        ("visa required", EntryCategory.VISA_REQUIRED, None),
        ("no admission", EntryCategory.NO_ADMISSION, None),
        ("-1", EntryCategory.OWN_COUNTRY, None),
    ],
)
def test_requirement_values(raw, category, days):
    rule = parse_requirement(raw)
    assert (rule.category, rule.days) == (category, days)


def test_unknown_value_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        parse_requirement("maybe")


def test_rules_match_the_file_row_by_row():
    index = load_passport_index()
    with DEFAULT_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rule = index.rule(row["Passport"], row["Destination"])
            assert rule.raw == row["Requirement"]


def test_pairs_outside_the_dataset_have_no_data():
    index = load_passport_index()
    assert index.rule("CO", "PR").category is EntryCategory.NO_DATA
    assert index.rule("PR", "PR").category is EntryCategory.OWN_COUNTRY
