"""Translated views of the taxonomy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.errors import ValidationProblem
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.i18n.texts import Text
from app.taxonomy import repository
from app.taxonomy.schemas import AudienceRead, CategoryNode

__all__ = ["audience_list", "category_tree", "expand_categories", "validate_audiences"]


def category_tree(session: Session, *, pref: LanguagePreference) -> list[CategoryNode]:
    """Every category, translated, as a forest of parents and children."""
    categories = repository.all_categories(session)
    nodes: dict[str, CategoryNode] = {}
    for category in categories:
        text = localise(
            {t.lang: {"name": t.name, "description": t.description} for t in category.translations},
            ("name", "description"),
            pref.chain,
        )
        nodes[category.code] = CategoryNode(
            code=category.code,
            name=text.values.get("name", category.code),
            description=text.values.get("description"),
            icon=category.icon,
            lang=text.lang or pref.served,
        )
    roots: list[CategoryNode] = []
    for category in categories:
        node = nodes[category.code]
        if category.parent_code and category.parent_code in nodes:
            nodes[category.parent_code].children.append(node)
        else:
            roots.append(node)
    return roots


def audience_list(session: Session, *, pref: LanguagePreference) -> list[AudienceRead]:
    out = []
    for audience in repository.all_audiences(session):
        text = localise(
            {t.lang: {"name": t.name} for t in audience.translations}, ("name",), pref.chain
        )
        out.append(
            AudienceRead(
                code=audience.code,
                name=text.values.get("name", audience.code),
                lang=text.lang or pref.served,
            )
        )
    return out


def expand_categories(session: Session, codes: Sequence[str], *, parameter: str) -> set[str]:
    """Codes plus their descendants; an unknown code is a 422 naming ``parameter``."""
    known = {c.code for c in repository.all_categories(session)}
    unknown = sorted(set(codes) - known)
    if unknown:
        raise ValidationProblem.for_field(
            "query", parameter, Text("category.unknown", codes=", ".join(unknown))
        )
    return repository.descendants(session, codes)


def validate_audiences(session: Session, codes: Sequence[str], *, location: str, name: str) -> None:
    known = {a.code for a in repository.all_audiences(session)}
    unknown = sorted(set(codes) - known)
    if unknown:
        raise ValidationProblem.for_field(
            location, name, Text("audience.unknown", codes=", ".join(unknown))
        )
