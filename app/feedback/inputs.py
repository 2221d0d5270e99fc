"""What a traveller may send as feedback: every rule that does not need the database.

Rules that need the database or the settings (known tags, the comment length limit, "say
at least something") live in ``service.py``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from app.country_codes import InvalidCountryCode, normalise_country
from app.i18n.tags import InvalidLanguageTag, normalise_tag

__all__ = ["MAX_COMMENT_CHARS", "MAX_TAGS", "FeedbackCreate", "GeneralFeedbackCreate"]

# Hard bound of the schema; the configurable limit (settings) is usually lower.
MAX_COMMENT_CHARS = 4000
MAX_TAGS = 10
_TAG = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_BLANK_RUNS = re.compile(r"[ \t]+")
_NEWLINES = re.compile(r"\n{3,}")

Rating = Annotated[
    StrictInt | None,
    Field(default=None, ge=1, le=5, description="1 (bad) to 5 (very good)", examples=[4]),
]


def clean_comment(value: str | None) -> str | None:
    """Normalised text without control characters; ``None`` when nothing is left."""
    if value is None:
        return None
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("contains characters that are not valid Unicode")
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in {"Cc", "Cf", "Co", "Cs"}
    )
    lines = (_BLANK_RUNS.sub(" ", line).strip() for line in text.split("\n"))
    text = _NEWLINES.sub("\n\n", "\n".join(lines)).strip()
    return text or None


class _FeedbackBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating
    tags: list[str] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Codes from GET /v1/feedback-tags",
        examples=[["closed_now"]],
    )
    comment: str | None = Field(
        default=None,
        max_length=MAX_COMMENT_CHARS,
        description="Free text in any language. Phone numbers and e-mail addresses are removed"
        " before it is stored; it is shown only after a moderator approves it.",
        examples=["Estaba cerrado el domingo por la mañana"],
    )
    lang: str | None = Field(
        default=None,
        max_length=35,
        description="Language of the comment (BCP 47); detected when absent",
        examples=["es"],
    )

    @field_validator("tags")
    @classmethod
    def _tag_codes(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for code in value:
            if not _TAG.match(code):
                raise ValueError(f"{code[:60]!r} is not a tag code")
            if code not in seen:
                seen.append(code)
        return seen

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str | None) -> str | None:
        return clean_comment(value)

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_tag(value)
        except InvalidLanguageTag as exc:
            raise ValueError(str(exc)) from None

    @property
    def is_empty(self) -> bool:
        return self.rating is None and not self.tags and not self.comment


class FeedbackCreate(_FeedbackBase):
    """Feedback on one service point: a rating, tags and/or a comment (at least one)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "rating": 2,
                "tags": ["wrong_hours"],
                "comment": "Abren a las 9, no a las 8",
            }
        },
    )


class GeneralFeedbackCreate(_FeedbackBase):
    """Feedback about the app or its content: a missing place, wrong country information..."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "tags": ["missing_place"],
                "country": "PA",
                "comment": "Falta el comedor de la iglesia en Lajas Blancas",
            }
        },
    )

    country: str | None = Field(
        default=None, description="Country the feedback is about (ISO 3166-1 alpha-2)"
    )

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_country(value)
        except InvalidCountryCode as exc:
            raise ValueError(str(exc)) from None
