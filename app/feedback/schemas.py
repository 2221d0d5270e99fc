"""Shapes the feedback API returns (public and staff) and the moderation inputs."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "BulkDecisionInput",
    "CommentRead",
    "DecisionInput",
    "FeedbackReceipt",
    "FeedbackTagList",
    "FeedbackTagRead",
    "ModerationItem",
    "ModerationPage",
    "PointFeedbackSummary",
    "RatingSummary",
    "TagCount",
    "WarningText",
]

Decision = Literal["approve", "reject", "spam"]


class FeedbackReceipt(BaseModel):
    """Proof that the feedback was stored (the answer is sent only after it is committed)."""

    receipt: str = Field(description="Random id of the stored feedback (UUID)")
    duplicate: bool = Field(
        description="True when this repeats an earlier submission; its receipt is returned"
    )
    moderation: Literal["pending", "none"] = Field(
        description="`pending`: the comment is shown once a moderator approves it"
    )


class FeedbackTagRead(BaseModel):
    code: str = Field(examples=["closed_now"])
    label: str = Field(examples=["Está cerrado ahora"])
    scope: Literal["point", "general"]
    signal: Literal["closed", "wrong_info", "safety"] | None = Field(
        default=None, description="What repeated reports with this tag set in motion"
    )
    sentiment: Literal["positive", "negative", "neutral"]
    lang: str


class WarningText(BaseModel):
    code: str = Field(examples=["reported_closed"])
    message: str
    lang: str


class FeedbackTagList(BaseModel):
    items: list[FeedbackTagRead]
    warnings: list[WarningText] = Field(
        description="Texts of the codes service points show in `warnings`"
    )
    lang: str


class RatingSummary(BaseModel):
    average: float | None = Field(default=None, examples=[4.3])
    count: int


class TagCount(BaseModel):
    code: str
    label: str
    count: int


class CommentRead(BaseModel):
    text: str
    lang: str = Field(description="Language of the comment; `und` when unknown")
    rating: int | None = None
    tags: list[str]
    date: dt.date = Field(description="Day it was written (the time is not published)")


class PointFeedbackSummary(BaseModel):
    point_id: str
    rating: RatingSummary
    tags: list[TagCount] = Field(description="Reports per tag in the last `tag_window_days`")
    tag_window_days: int
    comments: list[CommentRead] = Field(description="Latest approved comments")
    other_language_comments: int = Field(
        description="Approved comments in other languages (ask with `other_languages=true`)"
    )
    warnings: list[str] | None = None
    lang: str


class ModerationItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    receipt: str
    point_id: str | None = Field(default=None, description="Public id of the point, if any")
    point_name: str | None = None
    organization: str | None = Field(default=None, description="Slug of the point's owner")
    country: str | None = None
    rating: int | None = None
    tags: list[str]
    comment: str | None = Field(default=None, description="Already redacted")
    comment_lang: str | None = None
    comment_lang_source: str | None = None
    flags: list[str]
    spam_score: float
    held: bool
    counted: bool
    status: Literal["pending", "approved", "rejected", "spam"]
    created_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by_user_id: str | None = None
    decided_by_api_key_id: str | None = None
    decision_reason: str | None = None


class ModerationPage(BaseModel):
    items: list[ModerationItem]
    next_cursor: str | None = None


class DecisionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str | None = Field(
        default=None, max_length=500, description="Required to reject or to mark as spam"
    )

    @field_validator("reason")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class BulkDecisionInput(DecisionInput):
    receipts: list[str] = Field(min_length=1, max_length=100)

    @field_validator("receipts")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(r.strip() for r in value))
