"""Shared expectations of the countries tests."""

from __future__ import annotations

import csv

from app.countries.passport_index import DEFAULT_PATH

# The 35 member states of the OAS, and the countries on the route that get full content.
OAS_MEMBERS = frozenset(
    {
        "AG", "AR", "BS", "BB", "BZ", "BO", "BR", "CA", "CL", "CO", "CR", "CU",
        "DM", "DO", "EC", "SV", "GD", "GT", "GY", "HT", "HN", "JM", "MX", "NI",
        "PA", "PY", "PE", "KN", "LC", "VC", "SR", "TT", "US", "UY", "VE",
    }
)  # fmt: skip
ROUTE_COUNTRIES = frozenset(
    {
        "CO", "PA", "CR", "NI", "HN", "SV", "GT", "MX", "US",
        "CA", "VE", "EC", "PE", "CL", "BR", "HT", "CU", "DO",
    }
)  # fmt: skip
CURATED_KINDS = frozenset(
    {
        "entry_requirements",
        "visa_policy",
        "humanitarian_visas",
        "asylum",
        "rights",
        "health_requirements",
        "emergency_numbers",
        "migration_authority",
        "currency_and_languages",
    }
)
MINIMUM_KINDS = frozenset(
    {"entry_requirements", "asylum", "emergency_numbers", "currency_and_languages"}
)


def raw_requirement(passport: str, destination: str) -> str:
    """The ``Requirement`` cell of the copied CSV, read without the app's reader."""
    with DEFAULT_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            if row[0] == passport and row[1] == destination:
                return row[2]
    raise LookupError((passport, destination))


def expected_category(raw: str) -> tuple[str, int | None]:
    if raw.isdigit():
        return "visa_free", int(raw)
    return {
        "visa free": ("visa_free", None),
        "visa on arrival": ("visa_on_arrival", None),
        "eta": ("eta", None),
        "e-visa": ("e_visa", None),
        "visa required": ("visa_required", None),
        "no admission": ("no_admission", None),
        "-1": ("own_country", None),
    }[raw]
