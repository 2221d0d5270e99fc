"""The generated points as rows for the bulk loaders: one tuple per table row, in the
column order of ``POINT_COLUMNS`` / ``TRANSLATION_COLUMNS``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson

from bench.data import BenchPoint, generate

__all__ = ["BATCH", "POINT_COLUMNS", "TRANSLATION_COLUMNS", "batches", "rows"]

BATCH = 20_000

POINT_COLUMNS = (
    "id",
    "public_id",
    "external_id",
    "organization_id",
    "lat",
    "lon",
    # The public location (app.service_points.precision): bench points are all exact.
    "public_lat",
    "public_lon",
    "country",
    "locality",
    "timezone",
    "phones",
    "email",
    "website",
    "whatsapp",
    "opening_hours",
    "free",
    "status",
    "original_language",
    "source_title",
    "source_url",
    "source_publisher",
    "is_sample",
    "last_verified_at",
    "verified_by_organization_id",
    "search_text",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
)
TRANSLATION_COLUMNS = (
    "point_id",
    "lang",
    "name",
    "description",
    "address",
    "documents_required",
    "accessibility",
    "updated_at",
)


def search_text(point: BenchPoint, category_text: dict[str, str]) -> str:
    extra = " ".join(category_text.get(c, "") for c in point.categories)
    return f"{point.search_text} {extra}"[:20000]


def batches(count: int, seed: int, first_id: int) -> Iterator[list[BenchPoint]]:
    batch: list[BenchPoint] = []
    for point in generate(count, seed=seed, first_id=first_id):
        batch.append(point)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def rows(
    batch: Sequence[BenchPoint],
    org_ids: dict[int, str],
    category_text: dict[str, str],
    stamp: Callable[[Any], Any],
) -> tuple[list[tuple[Any, ...]], ...]:
    points: list[tuple[Any, ...]] = []
    translations: list[tuple[Any, ...]] = []
    categories: list[tuple[Any, ...]] = []
    audiences: list[tuple[Any, ...]] = []
    languages: list[tuple[Any, ...]] = []
    for p in batch:
        verified = stamp(p.last_verified_at) if p.last_verified_at else None
        updated = stamp(p.updated_at)
        points.append(
            (
                p.id,
                p.public_id,
                p.external_id,
                org_ids[p.organization],
                p.lat,
                p.lon,
                p.lat,
                p.lon,
                p.country,
                p.locality,
                p.timezone,
                orjson.dumps(p.phones).decode(),
                p.email,
                p.website,
                p.whatsapp,
                p.opening_hours,
                p.free,
                p.status,
                p.original_language,
                "Rumbo benchmark data set",
                None,
                "Rumbo",
                True,
                verified,
                org_ids[p.verified_by] if p.verified_by is not None else None,
                search_text(p, category_text),
                updated,
                updated,
                None,
                1,
            )
        )
        for lang, t in p.translations.items():
            translations.append(
                (
                    p.id,
                    lang,
                    t["name"],
                    t["description"],
                    t["address"],
                    t["documents_required"],
                    t["accessibility"],
                    updated,
                )
            )
        categories.extend((p.id, code, i) for i, code in enumerate(p.categories))
        audiences.extend((p.id, code) for code in p.audiences)
        languages.extend((p.id, lang) for lang in p.spoken_languages)
    return points, translations, categories, audiences, languages
