"""Public list of the languages content is offered in."""

from __future__ import annotations

from fastapi import APIRouter

from app.db import ReadSessionDep
from app.languages import service
from app.languages.schemas import LanguageRead
from app.web.languages import LangDep

router = APIRouter(prefix="/v1", tags=["languages"])


@router.get(
    "/languages",
    operation_id="listLanguages",
    summary="Languages content is available in, named in the response language",
)
def list_languages(session: ReadSessionDep, pref: LangDep) -> list[LanguageRead]:
    return service.list_languages(session, served=pref.served)
