"""Public country information (``/v1/countries``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.countries import service
from app.countries.dependencies import (
    CountryCodeDep,
    NationalityDep,
)
from app.countries.schemas import CountryDetail, CountryList, EntryRead
from app.db import ReadSessionDep
from app.i18n.content import tag_response
from app.versioned_cache import VersionedCache
from app.web.languages import LangDep
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1", tags=["countries"])
# Per language preference (and filter, or country), while the data version holds (several
# workers: app/versioned_cache).
_LISTS: VersionedCache[CountryList] = VersionedCache()
_DETAILS: VersionedCache[CountryDetail] = VersionedCache(max_entries=2048)


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
    found = _LISTS.get(
        session,
        (pref, curated),
        lambda: service.list_countries(session, pref=pref, curated=curated),
    )
    return tag_response(response, pref, found)


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
    found = _DETAILS.get(
        session, (pref, code), lambda: service.get_country(session, code, pref=pref)
    )
    return tag_response(response, pref, found)


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
