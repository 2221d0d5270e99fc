"""The point editor's form: its fields, how they map to the API's inputs, and diffs.

A form's values are a ``FormValues`` mapping (text fields as strings, checkbox groups as
lists). ``payload`` turns the fields that matter into the body the write API takes, so
``ServicePointCreate``/``ServicePointUpdate``/``TranslationInput`` (``inputs.py``) apply
every rule; ``field_of`` maps an error back to the form control that shows it.

Edits are three-way: the form carries the values it was rendered with (``base``), so a
save sends only what this person changed, and a conflict can tell "they changed",
"you changed" and "both changed" apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.errors import FieldError, Problem
from app.service_points.models import TRANSLATABLE_FIELDS
from app.staff_points.schemas import StaffPointRead, TranslationRead

__all__ = [
    "LIST_FIELDS",
    "POINT_FIELDS",
    "TEXT_FIELDS",
    "FormValues",
    "changed",
    "decode_base",
    "encode_base",
    "errors_by_field",
    "field_of",
    "messages_of",
    "point_payload",
    "text_payload",
    "values_of_form",
    "values_of_point",
    "values_of_translation",
]

FormValues = dict[str, Any]

POINT_FIELDS = (
    "lat",
    "location_precision",
    "lon",
    "country",
    "locality",
    "categories",
    "audiences",
    "spoken_languages",
    "phones",
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
)
TEXT_FIELDS: tuple[str, ...] = TRANSLATABLE_FIELDS
LIST_FIELDS = ("categories", "audiences")
_SOURCE = ("source_title", "source_url", "source_publisher", "source_as_of")
_SEPARATORS = re.compile(r"[\s,;]+")
MAX_BASE_BYTES = 64 * 1024


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def values_of_point(point: StaffPointRead) -> FormValues:
    """The form as it shows a saved point (texts in its original language)."""
    contact = point.contact
    original = point.translations.get(point.original_language)
    values: FormValues = {
        # The staff view of the point's own organisation always holds the exact place.
        "lat": _number(point.location.lat) if point.location else "",
        "lon": _number(point.location.lon) if point.location else "",
        "location_precision": point.location_precision,
        "country": point.country,
        "locality": _text(point.locality),
        "categories": list(point.categories),
        "audiences": list(point.audiences or []),
        "spoken_languages": ", ".join(point.spoken_languages or []),
        "phones": "\n".join(contact.phones or []) if contact else "",
        "email": _text(contact.email if contact else None),
        "website": _text(contact.website if contact else None),
        "whatsapp": _text(contact.whatsapp if contact else None),
        "opening_hours": _text(point.opening_hours),
        "free": {True: "yes", False: "no", None: ""}[point.free],
        "original_language": point.original_language,
        "source_title": _text(point.source.title),
        "source_url": _text(point.source.url),
        "source_publisher": _text(point.source.publisher),
        "source_as_of": point.source.as_of.isoformat() if point.source.as_of else "",
    }
    values.update(values_of_translation(original))
    return values


def values_of_translation(text: TranslationRead | None) -> FormValues:
    return {f: _text(getattr(text, f)) if text else "" for f in TEXT_FIELDS}


def values_of_form(form: FormData, fields: Iterable[str]) -> FormValues:
    """The posted values of ``fields`` (missing text fields read as empty)."""
    values: FormValues = {}
    for name in fields:
        if name in LIST_FIELDS:
            values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v][:50]
        else:
            raw = form.get(name)
            values[name] = raw.replace("\r\n", "\n") if isinstance(raw, str) else ""
    return values


def _comparable(name: str, value: Any) -> Any:
    if name in LIST_FIELDS:
        return tuple(sorted(value or []))
    text = _text(value).strip()
    if name in ("lat", "lon"):
        try:
            return round(float(text), 7)
        except ValueError:
            return text
    if name == "spoken_languages":
        return tuple(sorted(t for t in _SEPARATORS.split(text) if t))
    if name == "phones":
        return tuple(line.strip() for line in text.splitlines() if line.strip())
    return text


def changed(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> set[str]:
    """Names of ``fields`` whose value differs between two forms."""
    return {
        f for f in fields if _comparable(f, before.get(f, "")) != _comparable(f, after.get(f, ""))
    }


def _optional(value: Any) -> str | None:
    text = _text(value).strip()
    return text or None


def point_payload(values: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The write API's body for ``fields`` of a form (validated later by inputs.py)."""
    wanted = set(fields)
    if wanted & {"lat", "lon"}:
        wanted |= {"lat", "lon"}
    body: dict[str, Any] = {}
    for name in sorted(wanted):
        value = values.get(name, "")
        if name in LIST_FIELDS:
            body[name] = list(value or [])
        elif name == "spoken_languages":
            body[name] = [t for t in _SEPARATORS.split(_text(value)) if t]
        elif name == "phones":
            body[name] = [p.strip() for p in _text(value).splitlines() if p.strip()]
        elif name == "free":
            body[name] = {"yes": True, "no": False}.get(_text(value))
        elif name == "location_precision":
            body[name] = _optional(value) or "exact"
        elif name in _SOURCE:
            continue
        else:
            body[name] = _optional(value)
    if wanted & set(_SOURCE):
        source = {f.removeprefix("source_"): _optional(values.get(f)) for f in _SOURCE}
        body["source"] = source if any(source.values()) else None
    return body


def text_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    """A ``TranslationInput`` body from the form's text fields."""
    return {f: _optional(values.get(f)) for f in TEXT_FIELDS}


def field_of(error: FieldError | str) -> str:
    """The form control an API error is about ("" for the form as a whole)."""
    name = error.name if isinstance(error, FieldError) else error
    parts = name.split(".")
    if parts[0] == "translations" and len(parts) >= 3:
        return parts[2] if parts[2] in TEXT_FIELDS else ""
    if parts[0] == "source" and len(parts) >= 2:
        return f"source_{parts[1]}"
    if parts[0] in POINT_FIELDS or parts[0] in TEXT_FIELDS or parts[0] == "organization":
        return parts[0]
    return ""


def errors_by_field(errors: Iterable[FieldError]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        out.setdefault(field_of(error), []).append(error.detail)
    return out


def encode_base(values: Mapping[str, Any]) -> str:
    return orjson.dumps(dict(values)).decode()


def decode_base(raw: object, fields: Iterable[str]) -> FormValues | None:
    """The values a form was rendered with (None when missing or malformed)."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_BASE_BYTES:
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    out: FormValues = {}
    for name in fields:
        value = data.get(name, [] if name in LIST_FIELDS else "")
        if name in LIST_FIELDS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return None
        elif not isinstance(value, str):
            return None
        out[name] = value
    return out


def messages_of(exc: ValidationError | Problem) -> list[str]:
    """One readable line per failing field of a refused form."""
    if isinstance(exc, ValidationError):
        return [
            f"{'.'.join(str(p) for p in e.get('loc', ())) or 'form'}: "
            f"{str(e.get('msg', 'invalid')).removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
    if exc.errors:
        return [f"{e.name}: {e.detail}" for e in exc.errors]
    return [exc.message()]
