"""The filters the map endpoints share with ``/v1/points``, parsed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.country_codes import InvalidCountryCode, normalise_country
from app.errors import FieldError, ValidationProblem
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_points import repository
from app.taxonomy import service as taxonomy_service

__all__ = ["MapFilters", "MapFiltersDep"]


@dataclass(frozen=True, slots=True)
class MapFilters:
    categories: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    spoken_languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    free: bool | None = None

    @property
    def indexable(self) -> bool:
        """Whether the grid index (``app.maps.index``) answers these filters: country and
        free are columns there; categories, audiences and spoken languages are not."""
        return not (self.categories or self.audiences or self.spoken_languages)

    def key(self) -> str:
        """A canonical text of the filters (part of a cache key)."""
        parts = [
            ",".join(sorted(self.categories)),
            ",".join(sorted(self.audiences)),
            ",".join(sorted(self.spoken_languages)),
            ",".join(sorted(self.countries)),
            "" if self.free is None else str(self.free).lower(),
        ]
        return "|".join(parts)

    def clauses(self, session: Session) -> list[ColumnElement[bool]]:
        """WHERE clauses, as ``/v1/points`` builds them (unknown codes are a 422)."""
        categories = (
            taxonomy_service.expand_categories(session, self.categories, parameter="category")
            if self.categories
            else set()
        )
        if self.audiences:
            taxonomy_service.validate_audiences(
                session, self.audiences, location="query", name="audience"
            )
        return repository.filter_clauses(
            categories=categories,
            audiences=self.audiences,
            spoken_languages=self.spoken_languages,
            countries=self.countries,
            free=self.free,
        )


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


async def get_map_filters(
    category: Annotated[
        list[str] | None,
        Query(
            description="Category codes (repeat or comma-separate); a parent includes its children"
        ),
    ] = None,
    audience: Annotated[list[str] | None, Query(description="Audience codes; any of them")] = None,
    spoken_language: Annotated[
        list[str] | None, Query(description="BCP 47 tags of languages spoken on site; any of them")
    ] = None,
    country: Annotated[list[str] | None, Query(description="ISO 3166-1 alpha-2 codes")] = None,
    free: Annotated[
        bool | None, Query(description="Only free (true) or paid (false) points")
    ] = None,
) -> MapFilters:
    errors: list[FieldError] = []
    spoken: list[str] = []
    for tag in _split(spoken_language):
        try:
            spoken.append(normalise_tag(tag))
        except InvalidLanguageTag as exc:
            errors.append(FieldError(location="query", name="spoken_language", detail=str(exc)))
    countries: list[str] = []
    for code in _split(country):
        try:
            countries.append(normalise_country(code))
        except InvalidCountryCode as exc:
            errors.append(FieldError(location="query", name="country", detail=str(exc)))
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)
    return MapFilters(
        categories=tuple(sorted(set(_split(category)))),
        audiences=tuple(sorted(set(_split(audience)))),
        spoken_languages=tuple(sorted(set(spoken))),
        countries=tuple(sorted(set(countries))),
        free=free,
    )


MapFiltersDep = Annotated[MapFilters, Depends(get_map_filters)]
