"""Rumbo's taxonomies as HSDS ``taxonomy`` and ``taxonomy_term`` objects.

Four taxonomies: service categories and audiences (from the database, translated), and two
fixed ones that carry the Rumbo fields HSDS has no column for (``rumbo-fields``) and the
texts in other languages (``rumbo-translations``). See docs/hsds-mapping.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.hsds import ids
from app.i18n.fallback import localise
from app.service_points.models import TRANSLATABLE_FIELDS
from app.taxonomy import repository as taxonomy_repository

__all__ = ["FIELD_TERMS", "Term", "Vocabulary"]

# Point fields carried as attributes of the ``rumbo-fields`` taxonomy.
FIELD_TERMS: dict[str, str] = {
    "external_id": "Identifier of the record in the publisher's own system",
    "original_language": "Language (BCP 47) the texts were first written in",
    "source_title": "Title of the source the information comes from",
    "source_url": "Address of the source the information comes from",
    "source_publisher": "Publisher of the source the information comes from",
    "source_as_of": "Date (YYYY-MM-DD) the source's facts are as of; not a verification",
    "sample": "true when the record is sample data nobody has verified",
    "location_precision": "approximate (coordinates are a ~1 km grid cell's centre) or "
    "hidden (no coordinates); absent when exact",
}
TRANSLATION_TERMS: dict[str, str] = {
    name: f"The {name.replace('_', ' ')} in the language named by the attribute's label"
    for name in TRANSLATABLE_FIELDS
}


@dataclass(frozen=True, slots=True)
class Term:
    taxonomy: str
    code: str
    name: str
    description: str
    language: str
    parent_code: str | None = None

    @property
    def id(self) -> str:
        return ids.term_id(self.taxonomy, self.code)

    def as_hsds(self) -> dict[str, Any]:
        term: dict[str, Any] = {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "taxonomy": self.taxonomy,
            "taxonomy_id": ids.taxonomy_id(self.taxonomy),
            "language": self.language,
        }
        if self.parent_code:
            term["parent_id"] = ids.term_id(self.taxonomy, self.parent_code)
        return term


def taxonomy_as_hsds(name: str) -> dict[str, Any]:
    title, description = ids.TAXONOMIES[name]
    return {"id": ids.taxonomy_id(name), "name": title, "description": description}


class Vocabulary:
    """Every term of Rumbo's four taxonomies, in one language, by (taxonomy, code) and id."""

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        self._by_key = {(t.taxonomy, t.code): t for t in terms}
        self._by_id = {t.id: t for t in terms}

    @classmethod
    def load(cls, session: Session, chain: tuple[str, ...]) -> Vocabulary:
        """The vocabulary with names chosen along the language ``chain``."""
        terms: list[Term] = []
        for category in taxonomy_repository.all_categories(session):
            text = localise(
                {
                    t.lang: {"name": t.name, "description": t.description}
                    for t in category.translations
                },
                ("name", "description"),
                chain,
            )
            name = text.values.get("name", category.code)
            terms.append(
                Term(
                    ids.CATEGORIES_TAXONOMY,
                    category.code,
                    name,
                    text.values.get("description") or name,
                    text.lang or chain[0],
                    category.parent_code,
                )
            )
        for audience in taxonomy_repository.all_audiences(session):
            text = localise(
                {t.lang: {"name": t.name} for t in audience.translations}, ("name",), chain
            )
            name = text.values.get("name", audience.code)
            terms.append(Term(ids.AUDIENCES_TAXONOMY, audience.code, name, name, text.lang or "en"))
        for code, description in FIELD_TERMS.items():
            terms.append(Term(ids.FIELDS_TAXONOMY, code, code, description, "en"))
        for code, description in TRANSLATION_TERMS.items():
            terms.append(Term(ids.TRANSLATIONS_TAXONOMY, code, code, description, "en"))
        return cls(terms)

    def get(self, taxonomy: str, code: str) -> Term | None:
        return self._by_key.get((taxonomy, code))

    def by_id(self, term_id: str) -> Term | None:
        return self._by_id.get(term_id)

    def term(self, taxonomy: str, code: str) -> Term:
        """A term that must exist (fixed terms, or codes read from the database)."""
        found = self._by_key.get((taxonomy, code))
        return found or Term(taxonomy, code, code, code, "en")

    def codes(self, taxonomy: str) -> set[str]:
        return {t.code for t in self.terms if t.taxonomy == taxonomy}
