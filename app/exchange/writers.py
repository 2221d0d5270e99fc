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
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from app.exchange.columns import EXPORT_COLUMNS, text_column
from app.exchange.text import neutralise
from app.hsds import mapping
from app.hsds.vocabulary import Vocabulary
from app.i18n.negotiation import LanguagePreference
from app.service_points.models import TRANSLATABLE_FIELDS, ServicePoint

__all__ = ["csv_lines", "feature", "geojson_chunks", "hsds_chunks", "point_record"]

LIST_SEPARATOR = "; "


def _stamp(value: Any) -> str | None:
    return mapping.timestamp(value) if value is not None else None


def point_record(point: ServicePoint) -> dict[str, Any]:
    """A point's fields, lists as lists and texts nested by language (GeoJSON properties)."""
    record: dict[str, Any] = {
        "external_id": point.external_id,
        "status": point.status,
        "organization": point.organization.slug,
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
            t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS if getattr(t, f) is not None}
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


def _csv_row(point: ServicePoint, languages: list[str]) -> list[str]:
    record = point_record(point)
    source = record.get("source", {})
    flat = {
        **record,
        "id": point.public_id,
        "lat": repr(point.lat),
        "lon": repr(point.lon),
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


def csv_lines(points: Iterable[ServicePoint], languages: list[str]) -> Iterator[bytes]:
    """The CSV export, one encoded line (or a few hundred) at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = list(EXPORT_COLUMNS)
    header += [text_column(name, lang) for lang in languages for name in TRANSLATABLE_FIELDS]
    writer.writerow(header)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for count, point in enumerate(points, start=1):
        writer.writerow(_csv_row(point, languages))
        if count % 200 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def feature(point: ServicePoint) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": point.public_id,
        "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
        "properties": point_record(point),
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


def geojson_chunks(points: Iterable[ServicePoint]) -> Iterator[bytes]:
    return _json_array(
        (feature(p) for p in points), b'{"type":"FeatureCollection","features":[', b"]}"
    )


def hsds_chunks(
    points: Iterable[ServicePoint], vocab: Vocabulary, pref: LanguagePreference
) -> Iterator[bytes]:
    return _json_array((mapping.full_service(p, vocab, pref) for p in points), b"[", b"]")
