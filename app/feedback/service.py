"""Anonymous feedback: submitting it, the translated tag list, a point's public summary.

A submission is checked, redacted, classified and stored in the request's transaction;
the router answers 202 only after that transaction has committed. Functions only flush.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import FieldError, NotFound, ValidationProblem
from app.feedback import language, privacy, repository, signals, spam
from app.feedback.inputs import FeedbackCreate, GeneralFeedbackCreate
from app.feedback.models import (
    Feedback,
    FeedbackStatus,
    FeedbackTag,
    FeedbackTagChoice,
    LangSource,
    TagScope,
)
from app.feedback.schemas import (
    CommentRead,
    FeedbackReceipt,
    FeedbackTagList,
    FeedbackTagRead,
    PointFeedbackSummary,
    RatingSummary,
    TagCount,
    WarningText,
)
from app.feedback.throttling import FeedbackThrottle
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.i18n.tags import base_language
from app.i18n.texts import Text
from app.service_points.models import ServicePoint
from app.service_points.visibility import is_readable
from app.settings import Settings
from app.tasks import service as tasks_service
from app.tasks.warnings import warning_messages

__all__ = [
    "TAG_WINDOW_DAYS",
    "Origin",
    "list_tags",
    "point_summary",
    "submit_general_feedback",
    "submit_point_feedback",
]

TAG_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class Origin:
    """What the service may know about where a submission comes from.

    ``client`` is the daily salted key of the client address (``privacy.client_key``):
    used for limits and duplicates, never stored. ``idempotency_key`` is the client's
    ``Idempotency-Key`` header, stored only as a SHA-256 digest.
    """

    client: str
    idempotency_key: str | None
    now: dt.datetime


def _label(tag: FeedbackTag, pref: LanguagePreference) -> tuple[str, str]:
    text = localise({t.lang: {"label": t.label} for t in tag.translations}, ("label",), pref.chain)
    return text.values.get("label", tag.code), text.lang or pref.served


def list_tags(
    session: Session, *, pref: LanguagePreference, scope: TagScope | None
) -> FeedbackTagList:
    """The fixed tag list and the public warning texts, in the requested language."""
    items = []
    for tag in repository.all_tags(session):
        if scope is not None and tag.scope != scope:
            continue
        label, lang = _label(tag, pref)
        items.append(
            FeedbackTagRead.model_validate(
                {
                    "code": tag.code,
                    "label": label,
                    "scope": tag.scope,
                    "signal": tag.signal,
                    "sentiment": tag.sentiment,
                    "lang": lang,
                }
            )
        )
    warnings = []
    for code, texts in warning_messages().items():
        text = localise({k: {"m": v} for k, v in texts.items()}, ("m",), pref.chain)
        warnings.append(
            WarningText(code=code, message=text.values.get("m", code), lang=text.lang or "en")
        )
    return FeedbackTagList(items=items, warnings=warnings, lang=pref.served)


def _public_point(session: Session, public_id: str) -> ServicePoint:
    point = repository.point_by_public_id(session, public_id)
    if point is None or not is_readable(point):
        raise NotFound.for_field("path", "point_id", Text("point.not_found", id=public_id))
    return point


def _checked_tags(
    session: Session,
    data: FeedbackCreate | GeneralFeedbackCreate,
    *,
    scope: TagScope,
    settings: Settings,
) -> list[FeedbackTag]:
    """The chosen tags; 422 naming each unknown tag, an over-long comment, or nothing sent."""
    if data.is_empty:
        detail = Text("feedback.empty")
        raise ValidationProblem(
            detail,
            errors=[
                FieldError(location="body", name=name, pointer=f"/{name}", detail=detail)
                for name in ("rating", "tags", "comment")
            ],
        )
    errors: list[FieldError] = []
    known = repository.tags_by_code(session, data.tags)
    for i, code in enumerate(data.tags):
        tag = known.get(code)
        if tag is None or tag.scope != scope:
            where = "point" if scope == TagScope.point else "general"
            detail = (
                Text("feedback.unknown_tag", code=code)
                if tag is None
                else Text(f"feedback.tag_not_used_{where}", code=code)
            )
            errors.append(
                FieldError(location="body", name="tags", pointer=f"/tags/{i}", detail=detail)
            )
    limit = settings.feedback_comment_max_chars
    if data.comment and len(data.comment) > limit:
        errors.append(
            FieldError(
                location="body",
                name="comment",
                pointer="/comment",
                detail=Text("feedback.comment_too_long", max=limit, got=len(data.comment)),
            )
        )
    if errors:
        raise ValidationProblem(errors=errors)
    return [known[code] for code in data.tags]


def _digest(target: str, data: FeedbackCreate | GeneralFeedbackCreate, comment: str | None) -> str:
    material = {
        "t": target,
        "r": data.rating,
        "g": sorted(data.tags),
        "c": " ".join((comment or "").casefold().split()),
    }
    return hashlib.sha256(orjson.dumps(material, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _receipt(feedback: Feedback, *, duplicate: bool) -> FeedbackReceipt:
    return FeedbackReceipt(
        receipt=feedback.receipt,
        duplicate=duplicate,
        moderation="pending" if feedback.comment else "none",
    )


def _classify(feedback: Feedback, comment: str | None, now: dt.datetime) -> None:
    """Set status, ``held``, flags and score; comments always wait for a moderator."""
    if not comment:
        feedback.status = FeedbackStatus.approved.value
        feedback.decided_at = now
        feedback.decision_reason = "automatic: no comment"
        return
    verdict = spam.score(comment)
    feedback.spam_score = verdict.score
    if spam.has_link(comment):
        feedback.flags = [*feedback.flags, "link"]
        feedback.held = True
    if verdict.is_spam:
        feedback.flags = [*feedback.flags, "spam_suspect"]
        feedback.status = FeedbackStatus.spam.value
        feedback.held = True
        feedback.decided_at = now
        feedback.decision_reason = f"automatic: spam heuristic ({', '.join(verdict.reasons)})"
    else:
        feedback.status = FeedbackStatus.pending.value


def _submit(
    session: Session,
    *,
    data: FeedbackCreate | GeneralFeedbackCreate,
    point: ServicePoint | None,
    country: str | None,
    origin: Origin,
    throttle: FeedbackThrottle,
    settings: Settings,
) -> FeedbackReceipt:
    scope = TagScope.point if point is not None else TagScope.general
    tags = _checked_tags(session, data, scope=scope, settings=settings)
    target = f"point:{point.id}" if point is not None else f"general:{country or '-'}"
    redacted = None
    if data.comment:
        published: Sequence[str] = []
        if point is not None:
            published = [*point.phones, *([point.whatsapp] if point.whatsapp else [])]
        redacted = privacy.redact(data.comment, region=country, published=published)
    comment = redacted.text if redacted else None
    digest = _digest(target, data, comment)
    key_hash = None
    if origin.idempotency_key is not None:
        key_hash = hashlib.sha256(origin.idempotency_key.encode()).hexdigest()
        replayed = repository.by_idempotency_key(session, key_hash)
        if replayed is not None:
            if replayed.content_digest != digest:
                raise ValidationProblem.for_field(
                    "header", "Idempotency-Key", Text("feedback.idempotency_reused")
                )
            return _receipt(replayed, duplicate=True)
    throttle.admit(client=origin.client, target=target, on_point=point is not None)
    earlier_id = throttle.duplicate_of(client=origin.client, target=target, digest=digest)
    earlier = repository.by_id(session, earlier_id) if earlier_id else None
    if earlier is not None and earlier.content_digest == digest:
        return _receipt(earlier, duplicate=True)
    feedback = Feedback(
        point_id=point.id if point is not None else None,
        country=country,
        rating=data.rating,
        comment=comment,
        flags=list(redacted.flags) if redacted else [],
        content_digest=digest,
        idempotency_key=key_hash,
        counted=throttle.first_today(client=origin.client, target=target),
        held=False,
        spam_score=0.0,
        created_at=origin.now,
        tags=[FeedbackTagChoice(tag_code=t.code) for t in tags],
    )
    if comment:
        if data.lang:
            feedback.comment_lang, feedback.comment_lang_source = data.lang, LangSource.declared
        else:
            detected = language.detect_language(comment)
            feedback.comment_lang = detected or "und"
            feedback.comment_lang_source = LangSource.detected if detected else LangSource.unknown
    _classify(feedback, comment, origin.now)
    if not repository.add(session, feedback):
        # The same Idempotency-Key won a race a moment ago: answer with that submission.
        assert key_hash is not None
        replayed = repository.by_idempotency_key(session, key_hash)
        assert replayed is not None
        return _receipt(replayed, duplicate=True)
    throttle.remember(client=origin.client, target=target, digest=digest, feedback_id=feedback.id)
    if point is not None and feedback.counted and not feedback.held:
        kinds = signals.kinds_of(tags)
        if kinds:
            signals.reassess(session, point=point, kinds=kinds, settings=settings, now=origin.now)
    return _receipt(feedback, duplicate=False)


def submit_point_feedback(
    session: Session,
    *,
    point_public_id: str,
    data: FeedbackCreate,
    origin: Origin,
    throttle: FeedbackThrottle,
    settings: Settings,
) -> FeedbackReceipt:
    """Store feedback on a public point (404 for unknown, draft or deleted points)."""
    point = _public_point(session, point_public_id)
    return _submit(
        session,
        data=data,
        point=point,
        country=point.country,
        origin=origin,
        throttle=throttle,
        settings=settings,
    )


def submit_general_feedback(
    session: Session,
    *,
    data: GeneralFeedbackCreate,
    origin: Origin,
    throttle: FeedbackThrottle,
    settings: Settings,
) -> FeedbackReceipt:
    """Store feedback about the app or its content (a missing place, a country's page...)."""
    return _submit(
        session,
        data=data,
        point=None,
        country=data.country,
        origin=origin,
        throttle=throttle,
        settings=settings,
    )


def point_summary(
    session: Session,
    *,
    point_public_id: str,
    pref: LanguagePreference,
    other_languages: bool,
    limit: int,
    now: dt.datetime | None = None,
) -> PointFeedbackSummary:
    """Rating, tag counts (30 days), latest approved comments in the requested language."""
    now = now or utcnow()
    point = _public_point(session, point_public_id)
    count, average = repository.rating_summary(session, point.id)
    counts = repository.tag_counts(session, point.id, now - dt.timedelta(days=TAG_WINDOW_DAYS))
    tags = []
    for tag in repository.all_tags(session):
        if counts.get(tag.code):
            tags.append(TagCount(code=tag.code, label=_label(tag, pref)[0], count=counts[tag.code]))
    tags.sort(key=lambda t: -t.count)
    wanted = {base_language(t) for t in (pref.requested_expanded or (pref.served,))}
    comments = repository.latest_comments(
        session, point.id, languages=None if other_languages else wanted, limit=limit
    )
    _, others = repository.comment_counts(session, point.id, languages=wanted)
    return PointFeedbackSummary(
        point_id=point.public_id,
        rating=RatingSummary(
            average=round(average, 2) if average is not None else None, count=count
        ),
        tags=tags,
        tag_window_days=TAG_WINDOW_DAYS,
        comments=[
            CommentRead(
                text=c.comment or "",
                lang=c.comment_lang or "und",
                rating=c.rating,
                tags=c.tag_codes,
                date=c.created_at.date(),
            )
            for c in comments
        ],
        other_language_comments=0 if other_languages else others,
        warnings=tasks_service.warnings_for(session, [point.id]).get(point.id),
        lang=pref.served,
    )
