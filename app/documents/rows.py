"""The rows of the stored documents, rendered in bulk by the API's own rendering pieces.

A point's rendering for a language preference is its *frame* (every field no preference
changes: ``app.public_points.rendering.full_frame``/``summary_frame``) around its *texts*
(``texts_of``: the texts ``localise`` picks along the preference's chain, and ``lang``),
with ``lang_fallback`` (spliced at read time) and ``field_lang`` in between. So each
point's frame is encoded once per view, and its texts once per distinct outcome of
``localise``; a language whose outcome is the one of a request naming no language gets no
row (its rendering would be the same, but for ``lang_fallback``). The bytes are those
``Rendered.of`` gives for the same record, preference and view, cut by :func:`parts_of`
(``tests/documents`` compares them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.i18n.fallback import LocalisedText, localise
from app.i18n.negotiation import LanguagePreference, negotiate
from app.public_points.rendering import (
    NAME_ONLY,
    PointView,
    Rendered,
    dump,
    full_frame,
    summary_frame,
    texts_of,
)
from app.service_points import offline, opening_weeks
from app.service_points.freshness import fresh_since
from app.service_points.models import TRANSLATABLE_FIELDS, PointStatus
from app.service_points.records import PointRecord

__all__ = [
    "FORMAT",
    "FORMAT_SETTING",
    "OFFLINE_VIEW",
    "VIEWS",
    "Parts",
    "current_format",
    "parts_of",
    "render_rows",
]

VIEWS: tuple[PointView, ...] = ("full", "summary")
# The offline record of sync pages and bundles, every language in one row (key ``""``).
OFFLINE_VIEW = "sync"
# The format of the rows written here: bump it with any change to what they hold (bytes,
# columns, keys). Documents built in another format are not served, and ``rumbo migrate``
# builds them again (``app.documents.cli.ensure_built``).
FORMAT = 1
# The setting (``point_document_setting``) that holds it; absent: format 1.
FORMAT_SETTING = "format"


def current_format(stored: str | None) -> bool:
    """Whether rows built with the ``format`` setting ``stored`` are this release's."""
    return (stored or "1") == str(FORMAT)


MARK = b',"lang_fallback":'
_FIELD_LANG = b',"field_lang":'
_FIELDS = {"full": TRANSLATABLE_FIELDS, "summary": NAME_ONLY}
_PUBLISHED = PointStatus.published.value


@dataclass(frozen=True, slots=True)
class Parts:
    """One rendering cut where the request decides: ``head`` + ``true``/``false`` +
    ``tail`` is the static shape without its closing brace."""

    head: bytes
    tail: bytes
    verification: bytes
    served: str


def parts_of(rendered: Rendered) -> Parts:
    """Cut a rendering at its ``lang_fallback`` value (the first such key: inside a JSON
    string a quote is escaped, so the marker cannot occur in a text)."""
    at = rendered.head.index(MARK) + len(MARK)
    rest = rendered.head[at:]
    flag = 4 if rest.startswith(b"true") else 5
    return Parts(rendered.head[:at], rest[flag:], rendered.verification, rendered.lang)


class _Frame:
    """One point's rendering in one view, but for its texts: encoded once."""

    __slots__ = ("prefix", "suffix", "verification")

    def __init__(self, record: PointRecord, view: PointView) -> None:
        if view == "full":
            before, after = full_frame(record)
            self.verification = dump(after.pop("verification"))[:-1]
        else:
            before, after = summary_frame(record)
            self.verification = b"{"
        # ``{"id":...,`` and ``,...`` (never empty: both views always show a status).
        self.prefix = dump(before)[:-1] + b","
        self.suffix = b"," + dump(after)[1:-1]

    def parts(self, record: PointRecord, text: LocalisedText) -> Parts:
        texts = texts_of(record, text)
        tail = self.suffix
        if text.field_lang:
            tail = _FIELD_LANG + dump(text.field_lang) + tail
        return Parts(self.prefix + dump(texts)[1:-1] + MARK, tail, self.verification, texts["lang"])


