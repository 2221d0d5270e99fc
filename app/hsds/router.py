"""The HSDS 3.1 read API (``/hsds``), following the Open Referral API reference."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request
from starlette.responses import Response, StreamingResponse

from app.bulk_reads import BulkRead
from app.db import ReadSessionDep
from app.errors import NotFound, ValidationProblem
from app.hsds import documents, ids, mapping, service
from app.hsds.dependencies import (
    PREFIX,
    FiltersDep,
    PagingDep,
    VocabularyDep,
    base_url,
    search_text,
)
from app.hsds.shapes import ApiMeta, HsdsPage
from app.hsds.vocabulary import Vocabulary
from app.i18n.content import content_language, recording_languages
from app.i18n.negotiation import LanguagePreference
from app.responses import dump_json
from app.web.languages import LangDep
from app.web.problems import PROBLEM

T = TypeVar("T")
router = APIRouter(prefix=PREFIX, tags=["HSDS 3.1 (Open Referral)"])

NDJSON = "application/x-ndjson"
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": HsdsPage,
        "description": "One page (format=json) or every result, one per line (format=ndjson)",
        "content": {NDJSON: {}},
    },
    422: PROBLEM,
    429: {**PROBLEM, "description": "Too many listings from this connection (Retry-After)"},
}
Id = Annotated[str, Path(description="The object's UUID", max_length=36)]
Output = Annotated[
    Literal["json", "ndjson"],
    Query(alias="format", description="`json` (paged) or `ndjson` (every result, streamed)"),
]


def _points(
    request: Request,
    response: Response,
    session: ReadSessionDep,
    filters: service.ServiceFilters,
    vocab: Vocabulary,
    paging: service.Paging,
    output: str,
    render: Callable[[Any], dict[str, Any]],
    pref: LanguagePreference,
    with_areas: bool = False,
) -> Any:
    where = service.point_filters(session, request.app.state.search, filters, vocab)
    if output == "ndjson":

        def produce(stream_session: Any) -> Iterator[dict[str, Any]]:
            yield from service.iter_rendered(stream_session, where, render)
            if with_areas:  # the full export: area services after the points
                yield from service.iter_area_services(stream_session, filters, vocab, pref)

        return StreamingResponse(
            service.ndjson_lines(request.app.state.database.read_sessionmaker, produce),
            media_type=NDJSON,
        )
    return _tagged(response, pref, lambda: service.list_points(session, where, paging, render))


def _tagged(response: Response, pref: LanguagePreference, produce: Callable[[], T]) -> T:
    """``produce()``, with ``Content-Language`` naming the languages its texts came in
    (HSDS objects carry no language per text, so the mapping records them)."""
    with recording_languages() as used:
        body = produce()
    response.headers["Content-Language"] = content_language(pref, used)
    return body


@router.get(
    "/",
    operation_id="hsdsApiMeta",
    summary="HSDS version, profile and OpenAPI of this API",
    response_model=ApiMeta,
)
def api_meta(request: Request, response: Response) -> ApiMeta:
    base = base_url(request, response)
    return ApiMeta(
        version=ids.HSDS_VERSION, profile=f"{base}/profile", openapi_url=f"{base}/openapi.json"
    )


@router.get(
    "/openapi.json",
    operation_id="hsdsOpenApi",
    summary="The HSDS OpenAPI document of this API (schemas served locally)",
)
def openapi(request: Request, response: Response) -> dict[str, Any]:
    return documents.openapi_document(base_url(request, response))


@router.get(
    "/profile",
    operation_id="hsdsProfile",
    summary="Rumbo's HSDS profile: its taxonomies and how Rumbo fields are carried",
)
def profile(request: Request, response: Response) -> dict[str, Any]:
    return documents.profile_document(base_url(request, response))


@router.get(
    "/schemas/{folder}/{name}",
    operation_id="hsdsSchemaFile",
    summary="One of the official HSDS 3.1 JSON schemas (CC BY-SA 4.0, Open Referral)",
    responses={404: PROBLEM},
)
def schema_file(
    folder: Annotated[str, Path(max_length=20)],
    name: Annotated[str, Path(max_length=80)],
    accept_encoding: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    found = documents.schema_file(f"{folder}/{name}")
    if found is None:
        raise NotFound(f"no HSDS schema {folder}/{name}")
    data, packed = found
    headers = {"Cache-Control": "public, max-age=86400"}
    if packed and "gzip" in (accept_encoding or ""):
        headers["Content-Encoding"] = "gzip"
    elif packed:
        data = documents.gunzip(data)
    return Response(data, media_type="application/schema+json", headers=headers)


@router.get(
    "/services",
    operation_id="hsdsListServices",
    summary="Services (one-to-one fields; fully nested with full=true)",
    responses=LIST_RESPONSES,
    dependencies=[BulkRead("hsds")],
)
def list_services(
    request: Request,
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    vocab: VocabularyDep,
    filters: FiltersDep,
    paging: PagingDep,
    output: Output = "json",
    full: Annotated[bool, Query(description="Fully nested services")] = False,
    minimal: Annotated[bool, Query(description="Only id, name, status, last_modified")] = False,
) -> Any:
    def render(point: Any) -> dict[str, Any]:
        if minimal:
            return service.minimal_service(point)
        if full:
            return mapping.full_service(point, vocab, pref)
        return mapping.service_summary(point, pref)

    return _points(
        request,
        response,
        session,
        filters,
        vocab,
        paging,
        output,
        render,
        pref,
        with_areas=full and not minimal,
    )


@router.get(
    "/services/{id}",
    operation_id="hsdsGetService",
    summary="One fully nested service",
    responses={404: PROBLEM},
)
def get_service(
    response: Response, session: ReadSessionDep, pref: LangDep, vocab: VocabularyDep, id: Id
) -> Any:
    return _tagged(response, pref, lambda: service.get_service(session, id, vocab=vocab, pref=pref))


@router.get(
    "/service_at_locations",
    operation_id="hsdsListServiceAtLocations",
    summary="Services at locations (one-to-one fields; fully nested with full=true)",
    responses=LIST_RESPONSES,
    dependencies=[BulkRead("hsds")],
)
def list_service_at_locations(
    request: Request,
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    vocab: VocabularyDep,
    filters: FiltersDep,
    paging: PagingDep,
    output: Output = "json",
    full: Annotated[bool, Query(description="Fully nested service_at_locations")] = False,
    postcode: Annotated[str | None, Query(max_length=20, include_in_schema=False)] = None,
    proximity: Annotated[str | None, Query(max_length=20, include_in_schema=False)] = None,
) -> Any:
    if postcode is not None or proximity is not None:
        name = "postcode" if postcode is not None else "proximity"
        raise ValidationProblem.for_field(
            "query",
            name,
            "Rumbo keeps no postcodes; search by distance with /v1/points?near=lat,lon",
        )

    def render(point: Any) -> dict[str, Any]:
        return mapping.sal_full(point, pref) if full else mapping.sal_summary(point, pref)

    return _points(request, response, session, filters, vocab, paging, output, render, pref)


@router.get(
    "/service_at_locations/{id}",
    operation_id="hsdsGetServiceAtLocation",
    summary="One fully nested service_at_location",
    responses={404: PROBLEM},
)
def get_service_at_location(
    response: Response, session: ReadSessionDep, pref: LangDep, id: Id
) -> Any:
    return _tagged(response, pref, lambda: service.get_sal(session, id, pref=pref))


@router.get(
    "/organizations",
    operation_id="hsdsListOrganizations",
    summary="Organisations that run at least one public service point",
    responses=LIST_RESPONSES,
)
def list_organizations(
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    paging: PagingDep,
    output: Output = "json",
    search: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    paging = _all_if_ndjson(paging, output)
    page = _tagged(
        response,
        pref,
        lambda: service.list_organizations(
            session, search=search_text(search), paging=paging, pref=pref
        ),
    )
    return _maybe_ndjson(page, output, pref)


@router.get(
    "/organizations/{id}",
    operation_id="hsdsGetOrganization",
    summary="One organisation with its services (fully nested with full_service=true)",
    responses={404: PROBLEM},
)
def get_organization(
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    vocab: VocabularyDep,
    id: Id,
    full_service: Annotated[bool, Query(description="Fully nested services")] = False,
) -> Any:
    return _tagged(
        response,
        pref,
        lambda: service.get_organization(
            session, id, full_service=full_service, vocab=vocab, pref=pref
        ),
    )


@router.get(
    "/taxonomies",
    operation_id="hsdsListTaxonomies",
    summary="Rumbo's taxonomies (categories, audiences, fields, translations)",
    responses=LIST_RESPONSES,
)
def list_taxonomies(
    pref: LangDep,
    paging: PagingDep,
    output: Output = "json",
    search: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    paging = _all_if_ndjson(paging, output)
    return _maybe_ndjson(service.list_taxonomies(search=search, paging=paging), output, pref)


@router.get(
    "/taxonomies/{id}",
    operation_id="hsdsGetTaxonomy",
    summary="One taxonomy",
    responses={404: PROBLEM},
)
def get_taxonomy(id: Id) -> Any:
    return service.get_taxonomy(id)


@router.get(
    "/taxonomy_terms",
    operation_id="hsdsListTaxonomyTerms",
    summary="Taxonomy terms (categories, audiences...) in the requested language",
    responses=LIST_RESPONSES,
)
def list_taxonomy_terms(
    pref: LangDep,
    vocab: VocabularyDep,
    paging: PagingDep,
    output: Output = "json",
    search: Annotated[str | None, Query(max_length=200)] = None,
    taxonomy_id: Annotated[str | None, Query(max_length=36)] = None,
    parent_id: Annotated[str | None, Query(max_length=36)] = None,
    top_only: Annotated[bool, Query(description="Only terms without a parent")] = False,
) -> Any:
    paging = _all_if_ndjson(paging, output)
    page = service.list_terms(
        vocab,
        search=search,
        taxonomy_id=taxonomy_id,
        parent_id=parent_id,
        top_only=top_only,
        paging=paging,
    )
    return _maybe_ndjson(page, output, pref)


@router.get(
    "/taxonomy_terms/{id}",
    operation_id="hsdsGetTaxonomyTerm",
    summary="One taxonomy term",
    responses={404: PROBLEM},
)
def get_taxonomy_term(vocab: VocabularyDep, id: Id) -> Any:
    return service.get_term(vocab, id)


def _all_if_ndjson(paging: service.Paging, output: str) -> service.Paging:
    return service.Paging(page=1, per_page=1_000_000) if output == "ndjson" else paging


def _maybe_ndjson(page: dict[str, Any], output: str, pref: LanguagePreference) -> Any:
    if output != "ndjson":
        return page
    body = b"".join(dump_json(item) + b"\n" for item in page["contents"])
    return Response(body, media_type=NDJSON)


__all__ = ["router"]
