"""Checks of a staff write before anything is written: the body and its codes together (one
422 naming every failing field), a language tag in the path, the point inside its country."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.errors import FieldError, ValidationProblem
from app.exchange import checks as duplicate_checks
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_points import writing

__all__ = ["check_country", "check_point_input", "lang"]


def check_point_input(session: Session, model: type[BaseModel], raw: Any) -> None:
    """Validate a point body and its category/audience codes together: one 422 naming every
    failing field, before anything is written."""
    errors: list[FieldError] = []
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        errors.extend(FieldError.from_pydantic(exc.errors(), location="body", translate=False))
    if isinstance(raw, dict):
        lists: dict[str, list[str] | None] = {}
        for name in ("categories", "audiences"):
            value = raw.get(name)
            usable = (
                isinstance(value, list)
                and len(value) <= 20
                and all(isinstance(v, str) and 0 < len(v) <= 50 for v in value)
            )
            lists[name] = value if usable else None
        errors.extend(writing.code_errors(session, lists["categories"], lists["audiences"]))
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)


def lang(raw: str) -> str:
    try:
        return normalise_tag(raw)
    except InvalidLanguageTag as exc:
        raise ValidationProblem.for_field("path", "lang", str(exc)) from None


def check_country(lat: float, lon: float, country: str) -> None:
    """The point must lie in its country (or its waters): the same lookup as ``/v1/where``
    and imports (``app.exchange.checks``); a 422 naming ``lat`` otherwise."""
    result = duplicate_checks.check_country(lat, lon, country)
    if not result.ok:
        raise ValidationProblem.for_field(
            "body", "lat", result.detail or "outside its country", pointer="/lat"
        )
