"""Public taxonomy: the translated category tree and the audiences."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.db import ReadSessionDep
from app.i18n.content import tag_response
from app.taxonomy import service
from app.taxonomy.schemas import AudienceRead, CategoryNode
from app.versioned_cache import VersionedCache
from app.web.languages import LangDep

router = APIRouter(prefix="/v1", tags=["taxonomy"])
# Per language preference, while the data version holds (several workers: app/versioned_cache).
_TREES: VersionedCache[list[CategoryNode]] = VersionedCache()


@router.get(
    "/categories",
    operation_id="listCategories",
    summary="The category tree, translated",
    response_model_exclude_none=True,
    response_model_exclude_defaults=True,
)
def list_categories(
    session: ReadSessionDep, pref: LangDep, response: Response
) -> list[CategoryNode]:
    tree = _TREES.get(session, pref, lambda: service.category_tree(session, pref=pref))
    return tag_response(response, pref, tree)


@router.get(
    "/audiences",
    operation_id="listAudiences",
    summary="Groups of people a point can serve, translated",
)
def list_audiences(
    session: ReadSessionDep, pref: LangDep, response: Response
) -> list[AudienceRead]:
    return tag_response(response, pref, service.audience_list(session, pref=pref))
