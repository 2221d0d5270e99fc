"""Query parameters of sync and bundles, parsed and validated (all errors at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from app.country_codes import InvalidCountryCode, normalise_country
from app.db import ReadSessionDep
from app.errors import FieldError, ValidationProblem
from app.geo.params import parse_bbox
from app.i18n.negotiation import parse_accept_language
from app.i18n.tags import InvalidLanguageTag, base_language, normalise_tag
from app.i18n.texts import Text
from app.sync.scope import ALL_LANGUAGES, Languages, Scope

__all__ = ["BundleQuery", "BundleQueryDep", "SyncQuery", "SyncQueryDep"]

MAX_LANGUAGES = 5


@dataclass(frozen=True, slots=True)
class SyncQuery:
    scope: Scope
    languages: Languages
    since: str | None
    limit: int
    supported: frozenset[str]


@dataclass(frozen=True, slots=True)
class BundleQuery:
    country: str
    languages: Languages
    supported: frozenset[str]


def _explicit_languages(
    raw: str, supported: frozenset[str], errors: list[FieldError]
) -> tuple[str, ...]:
    tags: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            tag = normalise_tag(item)
        except InvalidLanguageTag as exc:
            errors.append(FieldError(location="query", name="lang", detail=exc.text))
            continue
        if tag not in supported:
            # A regional variant we do not keep apart is served in its base language.
            tag = base_language(tag)
        if tag not in supported:
            errors.append(
                FieldError(
                    location="query",
                    name="lang",
                    detail=Text("sync.lang_not_offered", value=item[:35]),
                )
            )
        elif tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_LANGUAGES:
        errors.append(
            FieldError(
                location="query",
                name="lang",
                detail=Text("sync.too_many_languages", max=MAX_LANGUAGES),
            )
        )
    elif not tags and not errors:
        errors.append(FieldError(location="query", name="lang", detail=Text("sync.no_language")))
    return tuple(tags)


def _negotiated_languages(
    accept_language: str | None, supported: frozenset[str]
) -> tuple[str, ...]:
    tags: list[str] = []
    for tag in parse_accept_language((accept_language or "")[:1000]):
        for candidate in (tag, base_language(tag)):
            if candidate in supported and candidate not in tags:
                tags.append(candidate)
    return tuple(tags[:3])


def _lang_query() -> object:
    return Query(
        description="Comma-separated BCP 47 tags, best first (at most 5), or `*` for every "
        "language. Records carry these and their original language.",
        examples=["fr,es"],
        max_length=200,
    )


def get_sync_query(
    request: Request,
    session: ReadSessionDep,
    since: Annotated[
        str | None,
        Query(
            description="The `cursor` of your previous sync; omit for a full snapshot",
            max_length=512,
        ),
    ] = None,
    country: Annotated[
        str | None, Query(description="ISO 3166-1 alpha-2 code", examples=["PA"], max_length=8)
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            description="Map area `minLon,minLat,maxLon,maxLat` (instead of `country`)",
            examples=["-78.2,7.2,-77.1,9.0"],
            max_length=128,
        ),
    ] = None,
    lang: Annotated[str | None, _lang_query()] = None,
    limit: Annotated[
        int | None, Query(description="Changes per page (default 500, max 2000)")
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> SyncQuery:
    settings = request.app.state.settings
    supported = request.app.state.languages.supported(session)
    errors: list[FieldError] = []
    code: str | None = None
    box = None
    if country is not None:
        try:
            code = normalise_country(country)
        except InvalidCountryCode as exc:
            errors.append(FieldError(location="query", name="country", detail=exc.text))
    if bbox is not None:
        box = parse_bbox(bbox, errors)
    if country is None and bbox is None:
        errors.append(
            FieldError(location="query", name="country", detail=Text("sync.country_or_bbox"))
        )
    elif country is not None and bbox is not None:
        errors.append(FieldError(location="query", name="bbox", detail=Text("sync.not_both")))
    if limit is not None and not 1 <= limit <= settings.sync_max_page_size:
        errors.append(
            FieldError(
                location="query",
                name="limit",
                detail=Text("limit.range", max=settings.sync_max_page_size),
            )
        )
    tags: tuple[str, ...] | None
    if lang is not None and lang.strip() == ALL_LANGUAGES:
        tags = None
    elif lang is not None:
        tags = _explicit_languages(lang, supported, errors)
    else:
        tags = _negotiated_languages(accept_language, supported) or (settings.default_language,)
    if errors:
        raise ValidationProblem(errors=errors)
    return SyncQuery(
        scope=Scope(country=code, bbox=box),
        languages=Languages(tags=tags, default=settings.default_language),
        since=since,
        limit=limit or settings.sync_page_size,
        supported=supported,
    )


def get_bundle_query(
    request: Request,
    session: ReadSessionDep,
    country: Annotated[
        str, Path(description="ISO 3166-1 alpha-2 code", examples=["PA"], max_length=8)
    ],
    lang: Annotated[str | None, _lang_query()] = None,
) -> BundleQuery:
    settings = request.app.state.settings
    supported = request.app.state.languages.supported(session)
    errors: list[FieldError] = []
    code = ""
    try:
        code = normalise_country(country)
    except InvalidCountryCode as exc:
        errors.append(FieldError(location="path", name="country", detail=exc.text))
    tags = None
    if lang is not None and lang.strip() != ALL_LANGUAGES:
        tags = _explicit_languages(lang, supported, errors)
    if errors:
        raise ValidationProblem(errors=errors)
    return BundleQuery(
        country=code,
        languages=Languages(tags=tags, default=settings.default_language),
        supported=supported,
    )


SyncQueryDep = Annotated[SyncQuery, Depends(get_sync_query)]
BundleQueryDep = Annotated[BundleQuery, Depends(get_bundle_query)]
