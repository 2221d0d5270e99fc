"""Staff editing of curated country information (administrators, translators): the staff face
of :mod:`app.countries`, above accounts (it authenticates through them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response

from app.accounts.dependencies import STAFF_CACHE_CONTROL, CurrentStaff, require_json
from app.countries import staff_service
from app.countries.dependencies import CountryCodeDep
from app.countries.models import SectionKind
from app.countries.staff_schemas import SectionEdit, SectionTranslationInput, StaffCountryRead
from app.db import SessionDep
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["staff: countries"])

ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys(
    (401, 403, 404, 412, 415, 422, 428), PROBLEM
)
IfMatch = Annotated[
    str | None, Header(description="The section's ETag (required to change it)", max_length=200)
]
Lang = Annotated[str, Path(description="BCP 47 language tag", max_length=35)]


@router.get(
    "/staff/countries/{code}",
    operation_id="getStaffCountry",
    summary="A curated country's sections with every translation and their ETags",
    response_model=StaffCountryRead,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_country(
    response: Response, session: SessionDep, principal: CurrentStaff, code: CountryCodeDep
) -> StaffCountryRead:
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return staff_service.get_country(session, principal, code)


@router.put(
    "/countries/{code}/sections/{kind}",
    operation_id="putCountrySection",
    summary="Replace a section's content, sources and texts (administrators)",
    response_model=StaffCountryRead,
    response_model_exclude_none=True,
    responses=ERRORS,
    dependencies=[require_json],
)
def put_section(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    code: CountryCodeDep,
    kind: SectionKind,
    body: SectionEdit,
    if_match: IfMatch = None,
) -> StaffCountryRead:
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return staff_service.put_section(session, principal, code, kind, body, if_match=if_match)


@router.put(
    "/countries/{code}/sections/{kind}/translations/{lang}",
    operation_id="putCountrySectionTranslation",
    summary="Create or replace one language of a section (translators, administrators)",
    response_model=StaffCountryRead,
    response_model_exclude_none=True,
    responses=ERRORS,
    dependencies=[require_json],
)
def put_section_translation(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    code: CountryCodeDep,
    kind: SectionKind,
    lang: Lang,
    body: SectionTranslationInput,
    if_match: IfMatch = None,
) -> StaffCountryRead:
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return staff_service.put_section_translation(
        session, principal, code, kind, lang, body, if_match=if_match
    )
