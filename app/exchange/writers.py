"""Exports written as they are read: CSV, GeoJSON and HSDS 3.1 (nested JSON), as bytes.

- CSV: UTF-8 with a byte-order mark (so spreadsheet programs read accents right), the
  columns of app.exchange.columns, one ``name:<lang>``... group per language; every cell
  that a spreadsheet would run as a formula is neutralised with a leading ``'``.
- GeoJSON: a FeatureCollection; ``id`` is the point's id, properties nest the texts as
  ``translations: {lang: {...}}``.
- HSDS: a JSON array of fully nested services (app.hsds.mapping), each carrying every
  translation as an attribute; texts in ``lang`` when given, else each point's own language.

Each of them reads back with ``POST /v1/imports`` into the same points.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from app.exchange.columns import EXPORT_COLUMNS, text_column
from app.exchange.text import neutralise
from app.hsds import mapping
from app.hsds.vocabulary import Vocabulary
from app.i18n.negotiation import LanguagePreference
from app.service_points.models import TRANSLATABLE_FIELDS, ServicePoint
from app.service_points.precision import place_shown, text_fields

__all__ = ["Exactness", "csv_lines", "feature", "geojson_chunks", "hsds_chunks", "point_record"]

LIST_SEPARATOR = "; "

Exactness = Callable[[ServicePoint], bool] | None
"""Whether the reader may see a point's exact place (staff of its organisation and
administrators); None: nobody (a public export)."""


def _exact(exact: Exactness, point: ServicePoint) -> bool:
    return exact is not None and exact(point)


def _stamp(value: Any) -> str | None:
    return mapping.timestamp(value) if value is not None else None


def point_record(point: ServicePoint, *, exact: bool = False) -> dict[str, Any]:
    """A point's fields, lists as lists and texts nested by language (GeoJSON properties);
    the street address only when the reader may see the place (``exact``, or an exact
    location: ``app.service_points.precision``)."""
    fields = text_fields(point, exact=exact)
    record: dict[str, Any] = {
        "external_id": point.external_id,
        "status": point.status,
        "organization": point.organization.slug,
        "location_precision": point.location_precision,
        "country": point.country,
        "locality": point.locality,
        "categories": point.category_codes,
        "audiences": sorted(a.audience_code for a in point.audiences) or None,
        "spoken_languages": sorted(lang.lang for lang in point.spoken_languages) or None,
        "phones": list(point.phones or []) or None,
        "whatsapp": point.whatsapp,
        "email": point.email,
        "website": point.website,
        "opening_hours": point.opening_hours,
        "free": point.free,
        "original_language": point.original_language,
        "source": {
            k: v
            for k, v in (
                ("title", point.source_title),
                ("url", point.source_url),
                ("publisher", point.source_publisher),
                ("as_of", point.source_as_of.isoformat() if point.source_as_of else None),
            )
            if v is not None
        }
        or None,
        "sample": point.is_sample,
        "timezone": point.timezone,
        "last_verified_at": _stamp(point.last_verified_at),
        "updated_at": _stamp(point.updated_at),
        "translations": {
            t.lang: {f: getattr(t, f) for f in fields if getattr(t, f) is not None}
            for t in point.translations
        },
    }
    return {k: v for k, v in record.items() if v is not None}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    return neutralise(str(value))


def _csv_row(point: ServicePoint, languages: list[str], exact: bool) -> list[str]:
    record = point_record(point, exact=exact)
    source = record.get("source", {})
    coordinates, _ = place_shown(point, exact=exact)
    flat = {
        **record,
        "id": point.public_id,
        "lat": repr(coordinates[0]) if coordinates else None,
        "lon": repr(coordinates[1]) if coordinates else None,
        "source_title": source.get("title"),
        "source_url": source.get("url"),
        "source_publisher": source.get("publisher"),
        "source_as_of": source.get("as_of"),
    }
    cells = [_cell(flat.get(column)) for column in EXPORT_COLUMNS]
    texts = record["translations"]
    for lang in languages:
        for name in TRANSLATABLE_FIELDS:
            cells.append(_cell(texts.get(lang, {}).get(name)))
    return cells


def csv_lines(
    points: Iterable[ServicePoint], languages: list[str], exact: Exactness = None
) -> Iterator[bytes]:
    """The CSV export, one encoded line (or a few hundred) at a time (``exact``: which
    points' exact place the reader may see; see :data:`Exactness`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = list(EXPORT_COLUMNS)
    header += [text_column(name, lang) for lang in languages for name in TRANSLATABLE_FIELDS]
    writer.writerow(header)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for count, point in enumerate(points, start=1):
        writer.writerow(_csv_row(point, languages, _exact(exact, point)))
        if count % 200 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def feature(point: ServicePoint, *, exact: bool = False) -> dict[str, Any]:
    coordinates, _ = place_shown(point, exact=exact)
    return {
        "type": "Feature",
        "id": point.public_id,
        # A hidden point has a null geometry (RFC 7946 section 3.2).
        "geometry": {"type": "Point", "coordinates": [coordinates[1], coordinates[0]]}
        if coordinates
        else None,
        "properties": point_record(point, exact=exact),
    }


def _json_array(items: Iterable[dict[str, Any]], head: bytes, tail: bytes) -> Iterator[bytes]:
    yield head
    chunk: list[bytes] = []
    for count, item in enumerate(items):
        chunk.append((b"," if count else b"") + orjson.dumps(item))
        if len(chunk) == 200:
            yield b"".join(chunk)
            chunk = []
    yield b"".join(chunk) + tail


def geojson_chunks(points: Iterable[ServicePoint], exact: Exactness = None) -> Iterator[bytes]:
    return _json_array(
        (feature(p, exact=_exact(exact, p)) for p in points),
        b'{"type":"FeatureCollection","features":[',
        b"]}",
    )


def hsds_chunks(
    points: Iterable[ServicePoint],
    vocab: Vocabulary,
    pref: LanguagePreference,
    exact: Exactness = None,
) -> Iterator[bytes]:
    return _json_array(
        (mapping.full_service(p, vocab, pref, exact=_exact(exact, p)) for p in points),
        b"[",
        b"]",
    )
