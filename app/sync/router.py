"""Offline delivery: delta sync (``/v1/sync``) and country bundles (``/v1/bundles``)."""

from __future__ import annotations

import email.utils
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from app.bulk_reads import BulkRead
from app.compression import choose_encoding
from app.db import Database, ReadSessionDep
from app.signing.keyring import signature_headers
from app.sync import bundles, records, service
from app.sync.bundles import Encoding
from app.sync.dependencies import BundleQuery, BundleQueryDep, SyncQueryDep
from app.sync.schemas import BundleDocument, BundleSignature, SyncPage
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1", tags=["offline"])

SIGNED_HEADERS = {
    "Rumbo-Key-Id": {"description": "Id of the key that signed the body (see /v1/keys)"},
    "Rumbo-Signature": {"description": "Base64 Ed25519 signature of the decoded body bytes"},
}
SYNC_CACHE = "public, max-age=30, no-transform"
BUNDLE_CACHE = "public, max-age=300, no-transform"


@router.get(
    "/sync",
    operation_id="syncChanges",
    summary="Changes since a cursor (or a snapshot) for one country or map area, signed",
    response_model=SyncPage,
    responses={
        200: {"headers": SIGNED_HEADERS},
        410: {**PROBLEM, "description": "The cursor is too old: sync again without `since`"},
        422: PROBLEM,
        429: {**PROBLEM, "description": "Too many sync pages from this connection"},
        503: PROBLEM,
    },
    dependencies=[BulkRead("sync")],
)
def sync(request: Request, session: ReadSessionDep, query: SyncQueryDep) -> Response:
    """Without `since`: a snapshot (`reset: true` on its first page). With the `cursor` of
    your last sync: every record changed since, as it is now, and tombstones (`deleted`) for
    records deleted, unpublished, permanently closed or moved out of your scope. Follow
    `cursor` while `more` is true; keep the last `cursor` for next time."""
    page = partial(
        service.sync_page,
        scope=query.scope,
        languages=query.languages,
        since=query.since,
        limit=query.limit,
        supported=query.supported,
        valid_days=request.app.state.settings.signed_data_valid_days,
    )
    database: Database = request.app.state.database
    try:
        payload = page(session)
    except service.CursorAhead:
        # A replica behind the primary (or behind the server that gave the cursor): the
        # primary has every change the cursor names, so the client never goes backwards
        # and never has to start again because of replication lag.
        if not database.has_replica:
            raise
        with database.reader(primary=True)() as primary:
            payload = page(primary)
    body = records.dump(payload)
    return Response(
        body,
        media_type="application/json",
        headers={
            **signature_headers(request.app.state.keyring, body),
            "Cache-Control": SYNC_CACHE,
            "Vary": "Accept-Language, Accept-Encoding",
        },
    )


@router.get(
    "/bundles/{country}",
    operation_id="getCountryBundle",
    summary="Everything an app needs offline for one country, compressed and signed",
    response_model=BundleDocument,
    responses={
        200: {"headers": SIGNED_HEADERS},
        304: {"description": "Not modified"},
        404: PROBLEM,
        422: PROBLEM,
        429: {**PROBLEM, "description": "Too many bundles from this connection"},
        503: PROBLEM,
    },
    dependencies=[BulkRead("bundle")],
)
def get_bundle(
    request: Request,
    session: ReadSessionDep,
    query: BundleQueryDep,
    accept_encoding: Annotated[str | None, Header(include_in_schema=False)] = None,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Published points, categories, audiences, feedback tags and the country's information,
    in every language (or those of `lang`), with the `cursor` to continue by delta sync.
    Sent brotli- or gzip-encoded as the client accepts; the signature covers the decoded
    JSON bytes."""
    encoding = choose_encoding(accept_encoding[:200]) if accept_encoding else None
    bundle = _current(request, session, query, encoding, if_none_match)
    headers = {
        "ETag": bundle.etag(encoding),
        "Last-Modified": email.utils.format_datetime(bundle.built_at, usegmt=True),
        "Cache-Control": BUNDLE_CACHE,
        "Vary": "Accept-Encoding",
    }
    if bundle.body is None:
        return Response(status_code=304, headers=headers)
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    headers["Rumbo-Key-Id"] = bundle.key_id
    headers["Rumbo-Signature"] = bundle.signature
    return Response(bundle.body, media_type="application/json", headers=headers)


@router.get(
    "/bundles/{country}/signature",
    operation_id="getCountryBundleSignature",
    summary="The detached signature of a country's current bundle",
    response_model=BundleSignature,
    responses={404: PROBLEM, 422: PROBLEM, 503: PROBLEM},
)
def get_bundle_signature(
    request: Request, session: ReadSessionDep, query: BundleQueryDep
) -> BundleSignature:
    bundle = _current(request, session, query, None, None, with_body=False)
    return BundleSignature(
        alg="Ed25519",
        kid=bundle.key_id,
        signature=bundle.signature,
        sha256=bundle.sha256,
        country=bundle.country,
        langs=bundle.langs,
        seq=bundle.seq,
        etag=bundle.etag(None),
    )


def _current(
    request: Request,
    session: ReadSessionDep,
    query: BundleQuery,
    encoding: Encoding,
    if_none_match: str | None,
    *,
    with_body: bool = True,
) -> bundles.Bundle:
    state = request.app.state
    return bundles.get_bundle(
        session,
        state.database,
        country=query.country,
        languages=query.languages,
        supported=query.supported,
        stale_after_days=state.settings.stale_after_days,
        valid_days=state.settings.signed_data_valid_days,
        keyring=state.keyring,
        encoding=encoding,
        if_none_match=if_none_match,
        with_body=with_body,
    )
