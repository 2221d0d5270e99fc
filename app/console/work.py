"""Console glue for the work queues: feedback moderation and verification tasks.

The rules (who sees what, what a decision needs, what it changes) are the feedback and
tasks services'; this module validates form fields with their input models and turns a
refused decision into messages, after rolling the request's transaction back.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.access.principal import Principal
from app.console.forms import messages_of
from app.errors import Problem
from app.feedback import moderation
from app.feedback.models import FeedbackStatus
from app.feedback.schemas import DecisionInput, ModerationPage
from app.settings import Settings
from app.tasks import service as tasks_service
from app.tasks.schemas import TaskPage, TaskResolutionInput

__all__ = ["decide_feedback", "feedback_queue", "resolve_task", "task_list"]

M = TypeVar("M", bound=BaseModel)


def feedback_queue(
    session: Session, principal: Principal, *, status: str, cursor: str | None
) -> ModerationPage:
    return moderation.list_queue(
        session,
        actor=principal,
        statuses=[FeedbackStatus(status)],
        point_public_id=None,
        tag=None,
        held=None,
        has_comment=None,
        cursor=cursor,
        limit=50,
    )


def _form_model(model: type[M], form: FormData, names: tuple[str, ...]) -> M:
    raw = {n: form.get(n) for n in names if isinstance(form.get(n), str) and form.get(n) != ""}
    return model.model_validate(raw)


def decide_feedback(
    session: Session, principal: Principal, receipt: str, form: FormData, *, settings: Settings
) -> list[str]:
    """Approve, reject or mark as spam; the reasons it was refused (empty when done)."""
    try:
        data = _form_model(DecisionInput, form, ("decision", "reason"))
        moderation.decide(session, actor=principal, receipt=receipt, data=data, settings=settings)
    except (ValidationError, Problem) as exc:
        session.rollback()
        if isinstance(exc, Problem) and exc.status not in (409, 422):
            raise
        return messages_of(exc)
    return []


def task_list(session: Session, principal: Principal, *, cursor: str | None) -> TaskPage:
    return tasks_service.list_tasks(
        session,
        actor=principal,
        status="open",
        kind=None,
        point_public_id=None,
        cursor=cursor,
        limit=50,
    )


def resolve_task(session: Session, principal: Principal, task_id: str, form: FormData) -> list[str]:
    """Close a task as verified or dismissed; the reasons it was refused (empty when done)."""
    try:
        data = _form_model(TaskResolutionInput, form, ("resolution", "note"))
        tasks_service.resolve(session, actor=principal, task_id=task_id, data=data)
    except (ValidationError, Problem) as exc:
        session.rollback()
        if isinstance(exc, Problem) and exc.status not in (409, 422):
            raise
        return messages_of(exc)
    return []
