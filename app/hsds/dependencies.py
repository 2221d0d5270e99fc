"""Parameters of the HSDS read API: paging, service filters, the public base URL and the
vocabulary in the request's language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.responses import Response

from app.db import ReadSessionDep
from app.errors import FieldError, ValidationProblem
from app.geo.text import query_tokens
from app.hosts import public_base
from app.hsds import ids, service
from app.hsds.vocabulary import Vocabulary
from app.web.languages import LangDep

__all__ = [
    "PREFIX",
    "FiltersDep",
    "PagingDep",
    "VocabularyDep",
    "base_url",
    "search_text",
]

PREFIX = "/hsds"


def _paging(
    request: Request,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")] = 1,
    per_page: Annotated[int | None, Query(ge=1, description="Results per page")] = None,
) -> service.Paging:
    settings = request.app.state.settings
    size = per_page or settings.default_page_size
    if size > settings.max_page_size:
        raise ValidationProblem.for_field(
            "query", "per_page", f"must be at most {settings.max_page_size}"
        )
    return service.Paging(page=page, per_page=size)


PagingDep = Annotated[service.Paging, Depends(_paging)]


def search_text(value: str | None) -> str | None:
    if value is not None and not query_tokens(value):
        raise ValidationProblem.for_field("query", "search", "contains no searchable words")
    return value.strip() if value else None


def _filters(
    search: Annotated[str | None, Query(max_length=200, description="Full-text search")] = None,
    taxonomy_term_id: Annotated[str | None, Query(max_length=36)] = None,
    taxonomy_id: Annotated[str | None, Query(max_length=36)] = None,
    organization_id: Annotated[str | None, Query(max_length=36)] = None,
    modified_after: Annotated[
        dt.datetime | None, Query(description="Changed at or after this time (ISO 8601)")
    ] = None,
) -> service.ServiceFilters:
    errors = [
        FieldError(location="query", name=name, detail="must be a UUID")
        for name, value in (
            ("taxonomy_term_id", taxonomy_term_id),
            ("taxonomy_id", taxonomy_id),
            ("organization_id", organization_id),
        )
        if value is not None and not ids.is_uuid(value)
    ]
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)
    if modified_after is not None and modified_after.tzinfo is None:
        modified_after = modified_after.replace(tzinfo=dt.UTC)
    return service.ServiceFilters(
        search=search_text(search),
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
    )


FiltersDep = Annotated[service.ServiceFilters, Depends(_filters)]


def base_url(request: Request, response: Response) -> str:
    """Where this API lives: from RUMBO_PUBLIC_URL, never from the Host header alone."""
    return public_base(request, response) + PREFIX


def _vocabulary(session: ReadSessionDep, pref: LangDep) -> Vocabulary:
    return Vocabulary.load(session, pref.chain)


VocabularyDep = Annotated[Vocabulary, Depends(_vocabulary)]