def _microseconds(stamp: dt.datetime | None) -> int | None:
    if stamp is None:
        return None
    delta = stamp - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _preferences(
    tags: Iterable[str], default: str
) -> tuple[LanguagePreference, list[tuple[str, LanguagePreference, frozenset[str]]]]:
    """The preference of a request naming no language, and per tag its preference and the
    languages it reads before the default ones (a point with none of them renders as for
    no language, but for ``lang_fallback``, which is spliced at read time)."""
    base = negotiate(lang=None, accept_language=None, default=default, supported=())
    keyed = []
    for tag in sorted(set(tags)):
        pref = negotiate(lang=tag, accept_language=None, default=default, supported=())
        keyed.append((tag, pref, frozenset(pref.requested_expanded)))
    return base, keyed


def render_rows(
    records: Iterable[PointRecord],
    *,
    tags: Iterable[str],
    default: str,
    horizon: opening_weeks.Horizon | None = None,
) -> Iterator[dict[str, Any]]:
    """The document rows of ``records`` (public records: ``records.load_records`` or
    ``records.record_of_state``), for a request naming no language and each of ``tags``,
    their opening hours precomputed over ``horizon`` (default: the weeks from now)."""
    base, keyed = _preferences(tags, default)
    weeks = horizon or opening_weeks.horizon_at(dt.datetime.now(dt.UTC))
    # Many points share their hours, zone and country (an import's offices): each
    # combination is computed once per call.
    hours: dict[tuple[str | None, str | None, str], bytes | None] = {}
    for record in records:
        said = (record.opening_hours, record.timezone, record.country)
        if said not in hours:
            hours[said] = opening_weeks.week_changes(*said, weeks)
        common = {
            "point_id": record.id,
            "public_id": record.public_id,
            "version": record.version,
            "published": record.status == _PUBLISHED,
            "opening_hours": record.opening_hours,
            "timezone": record.timezone,
            "country": record.country,
            "fresh_since_us": _microseconds(
                fresh_since(record.last_verified_at, record.source_as_of)
            ),
            "location_precision": record.location_precision,
            "lat": record.lat,
            "lon": record.lon,
            "hours": hours[said],
            "hours_until": weeks[1],
        }
        translations = record.translations
        original = record.original_language
        # ``localise`` tries the chain's languages the point has, then the rest in a fixed
        # order: its outcome depends on that prefix alone.
        plain_chain = base.chain_for(original)
        plain_order = tuple(t for t in plain_chain if t in translations)
        chains: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        for tag, pref, reads in keyed:
            if reads.isdisjoint(translations):
                continue
            chain = pref.chain_for(original)
            order = tuple(t for t in chain if t in translations)
            if order != plain_order:
                chains.append((tag, chain, order))
        for view in VIEWS:
            frame = _Frame(record, view)
            fields = _FIELDS[view]
            plain_text = localise(translations, fields, plain_chain)
            yield {**common, **_columns(view, "", frame.parts(record, plain_text))}
            found: dict[tuple[str, ...], Parts | None] = {}
            for tag, chain, order in chains:
                if order in found:
                    parts = found[order]
                else:
                    text = localise(translations, fields, chain)
                    parts = found[order] = None if text == plain_text else frame.parts(record, text)
                if parts is not None:
                    yield {**common, **_columns(view, tag, parts)}
        stored = offline.stored_parts(record)
        if stored is not None:
            yield {
                **common,
                "view": OFFLINE_VIEW,
                "lang": "",
                "served": record.original_language,
                "head": stored[0],
                "tail": stored[1],
                "verification": b"",
            }


def _columns(view: str, lang: str, parts: Parts) -> dict[str, Any]:
    return {
        "view": view,
        "lang": lang,
        "served": parts.served,
        "head": parts.head,
        "tail": parts.tail,
        "verification": parts.verification,
    }
