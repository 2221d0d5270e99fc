"""The flat record every import format is read into, and the CSV layout built on it.

One record is one service point. Its keys are the CSV columns:

- ``id`` (Rumbo's public UUID) and ``external_id`` (the publisher's own id): at least one,
  so that importing the same file again updates instead of duplicating;
- scalars: ``status lat lon location_precision country locality email website whatsapp
  opening_hours free original_language source_title source_url source_publisher
  source_as_of sample``
  (``source_as_of``: the date, YYYY-MM-DD, the source's facts are as of;
  ``location_precision``: exact, approximate or hidden, see app.service_points.precision;
  an empty cell means exact);
- lists (``a; b`` or ``a, b`` or ``a|b`` in a cell): ``categories audiences
  spoken_languages phones``;
- texts, per language: ``name:fr``, ``description:fr``, ``address:fr``,
  ``documents_required:fr``, ``accessibility:fr``; a bare ``name`` (etc.) is in the
  record's ``original_language`` (or the import's ``lang``);
- ``area``: a row with an area is an *area service* (docs/service-areas.md), not a point:
  whole countries (``PA CR`` or ``PA;CR``) or a JSON area (``{"type": "Circle", ...}``, a
  GeoJSON Polygon or MultiPolygon); its ``lat``/``lon``/``country`` are left empty;
- exported for information and ignored on import: ``organization timezone
  last_verified_at updated_at``.

Present-but-empty cells become ``None`` (on an update they clear the field); absent columns
are not touched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.exchange.text import unneutralise
from app.hsds.ids import is_uuid
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_points.models import TRANSLATABLE_FIELDS

__all__ = [
    "EXPORT_COLUMNS",
    "KEY_COLUMNS",
    "Layout",
    "Parsed",
    "canonical",
    "column_of",
    "layout",
    "parse_record",
    "text_column",
]

KEY_COLUMNS = ("id", "external_id")
SCALARS = (
    "status",
    "lat",
    "lon",
    "location_precision",
    "country",
    "locality",
    "email",
    "website",
    "whatsapp",
    "opening_hours",
    "free",
    "original_language",
    "source_title",
    "source_url",
    "source_publisher",
    "source_as_of",
    "sample",
    "area",
)
LISTS = ("categories", "audiences", "spoken_languages", "phones")
READ_ONLY = ("organization", "timezone", "last_verified_at", "updated_at")
EXPORT_COLUMNS = (
    "id",
    "external_id",
    "status",
    "organization",
    "lat",
    "lon",
    "location_precision",
    "country",
    "locality",
    "categories",
    "audiences",
    "spoken_languages",
    "phones",
    "whatsapp",
    "email",
    "website",
    "opening_hours",
    "free",
    "original_language",
    "source_title",
    "source_url",
    "source_publisher",
    "source_as_of",
    "sample",
    "timezone",
    "last_verified_at",
    "updated_at",
)
REQUIRED = ("lat", "lon", "country", "categories")
ALIASES = {
    "latitude": "lat",
    "longitude": "lon",
    "lng": "lon",
    "long": "lon",
    "is_sample": "sample",
    "category": "categories",
    "phone": "phones",
    "url": "website",
}
_KNOWN = frozenset((*KEY_COLUMNS, *SCALARS, *LISTS, *READ_ONLY))
_LIST_SPLIT = re.compile(r"[,;|]")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_TRUE = {"true", "yes", "y", "1", "si", "sí", "oui", "sim", "x"}
_FALSE = {"false", "no", "n", "0", "non", "não", "nao"}


def text_column(name: str, lang: str) -> str:
    return f"{name}:{lang}"


def canonical(raw: str) -> tuple[str | None, str | None]:
    """(column, problem) for one header cell; column None means "ignore"."""
    name = raw.strip().lstrip("\ufeff")
    base, sep, lang = name.partition(":")
    base = base.strip().lower().replace(" ", "_").replace("-", "_")
    base = ALIASES.get(base, base)
    if sep:
        if base not in TRANSLATABLE_FIELDS:
            return None, None
        try:
            return text_column(base, normalise_tag(lang.strip())), None
        except InvalidLanguageTag:
            return None, f"column {name!r}: {lang.strip()!r} is not a language tag"
    if base in _KNOWN or base in TRANSLATABLE_FIELDS:
        return base, None
    return None, None


@dataclass(slots=True)
class Layout:
    """A CSV header read: the canonical column of each position."""

    columns: list[str | None]
    ignored: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def layout(header: Sequence[str]) -> Layout:
    """Map a header row to canonical columns; missing required columns are problems."""
    result = Layout(columns=[])
    seen: set[str] = set()
    for raw in header:
        column, problem = canonical(raw)
        if problem:
            result.problems.append((raw.strip(), problem))
        if column is None:
            if raw.strip() and not problem:
                result.ignored.append(raw.strip())
            result.columns.append(None)
            continue
        if column in seen:
            result.problems.append((column, f"column {column!r} appears twice"))
            result.columns.append(None)
            continue
        seen.add(column)
        result.columns.append(column)
    # A file with an ``area`` column may hold area services only (no place to give).
    required = ("categories",) if "area" in seen else REQUIRED
    missing = [c for c in required if c not in seen]
    if not any(c == "name" or c.startswith("name:") for c in seen):
        missing.append("name (or name:<language>)")
    if not seen & set(KEY_COLUMNS):
        missing.append("external_id (or id)")
    for column in missing:
        result.problems.append((column.split(" ")[0], f"missing required column {column!r}"))
    return result


@dataclass(slots=True)
class Parsed:
    """One record turned into ServicePointCreate/Update fields."""

    payload: dict[str, Any] = field(default_factory=dict)
    public_id: str | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text[:1] == "'":
            text = unneutralise(text)
        return text or None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) or None


def _number(value: Any, name: str, out: Parsed) -> float | None:
    if isinstance(value, bool):
        out.errors.append((name, "must be a number"))
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _text(value)
        if text is None:
            return None
        if _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            out.errors.append((name, f"{text[:40]!r} is not a number"))
            return None
    if not math.isfinite(number):
        out.errors.append((name, "must be a finite number"))
        return None
    return number


def _bool(value: Any, name: str, out: Parsed) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = (_text(value) or "").lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    out.errors.append((name, f"{text[:20]!r} is not yes/no (true/false)"))
    return None


def _list(value: Any) -> list[str] | None:
    if value is None:
        return None
    items: Iterable[Any] = (
        value if isinstance(value, list | tuple) else _LIST_SPLIT.split(str(value))
    )
    out = [t for t in (_text(v) for v in items) if t]
    return out or None


@lru_cache(maxsize=1024)
def _kind(key: str) -> tuple[str, str, str]:
    """What a record key is: (kind, payload name, language of a text column)."""
    if key in READ_ONLY:
        return "read_only", key, ""
    if key == "id":
        return "id", key, ""
    if key in ("lat", "lon"):
        return "number", key, ""
    if key == "area":
        return "area", key, ""
    if key in ("free", "sample"):
        return "bool", "is_sample" if key == "sample" else key, ""
    if key in LISTS:
        return "list", key, ""
    if key in ("status", "location_precision"):
        return "status", key, ""
    if key.startswith("source_"):
        return "source", key.removeprefix("source_"), ""
    if key in TRANSLATABLE_FIELDS:
        return "bare", key, ""
    if ":" in key:
        name, _, lang = key.partition(":")
        return "text", name, lang
    return "plain", key, ""


def parse_record(record: Mapping[str, Any]) -> Parsed:
    """Fields of one flat record (canonical keys) for the write models."""
    out = Parsed()
    payload = out.payload
    texts: dict[str, dict[str, str | None]] = {}
    bare: dict[str, str | None] = {}
    source: dict[str, str | None] = {}
    for key, value in record.items():
        kind, name, lang = _kind(key)
        if kind == "read_only":
            continue
        if isinstance(value, str) and "\x00" in value:
            out.errors.append((key, "contains a NUL character"))
            continue
        if kind == "text":
            texts.setdefault(lang, {})[name] = _text(value)
        elif kind == "plain":
            payload[name] = _text(value)
        elif kind == "area":  # an object (HSDS, GeoJSON) or a cell (CSV)
            payload[name] = value if isinstance(value, dict) else _text(value)
        elif kind == "list":
            payload[name] = _list(value)
        elif kind == "number":
            payload[name] = _number(value, key, out)
        elif kind == "bool":
            payload[name] = _bool(value, key, out)
        elif kind == "source":
            source[name] = _text(value)
        elif kind == "bare":
            bare[name] = _text(value)
        elif kind == "status":
            status = _text(value)
            payload[name] = status.lower().replace(" ", "_") if status else None
            if name == "location_precision" and payload[name] is None:
                payload[name] = "exact"  # an empty cell: the default
        else:  # id
            pid = _text(value)
            if pid is not None and not is_uuid(pid):
                out.errors.append(("id", f"{pid[:40]!r} is not a Rumbo id (a UUID)"))
            out.public_id = pid.lower() if pid and is_uuid(pid) else None
    if source:
        payload["source"] = source
    if bare:
        lang = payload.get("original_language") or ""
        payload["_bare_texts"] = bare
        if lang:
            texts.setdefault(lang, {}).update({k: v for k, v in bare.items() if v is not None})
            del payload["_bare_texts"]
    translations = {lang: t for lang, t in texts.items() if any(v is not None for v in t.values())}
    if translations or texts:
        payload["translations"] = translations
    return out


def column_of(loc: Sequence[int | str]) -> str:
    """The record column a pydantic error location points at."""
    if not loc:
        return "original_language"
    head = str(loc[0])
    if head == "translations" and len(loc) >= 3 and loc[2] != "[key]":
        return text_column(str(loc[2]), str(loc[1]))
    if head == "translations" and len(loc) >= 2:
        return text_column("name", str(loc[1]))
    if head == "source" and len(loc) >= 2:
        return f"source_{loc[1]}"
    if head == "is_sample":
        return "sample"
    return head
