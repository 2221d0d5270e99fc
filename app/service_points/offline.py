"""A point's offline record: what sync pages and bundles carry, and its stored form.

Records hold data, not the moment they were rendered: no ``open_now``, ``stale`` or distance
(the app computes them from ``opening_hours`` and ``verification``), so the same data always
gives the same bytes and ETag. Texts come per language (``texts``), so an app can switch
languages offline and fall back field by field. Nulls, empty strings, lists and objects are
left out (:func:`compact`).

The stored form (:func:`stored_parts`, kept in ``point_document`` by ``app.documents``) is
the record in every language with its texts cut per language: a page puts back the texts of
the languages it carries (:func:`select_texts`), so a record is rendered once per write, not
once per page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from app.service_points.models import PointStatus
from app.service_points.records import PointRecord

__all__ = [
    "PickLanguages",
    "compact",
    "dump",
    "fragment",
    "point_record",
    "select_texts",
    "stored_parts",
    "texts_selector",
]

# Which of a record's languages to send, given the ones it has and its original language
# (``app.sync.scope.Languages.pick``).
PickLanguages = Callable[[set[str], str], list[str]]

_TEXTS = b',"texts":'
_UPDATED = b',"updated_at":'
# The most sets of languages a :func:`texts_selector` remembers (a page's records share a
# few; a bundle's thousands of records a few dozen).
_MEMO = 256


def compact(value: Any) -> Any:
    """``value`` without None, empty strings, empty lists or empty objects inside objects."""
    # Exact type checks: records are plain dicts and lists, and this runs for every value
    # of every record of a sync page (an ABC ``isinstance`` per value was a fifth of it).
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                item = compact(item)
            if item is None or item == "" or item == [] or item == {}:
                continue
            out[key] = item
        return out
    if kind is list:
        return [compact(item) if type(item) in (dict, list) else item for item in value]
    if isinstance(value, Mapping):
        return compact(dict(value))
    return value


def dump(payload: Mapping[str, Any]) -> bytes:
    """Deterministic compact JSON (the bytes that are signed). Values may be
    ``orjson.Fragment``: JSON already dumped this way (a stored record), copied as it is."""
    return orjson.dumps(compact(payload), option=orjson.OPT_UTC_Z)


def fragment(items: list[Any]) -> Any:
    """``items`` dumped once, for pages that carry them again and again: a JSON fragment
    that :func:`dump` copies (an empty list stays a list, which :func:`dump` leaves out)."""
    if not items:
        return items
    return orjson.Fragment(orjson.dumps(compact(items), option=orjson.OPT_UTC_Z))


def point_record(point: PointRecord, pick: PickLanguages) -> dict[str, Any]:
    """A point's offline record, from its public record (``records.load_records``: loaded
    set-based, without ORM objects, as the search does), with the texts ``pick`` chooses."""
    verified_by = point.verified_by
    translations = point.translations
    langs = pick(set(translations), point.original_language)
    return {
        "id": point.public_id,
        "external_id": point.external_id,
        # The public location (``records.load_records``): none when hidden.
        "location": {"lat": point.lat, "lon": point.lon},
        # Left out when exact, so records of exact points keep their bytes and ETags.
        "location_precision": None
        if point.location_precision == "exact"
        else point.location_precision,
        "country": point.country,
        "locality": point.locality,
        "timezone": point.timezone,
        "categories": list(point.categories),
        "audiences": sorted(point.audiences),
        "spoken_languages": sorted(point.spoken_languages),
        "contact": {
            "phones": list(point.phones or []),
            "email": point.email,
            "website": point.website,
            "whatsapp": point.whatsapp,
        },
        "opening_hours": point.opening_hours,
        "free": point.free,
        "status": PointStatus(point.status).value,
        "organization": {"id": point.organization.slug, "name": point.organization.name},
        "source": {
            "title": point.source_title,
            "url": point.source_url,
            "publisher": point.source_publisher,
            "as_of": point.source_as_of,
            "sample": point.is_sample,
        },
        "verification": {
            "last_verified_at": point.last_verified_at,
            "verified_by": {"id": verified_by.slug, "name": verified_by.name}
            if verified_by
            else None,
        },
        "original_language": point.original_language,
        "texts": {lang: dict(translations[lang]) for lang in langs},
        "updated_at": point.updated_at,
        "version": point.version,
    }


def _every(available: set[str], _original: str) -> list[str]:
    return sorted(available)


def stored_parts(point: PointRecord) -> tuple[bytes, bytes] | None:
    """The record in every language, stored to be cut per page: ``head`` is the record's
    bytes before its texts, then each language and its texts object, each part after a
    newline (compact JSON never holds one); ``tail`` runs from ``updated_at`` to the end.
    None when a translation has no text at all (it would vanish from the stored texts, yet
    count among the languages a page picks from: such a record is rendered when read)."""
    record = compact(point_record(point, _every))
    texts = record.get("texts", {})
    if len(texts) != len(point.translations):
        return None
    raw = orjson.dumps(record, option=orjson.OPT_UTC_Z)
    # The last key but ``version``, and the first key named ``texts``: no other key, and
    # no text (quotes are escaped in a JSON string), can hold these bytes.
    cut = raw.rindex(_UPDATED)
    at = raw.find(_TEXTS) if texts else cut
    parts = [raw[:at]]
    for lang, text in texts.items():
        parts.extend((lang.encode(), orjson.dumps(text)))
    return b"\n".join(parts), raw[cut:]


def texts_selector(pick: PickLanguages) -> Callable[[bytes, bytes, str], bytes]:
    """:func:`select_texts` with ``pick`` for the many records of one page: which texts to
    keep is worked out once per set of stored languages and original language (a page's
    records share a handful), then each record is cut and joined as bytes."""
    chosen_for: dict[tuple[bytes, str], tuple[int, ...]] = {}

    def select(head: bytes, tail: bytes, original: str) -> bytes:
        parts = head.split(b"\n")
        if len(parts) == 1:
            return head + tail  # no texts in any language
        langs = b"\n".join(parts[1::2])
        chosen = chosen_for.get((langs, original))
        if chosen is None:
            at = {parts[i].decode(): i for i in range(1, len(parts), 2)}
            chosen = tuple(at[lang] for lang in pick(set(at), original))
            if len(chosen_for) < _MEMO:
                chosen_for[langs, original] = chosen
        if not chosen:
            return parts[0] + tail
        picked = b",".join([b'"' + parts[i] + b'":' + parts[i + 1] for i in chosen])
        return b"".join((parts[0], _TEXTS, b"{", picked, b"}", tail))

    return select


def select_texts(head: bytes, tail: bytes, original: str, pick: PickLanguages) -> bytes:
    """The stored record (:func:`stored_parts`) with the texts ``pick`` chooses: byte for
    byte what :func:`dump` gives for :func:`point_record` with ``pick``."""
    parts = head.split(b"\n")
    if len(parts) == 1:
        return head + tail  # no texts in any language
    texts = {parts[i].decode(): parts[i + 1] for i in range(1, len(parts), 2)}
    chosen = pick(set(texts), original)
    if not chosen:
        return parts[0] + tail
    # Language tags are letters, digits and hyphens: a JSON key as they are.
    picked = b",".join(b'"%s":%s' % (lang.encode(), texts[lang]) for lang in chosen)
    return b"".join((parts[0], _TEXTS, b"{", picked, b"}", tail))
