"""Public country information (``/v1/countries``) and "which country am I in" (``/v1/where``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.countries import service
from app.countries.dependencies import (
    CountryCodeDep,
    LatitudeQuery,
    LongitudeQuery,
    NationalityDep,
)
from app.countries.schemas import CountryDetail, CountryList, EntryRead, WhereRead
from app.db import ReadSessionDep
from app.i18n.content import tag_response
from app.web.languages import LangDep
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1", tags=["countries"])


@router.get(
    "/countries",
    operation_id="listCountries",
    summary="Every ISO 3166-1 country, named in the response language",
    responses={422: PROBLEM},
)
def list_countries(
    session: ReadSessionDep,
    pref: LangDep,
    response: Response,
    curated: Annotated[
        bool | None,
        Query(
            description="Only countries with (true) or without (false) curated information",
            examples=[True],
        ),
    ] = None,
) -> CountryList:
    """All 249 countries with their CLDR names, sorted by name, and whether Rumbo has curated
    information about each."""
    return tag_response(response, pref, service.list_countries(session, pref=pref, curated=curated))


@router.get(
    "/countries/{code}",
    operation_id="getCountry",
    summary="A country's entry rules, asylum procedure, rights and emergency numbers",
    response_model_exclude_none=True,
    responses={404: PROBLEM, 422: PROBLEM},
)
def get_country(
    session: ReadSessionDep, pref: LangDep, response: Response, code: CountryCodeDep
) -> CountryDetail:
    """Curated sections, each translated, with its sources, review date and whether it is
    sample content still to verify; plus currencies and official languages from CLDR."""
    return tag_response(response, pref, service.get_country(session, code, pref=pref))


@router.get(
    "/countries/{code}/entry",
    operation_id="getCountryEntryForNationality",
    summary="What a passport's holder faces at this country's border",
    response_model_exclude_none=True,
    responses={404: PROBLEM, 422: PROBLEM},
)
def get_entry(
    session: ReadSessionDep,
    pref: LangDep,
    response: Response,
    code: CountryCodeDep,
    nationality: NationalityDep,
) -> EntryRead:
    """Visa free for N days, visa on arrival, electronic authorisation, e-visa, visa required,
    no admission or own country, from the open Passport Index data (its date is in every
    answer), with the country's general entry, visa, humanitarian and asylum rules."""
    return tag_response(response, pref, service.entry_for(session, code, nationality, pref=pref))


@router.get(
    "/where",
    operation_id="locatePoint",
    summary="Which country a point is in, its local time and emergency numbers",
    responses={422: PROBLEM},
)
def where(
    session: ReadSessionDep,
    pref: LangDep,
    response: Response,
    lat: LatitudeQuery,
    lon: LongitudeQuery,
) -> WhereRead:
    """For apps that switch context when their user crosses a border. At sea the country is
    null (with the nearest coast within 25 km, if any). Coordinates are neither logged nor
    stored, and the answer is not cacheable."""
    response.headers["Cache-Control"] = "no-store"
    return tag_response(response, pref, service.where(session, lat=lat, lon=lon, pref=pref))
