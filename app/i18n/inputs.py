"""The language tag field of input shapes: any BCP 47 tag, normalised (``fr-ca`` -> ``fr-CA``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from app.i18n.tags import InvalidLanguageTag, normalise_tag

__all__ = ["LanguageTag"]


def _tag(value: str) -> str:
    try:
        return normalise_tag(value)
    except InvalidLanguageTag as exc:
        raise ValueError(str(exc)) from None


LanguageTag = Annotated[str, Field(max_length=35), AfterValidator(_tag)]
