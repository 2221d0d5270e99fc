"""Offline bundles: one country's public data in one file, built once per change.

A bundle is the snapshot a sync of that country would give, in one deterministic JSON
document, plus the ``cursor`` to continue with delta syncs. It is built when first asked
for after a change of the country (or of the taxonomy), compressed once with gzip and brotli,
signed, and stored in ``sync_bundle`` so every API process serves the same bytes. It signs
when it was made and until when it holds (``generated_at``, ``expires_at``); a stored bundle
past half of that is rebuilt, so no download is close to expiry.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from dataclasses import dataclass, replace
from typing import Any, Literal

import brotli
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import NotFound
from app.http_cache import etag_matches
from app.journal import repository as journal_repository
from app.metrics import observe_sync_build
from app.signing import validity
from app.signing.keyring import Keyring
from app.sync import cursor as cursors
from app.sync import records, repository
from app.sync.cursor import SyncCursor
from app.sync.models import SyncBundle
from app.sync.scope import Languages, Scope
from app.sync.service import alerts, area_services, countries, taxonomy

__all__ = ["BUNDLE_FORMAT", "Bundle", "build_payload", "get_bundle"]

BUNDLE_FORMAT = 1
# How a stored bundle was built (the ``format`` column): bumped when the document gains
# fields, so bundles stored before are rebuilt. 2: signed ``generated_at``/``expires_at``;
# 3: ``area_services``; 4: texts of the languages a requested one's speakers read (ht: fr).
_BUILD = 4
_BATCH = 500

Encoding = Literal["br", "gzip"] | None


@dataclass(frozen=True, slots=True)
class Bundle:
    """A stored bundle's description, and its body in the chosen encoding (if sent)."""

    country: str
    langs: str
    seq: int
    sha256: str
    key_id: str
    signature: str
    raw_size: int
    built_at: dt.datetime
    body: bytes | None = None

    def etag(self, encoding: Encoding) -> str:
        """A strong validator per content coding (suffixes as app.compression uses)."""
        suffix = {"br": "-br", "gzip": "-gz", None: ""}[encoding]
        return f'"{self.sha256[:32]}{suffix}"'


def build_payload(
    session: Session,
    *,
    country: str,
    languages: Languages,
    supported: frozenset[str],
    stale_after_days: int,
    generated_at: dt.datetime,
    valid_days: int,
) -> tuple[dict[str, Any], int]:
    """The bundle document and the change sequence it reflects."""
    state = journal_repository.counter(session)
    scope = Scope(country=country)
    points: list[dict[str, Any]] = []
    after: int | None = None
    while True:
        ids = repository.visible_point_ids(session, scope=scope, after_id=after, limit=_BATCH)
        if not ids:
            break
        points.extend(records.point_records(session, ids, languages).values())
        session.expunge_all()
        after = ids[-1]
    payload: dict[str, Any] = {
        "format": f"rumbo-bundle/{BUNDLE_FORMAT}",
        "country": country,
        "langs": list(languages.tags) if languages.tags is not None else None,
        "seq": state.value,
        **validity.window(generated_at, valid_days),
        "cursor": cursors.encode(
            SyncCursor(since=state.value),
            epoch=state.epoch,
            fingerprint=cursors.fingerprint(scope, languages),
        ),
        "stale_after_days": stale_after_days,
        "countries": countries(session, country, languages, supported=supported),
        **taxonomy(session, languages),
        "points": points,
        "alerts": alerts(session, country, languages),
        "area_services": area_services(session, country, languages),
    }
    return payload, state.value


def _is_fresh(
    session: Session, meta: repository.BundleMeta, *, country: str, kid: str, valid_days: int
) -> bool:
    state = journal_repository.counter(session)
    half_life = dt.timedelta(days=valid_days) / 2
    return (
        meta.format == _BUILD
        and meta.key_id == kid
        and dt.datetime.now(dt.UTC) - meta.built_at < half_life
        and meta.seq >= state.horizon
        and not repository.country_changed_since(session, country=country, seq=meta.seq)
    )


def _build(
    session: Session,
    *,
    country: str,
    languages: Languages,
    supported: frozenset[str],
    stale_after_days: int,
    valid_days: int,
    keyring: Keyring,
) -> SyncBundle:
    if not repository.country_has_content(session, country):
        raise NotFound(f"no published information for country {country!r}")
    built_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    payload, seq = build_payload(
        session,
        country=country,
        languages=languages,
        supported=supported,
        stale_after_days=stale_after_days,
        generated_at=built_at,
        valid_days=valid_days,
    )
    raw = records.dump(payload)
    signature = keyring.sign(raw)
    return SyncBundle(
        country=country,
        langs=languages.key,
        format=_BUILD,
        seq=seq,
        key_id=signature.kid,
        signature=signature.b64,
        sha256=hashlib.sha256(raw).hexdigest(),
        raw_size=len(raw),
        body_gzip=gzip.compress(raw, compresslevel=9, mtime=0),
        body_br=brotli.compress(raw, quality=11),
        built_at=built_at,
    )


def _described(bundle: SyncBundle | repository.BundleMeta, country: str, langs: str) -> Bundle:
    return Bundle(
        country=country,
        langs=langs,
        seq=bundle.seq,
        sha256=bundle.sha256,
        key_id=bundle.key_id,
        signature=bundle.signature,
        raw_size=bundle.raw_size,
        built_at=bundle.built_at,
    )


def _body(bundle: SyncBundle, encoding: Encoding) -> bytes:
    if encoding == "br":
        return bundle.body_br
    if encoding == "gzip":
        return bundle.body_gzip
    return gzip.decompress(bundle.body_gzip)


def get_bundle(
    session: Session,
    database: Database,
    *,
    country: str,
    languages: Languages,
    supported: frozenset[str],
    stale_after_days: int,
    valid_days: int,
    keyring: Keyring,
    encoding: Encoding,
    if_none_match: str | None = None,
    with_body: bool = True,
) -> Bundle:
    """The current bundle, built and stored first when the country changed since the last.

    The body is left out when ``if_none_match`` names the bundle (the client has it).
    """
    langs = languages.key
    kid = keyring.signing_kid()
    meta = repository.bundle_meta(session, country=country, langs=langs)
    if meta is not None and _is_fresh(
        session, meta, country=country, kid=kid, valid_days=valid_days
    ):
        described = _described(meta, country, langs)
        if not with_body or _not_modified(described, encoding, if_none_match):
            return described
        stored = repository.bundle_body(
            session, country=country, langs=langs, sha256=meta.sha256, brotli=encoding == "br"
        )
        if stored is not None:
            return replace(described, body=gzip.decompress(stored) if encoding is None else stored)
    with observe_sync_build("bundle"):
        built = _build(
            session,
            country=country,
            languages=languages,
            supported=supported,
            stale_after_days=stale_after_days,
            valid_days=valid_days,
            keyring=keyring,
        )
    # The snapshot's read transaction ends before the cache write in its own transaction.
    session.rollback()
    with database.session() as writer, writer.begin():
        repository.store_bundle(writer, built)
    described = _described(built, country, langs)
    if not with_body or _not_modified(described, encoding, if_none_match):
        return described
    return replace(described, body=_body(built, encoding))


def _not_modified(bundle: Bundle, encoding: Encoding, if_none_match: str | None) -> bool:
    if not if_none_match:
        return False
    return etag_matches(if_none_match.encode(), bundle.etag(encoding).encode()) is not None
