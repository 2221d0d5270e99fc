"""Path and query parameters of the countries API, validated into clean values."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from app.countries.codes import CountryCodeError, parse_country_code
from app.errors import NotFound, ValidationProblem

__all__ = ["CountryCodeDep", "LatitudeQuery", "LongitudeQuery", "NationalityDep"]


def country_code(
    code: Annotated[
        str,
        Path(
            description="ISO 3166-1 alpha-2 country code; lowercase is accepted",
            examples=["CO"],
            max_length=20,
        ),
    ],
) -> str:
    """``co`` -> ``CO``; a 404 for an unassigned code (``XX``), a 422 for a malformed one."""
    try:
        return parse_country_code(code)
    except CountryCodeError as exc:
        problem = NotFound if exc.unknown else ValidationProblem
        raise problem.for_field("path", "code", exc.text) from None


def nationality_code(
    nationality: Annotated[
        str,
        Query(
            description="ISO 3166-1 alpha-2 code of the passport's country; lowercase is accepted",
            examples=["HT"],
            max_length=20,
        ),
    ],
) -> str:
    try:
        return parse_country_code(nationality)
    except CountryCodeError as exc:
        raise ValidationProblem.for_field("query", "nationality", exc.text) from None


CountryCodeDep = Annotated[str, Depends(country_code)]
NationalityDep = Annotated[str, Depends(nationality_code)]
LatitudeQuery = Annotated[
    float,
    Query(
        ge=-90,
        le=90,
        allow_inf_nan=False,
        description="Latitude in WGS 84 degrees",
        examples=[8.54],
    ),
]
LongitudeQuery = Annotated[
    float,
    Query(
        ge=-180,
        le=180,
        allow_inf_nan=False,
        description="Longitude in WGS 84 degrees",
        examples=[-82.87],
    ),
]
