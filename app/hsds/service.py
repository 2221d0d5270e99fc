"""The HSDS read API: pages of services, service_at_locations, organisations, taxonomies.

Paging follows the HSDS API reference (``page`` from 1, ``per_page``; the envelope
``total_items, total_pages, page_number, size, first_page, last_page, empty, contents``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.geo.base import SearchBackend
from app.hsds import areas, ids, mapping, repository
from app.hsds.vocabulary import Term, Vocabulary, taxonomy_as_hsds
from app.i18n.negotiation import LanguagePreference
from app.service_areas import repository as area_repository
from app.service_areas.models import PUBLIC_STATUSES
from app.service_points import repository as points_repository
from app.service_points.models import PointStatus, ServicePoint
from app.taxonomy import repository as taxonomy_repository

__all__ = [
    "Paging",
    "ServiceFilters",
    "envelope",
    "get_organization",
    "get_sal",
    "get_service",
    "get_taxonomy",
    "get_term",
    "iter_rendered",
    "list_organizations",
    "list_points",
    "list_taxonomies",
    "list_terms",
    "minimal_service",
    "ndjson_lines",
    "point_filters",
]

Render = Callable[[ServicePoint], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class ServiceFilters:
    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: dt.datetime | None = None


def envelope(total: int, paging: Paging, contents: list[dict[str, Any]]) -> dict[str, Any]:
    """The HSDS ``Page`` object around ``contents``."""
    total_pages = math.ceil(total / paging.per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def point_filters(
    session: Session, backend: SearchBackend, filters: ServiceFilters, vocab: Vocabulary
) -> list[ColumnElement[bool]] | None:
    """WHERE clauses for the filters; None when nothing can match (an unknown term)."""
    categories: set[str] = set()
    audiences: list[str] = []
    if filters.taxonomy_term_id:
        term = vocab.by_id(filters.taxonomy_term_id)
        if term is None or term.taxonomy not in (ids.CATEGORIES_TAXONOMY, ids.AUDIENCES_TAXONOMY):
            return None
        if term.taxonomy == ids.CATEGORIES_TAXONOMY:
            categories = taxonomy_repository.descendants(session, [term.code])
        else:
            audiences = [term.code]
    if filters.taxonomy_id:
        known = {ids.taxonomy_id(name): name for name in ids.TAXONOMIES}
        name = known.get(filters.taxonomy_id)
        if name is None:
            return None
        if name == ids.AUDIENCES_TAXONOMY and not audiences:
            audiences = sorted(vocab.codes(ids.AUDIENCES_TAXONOMY))
    where = points_repository.filter_clauses(
        categories=categories,
        audiences=audiences,
        text=backend.text_filter(session, filters.search) if filters.search else None,
    )
    if filters.organization_id:
        where.append(ServicePoint.organization_id == filters.organization_id)
    if filters.modified_after:
        where.append(repository.modified_since(filters.modified_after))
    return where


def list_points(
    session: Session, where: Sequence[ColumnElement[bool]] | None, paging: Paging, render: Render
) -> dict[str, Any]:
    """One page of public points, each rendered by ``render``."""
    if where is None:
        return envelope(0, paging, [])
    total, points = repository.page_of_points(
        session, where=where, offset=paging.offset, limit=paging.per_page
    )
    return envelope(total, paging, [render(p) for p in points])


def iter_rendered(
    session: Session, where: Sequence[ColumnElement[bool]] | None, render: Render
) -> Iterator[dict[str, Any]]:
    """Every matching public point, rendered (``format=ndjson``)."""
    if where is None:
        return
    for point in repository.iter_points(session, where=where):
        yield render(point)


def _public(session: Session, public_id: str, what: str) -> ServicePoint:
    point = repository.public_point(session, public_id) if ids.is_uuid(public_id) else None
    if point is None:
        raise NotFound(f"no {what} with id {public_id!r}")
    return point


def get_service(
    session: Session, public_id: str, *, vocab: Vocabulary, pref: LanguagePreference
) -> dict[str, Any]:
    """A point's service, or an area service's (with ``service_areas``, no location)."""
    item = area_repository.by_public_id(session, public_id) if ids.is_uuid(public_id) else None
    if item is not None and item.deleted_at is None and item.status in PUBLIC_STATUSES:
        return areas.area_service(item, vocab, pref)
    return mapping.full_service(_public(session, public_id, "service"), vocab, pref)


def iter_area_services(
    session: Session, filters: ServiceFilters, vocab: Vocabulary, pref: LanguagePreference
) -> Iterator[dict[str, Any]]:
    """Every public area service as a full HSDS service (the ``ndjson`` export of
    ``full=true``); they have no terms of the point filters but organisation and date."""
    if filters.taxonomy_term_id or filters.taxonomy_id or filters.search:
        return
    for item in area_repository.public(session):
        if filters.organization_id and item.organization_id != filters.organization_id:
            continue
        if filters.modified_after and item.updated_at < filters.modified_after:
            continue
        yield areas.area_service(item, vocab, pref)


def get_sal(session: Session, public_id: str, *, pref: LanguagePreference) -> dict[str, Any]:
    return mapping.sal_full(_public(session, public_id, "service_at_location"), pref)


def list_organizations(
    session: Session, *, search: str | None, paging: Paging, pref: LanguagePreference
) -> dict[str, Any]:
    total, orgs = repository.organizations_page(
        session, search=search, offset=paging.offset, limit=paging.per_page
    )
    return envelope(total, paging, [mapping.organization(o, pref.chain) for o in orgs])


def get_organization(
    session: Session,
    organization_id: str,
    *,
    full_service: bool,
    vocab: Vocabulary,
    pref: LanguagePreference,
) -> dict[str, Any]:
    """An organisation with its public services (summaries, or fully nested)."""
    org = repository.organization_by_id(session, organization_id)
    if org is None:
        raise NotFound(f"no organization with id {organization_id!r}")
    body = mapping.organization(org, pref.chain)
    ids_ = repository.point_ids_of_organization(session, org.id)
    services: list[dict[str, Any]] = []
    for start in range(0, len(ids_), 200):
        for point in repository.load_points(session, ids_[start : start + 200]):
            if full_service:
                services.append(mapping.full_service(point, vocab, pref))
            else:
                services.append(mapping.service_summary(point, pref))
    body["services"] = services
    return body


def _match(text: str | None, *values: str) -> bool:
    return not text or any(text.lower() in v.lower() for v in values)


def list_taxonomies(*, search: str | None, paging: Paging) -> dict[str, Any]:
    rows = [taxonomy_as_hsds(n) for n in ids.TAXONOMIES]
    rows = [r for r in rows if _match(search, r["name"], r["description"])]
    return envelope(len(rows), paging, rows[paging.offset : paging.offset + paging.per_page])


def get_taxonomy(taxonomy_id: str) -> dict[str, Any]:
    for name in ids.TAXONOMIES:
        if ids.taxonomy_id(name) == taxonomy_id:
            return taxonomy_as_hsds(name)
    raise NotFound(f"no taxonomy with id {taxonomy_id!r}")


def _term(term: Term) -> dict[str, Any]:
    body = term.as_hsds()
    body["taxonomy_detail"] = taxonomy_as_hsds(term.taxonomy)
    return body


def list_terms(
    vocab: Vocabulary,
    *,
    search: str | None,
    taxonomy_id: str | None,
    parent_id: str | None,
    top_only: bool,
    paging: Paging,
) -> dict[str, Any]:
    """Taxonomy terms, filtered as the HSDS reference describes."""
    terms = [
        t
        for t in vocab.terms
        if (taxonomy_id is None or ids.taxonomy_id(t.taxonomy) == taxonomy_id)
        and (parent_id is None or (t.parent_code and t.as_hsds().get("parent_id") == parent_id))
        and (not top_only or not t.parent_code)
        and _match(search, t.code, t.name, t.description)
    ]
    page = terms[paging.offset : paging.offset + paging.per_page]
    return envelope(len(terms), paging, [_term(t) for t in page])


def get_term(vocab: Vocabulary, term_id: str) -> dict[str, Any]:
    term = vocab.by_id(term_id)
    if term is None:
        raise NotFound(f"no taxonomy term with id {term_id!r}")
    return _term(term)


def ndjson_lines(
    open_session: Callable[[], Session], produce: Callable[[Session], Iterator[dict[str, Any]]]
) -> Iterator[bytes]:
    """One JSON document per line, read in a session of its own (the stream outlives the
    request's session)."""
    session = open_session()
    try:
        for item in produce(session):
            yield orjson.dumps(item) + b"\n"
    finally:
        session.close()


def minimal_service(point: ServicePoint) -> dict[str, Any]:
    """``minimal=true``: the id and last change (plus the two fields the schema requires)."""
    return {
        "id": point.public_id,
        "name": next((t.name for t in point.translations if t.lang == point.original_language), ""),
        "status": mapping.HSDS_STATUS[PointStatus(point.status)],
        "last_modified": mapping.timestamp(point.updated_at),
    }
