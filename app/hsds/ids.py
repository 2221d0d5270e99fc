"""Stable HSDS identifiers for Rumbo's records, and the vocabularies Rumbo publishes.

A Rumbo service point is one service offered at one location, so the point's public id is
both the HSDS ``service.id`` and the ``service_at_location.id``; every other HSDS object
(location, address, phone, schedule, attribute...) gets a UUID derived from it with
UUID v5, so ids never change between two exports and need no storage.
"""

from __future__ import annotations

import uuid

__all__ = [
    "AUDIENCES_TAXONOMY",
    "CATEGORIES_TAXONOMY",
    "FIELDS_TAXONOMY",
    "HSDS_VERSION",
    "TAXONOMIES",
    "TRANSLATIONS_TAXONOMY",
    "child_id",
    "is_uuid",
    "taxonomy_id",
    "term_id",
]

HSDS_VERSION = "3.1"

# Fixed namespace of Rumbo's derived ids (never change it: every exported id depends on it).
NAMESPACE = uuid.UUID("6f1c3e0a-3b1e-5d55-9a7e-52756d626f00")

CATEGORIES_TAXONOMY = "rumbo-categories"
AUDIENCES_TAXONOMY = "rumbo-audiences"
FIELDS_TAXONOMY = "rumbo-fields"
TRANSLATIONS_TAXONOMY = "rumbo-translations"

# name -> (title, description) of each taxonomy Rumbo publishes.
TAXONOMIES: dict[str, tuple[str, str]] = {
    CATEGORIES_TAXONOMY: (
        "Rumbo service categories",
        "What a service point offers (shelter, food, health, legal aid...), as a tree.",
    ),
    AUDIENCES_TAXONOMY: (
        "Rumbo audiences",
        "Groups a service point is meant for (children, women, families...).",
    ),
    FIELDS_TAXONOMY: (
        "Rumbo fields",
        "Rumbo fields HSDS has no column for; the attribute's value holds the field's value.",
    ),
    TRANSLATIONS_TAXONOMY: (
        "Rumbo translations",
        "A text in another language: the term names the field, the attribute's label the "
        "language (BCP 47) and its value the text.",
    ),
}


def child_id(public_id: str, kind: str, index: int | str = 0) -> str:
    """The id of the ``index``-th ``kind`` object (location, phone...) of a point."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{public_id}:{index}"))


def taxonomy_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"taxonomy:{name}"))


def term_id(taxonomy: str, code: str) -> str:
    """The id of the term ``code`` of one of Rumbo's taxonomies."""
    return str(uuid.uuid5(NAMESPACE, f"term:{taxonomy}:{code}"))


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return len(value) == 36
