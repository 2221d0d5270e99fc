"""From reports to action: enough independent reports on a point open a verification task.

"Independent" means: counted (a client's first submission on that point that day, see
``throttling.first_today``), not held, rejected or spam, made after the point was last
verified and after the last task of the same kind was resolved, and within the window
(``feedback_signal_window_days``). ``feedback_signal_threshold`` of them open the task;
while it is open the point carries a public warning (closure and wrong details only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.feedback import repository
from app.feedback.models import FeedbackTag
from app.service_points.models import ServicePoint
from app.settings import Settings
from app.tasks import service as tasks_service
from app.tasks.models import Resolution, TaskKind

__all__ = ["kinds_of", "reassess"]


def kinds_of(tags: Iterable[FeedbackTag]) -> set[TaskKind]:
    return {TaskKind(t.signal) for t in tags if t.signal}


def reassess(
    session: Session,
    *,
    point: ServicePoint,
    kinds: Iterable[TaskKind],
    settings: Settings,
    now: dt.datetime,
    rejected_by: Principal | None = None,
) -> None:
    """Open or update the tasks whose evidence reaches the threshold.

    After a moderator rejects reports (``rejected_by``), an open task left with fewer
    reports than the threshold is dismissed, and its public warning goes with it.
    """
    tags_of_kind: dict[str, list[str]] = {}
    for tag in repository.all_tags(session):
        if tag.signal:
            tags_of_kind.setdefault(tag.signal, []).append(tag.code)
    window_start = now - dt.timedelta(days=settings.feedback_signal_window_days)
    for kind in sorted(set(kinds)):
        tags = tags_of_kind.get(kind.value, [])
        task = tasks_service.open_task(session, point_id=point.id, kind=kind)
        if task is not None:
            # The evidence of an open task is every report since its first one.
            since = task.first_report_at
        else:
            settled = tasks_service.baseline(session, point=point, kind=kind)
            since = max(window_start, settled) if settled else window_start
        count, first, last = repository.signal_reports(session, point.id, tags, since)
        if count >= settings.feedback_signal_threshold and first and last:
            tasks_service.record_evidence(
                session, point_id=point.id, kind=kind, count=count, first_at=first, last_at=last
            )
        elif task is not None and rejected_by is not None:
            tasks_service.resolve_tasks_for_point(
                session,
                point_id=point.id,
                by=rejected_by,
                resolution=Resolution.dismissed,
                note="reports rejected in moderation",
                kinds=[kind],
                organization_id=point.organization_id,
            )
