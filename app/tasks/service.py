"""Opening, listing and resolving verification tasks; the warnings they put on points.

Feedback opens tasks (``record_evidence``) when enough independent reports agree; staff
resolve them, either here or by verifying the point (``resolve_tasks_for_point``, called
from the point verification path). Functions only ``flush``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.accounts.models import Role
from app.audit import service as audit
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationProblem
from app.i18n.fallback import localise
from app.service_points.models import ServicePoint
from app.tasks import repository
from app.tasks.models import (
    WARNING_FOR_KIND,
    Resolution,
    TaskKind,
    TaskStatus,
    VerificationTask,
)
from app.tasks.schemas import TaskPage, TaskPoint, TaskRead, TaskResolutionInput
from app.tasks.warnings import warning_messages
from app.web.cursors import decode_cursor, encode_cursor, query_fingerprint

__all__ = [
    "INFORMATION_KINDS",
    "STAFF_ROLES",
    "baseline",
    "list_tasks",
    "open_task",
    "record_evidence",
    "resolve",
    "resolve_tasks_for_point",
    "warning_texts",
    "warnings_for",
]

# Who sees and resolves an organisation's tasks (its admins too, and platform admins).
STAFF_ROLES = (Role.editor, Role.moderator)
# What verifying a point settles: reports about its information, not about conduct.
INFORMATION_KINDS = (TaskKind.closed, TaskKind.wrong_info)


def warning_texts(codes: Iterable[str], chain: Sequence[str]) -> list[dict[str, str]]:
    """Each warning code with its message in the best language of ``chain``: what the
    travellers reported, said to be unconfirmed until staff check it."""
    texts = warning_messages()
    out = []
    for code in codes:
        text = localise({k: {"m": v} for k, v in texts.get(code, {}).items()}, ("m",), chain)
        out.append({"code": code, "message": text.values.get("m", code), "lang": text.lang or "en"})
    return out


def warnings_for(session: Session, point_ids: Collection[int]) -> dict[int, list[str]]:
    """Public warning codes of each point that has open closure or wrong-details tasks."""
    out: dict[int, list[str]] = {}
    for point_id, kinds in repository.open_kinds(session, point_ids).items():
        codes = [WARNING_FOR_KIND[k] for k in kinds if k in WARNING_FOR_KIND]
        if codes:
            out[point_id] = codes
    return out


def open_task(session: Session, *, point_id: int, kind: TaskKind) -> VerificationTask | None:
    return repository.open_task(session, point_id, kind.value)


def baseline(session: Session, *, point: ServicePoint, kind: TaskKind) -> dt.datetime | None:
    """Reports before this moment are settled: the point's last verification or task."""
    stamps = [
        s
        for s in (point.last_verified_at, repository.last_resolved_at(session, point.id, kind))
        if s is not None
    ]
    return max(stamps) if stamps else None


def record_evidence(
    session: Session,
    *,
    point_id: int,
    kind: TaskKind,
    count: int,
    first_at: dt.datetime,
    last_at: dt.datetime,
) -> VerificationTask:
    """Open the task for ``kind`` on a point, or bring the open one up to date."""
    task = repository.open_task(session, point_id, kind.value)
    if task is None:
        task = VerificationTask(
            point_id=point_id,
            kind=kind.value,
            status=TaskStatus.open.value,
            report_count=count,
            first_report_at=first_at,
            last_report_at=last_at,
            opened_at=utcnow(),
        )
        if repository.add_open(session, task):
            return task
        # A concurrent request opened it first: update that one instead.
        task = repository.open_task(session, point_id, kind.value)
        assert task is not None
    task.report_count = max(task.report_count, count)
    task.last_report_at = max(task.last_report_at, last_at)
    session.flush()
    return task


def _close(
    session: Session,
    task: VerificationTask,
    *,
    actor: Principal | None,
    resolution: Resolution,
    note: str | None,
    organization_id: str | None,
) -> None:
    task.status = TaskStatus.resolved.value
    task.resolution = resolution.value
    task.resolution_note = note
    task.resolved_at = utcnow()
    task.resolved_by_user_id = actor.user_id if actor else None
    task.resolved_by_api_key_id = actor.api_key_id if actor else None
    session.flush()
    if actor is not None:
        audit.record(
            session,
            actor=actor,
            organization_id=organization_id,
            entity_type="verification_task",
            entity_id=task.public_id,
            action=f"resolve.{resolution.value}",
            changes={"status": ["open", "resolved"], "resolution": [None, resolution.value]},
        )


def resolve_tasks_for_point(
    session: Session,
    *,
    point_id: int,
    by: Principal | None,
    resolution: Resolution = Resolution.verified,
    note: str | None = None,
    kinds: Iterable[TaskKind] = INFORMATION_KINDS,
    organization_id: str | None = None,
) -> list[VerificationTask]:
    """Resolve the point's open tasks of ``kinds``; returns them.

    Called when staff verify a point: checking its information settles reports that it is
    closed or wrong. Safety concerns are not about the record and stay open until someone
    resolves them explicitly (``resolve``).
    """
    wanted = {k.value for k in kinds}
    closed = []
    for task in repository.open_tasks_for_point(session, point_id):
        if task.kind in wanted:
            _close(
                session,
                task,
                actor=by,
                resolution=resolution,
                note=note,
                organization_id=organization_id,
            )
            closed.append(task)
    return closed


def _scope(actor: Principal) -> list[str] | None:
    if actor.is_admin:
        return None
    organizations = actor.organizations_with(*STAFF_ROLES)
    if not organizations:
        raise Forbidden("this needs the editor or moderator role in an organisation")
    return organizations


def _read(task: VerificationTask, point: ServicePoint) -> TaskRead:
    names = {t.lang: t.name for t in point.translations}
    name = names.get(point.original_language) or next(iter(names.values()), "")
    return TaskRead(
        id=task.public_id,
        kind=TaskKind(task.kind).value,
        status=TaskStatus(task.status).value,
        warning=WARNING_FOR_KIND.get(task.kind) if task.status == TaskStatus.open else None,
        point=TaskPoint(id=point.public_id, name=name, organization=point.organization.slug),
        report_count=task.report_count,
        first_report_at=task.first_report_at,
        last_report_at=task.last_report_at,
        opened_at=task.opened_at,
        resolved_at=task.resolved_at,
        resolution=Resolution(task.resolution).value if task.resolution else None,
        resolution_note=task.resolution_note,
        resolved_by_user_id=task.resolved_by_user_id,
        resolved_by_api_key_id=task.resolved_by_api_key_id,
    )


def list_tasks(
    session: Session,
    *,
    actor: Principal,
    status: str,
    kind: TaskKind | None,
    point_public_id: str | None,
    cursor: str | None,
    limit: int,
) -> TaskPage:
    """Tasks of the actor's organisations (every task for platform administrators)."""
    organizations = _scope(actor)
    point_id = None
    if point_public_id is not None:
        point = repository.point_by_public_id(session, point_public_id)
        if point is None or (
            organizations is not None and point.organization_id not in organizations
        ):
            raise ValidationProblem.for_field("query", "point", "no such point among yours")
        point_id = point.id
    fingerprint = query_fingerprint(
        {"s": status, "k": kind, "p": point_public_id, "o": organizations}
    )
    after = decode_cursor(cursor, fingerprint=fingerprint)["i"] if cursor else None
    rows = repository.list_tasks(
        session,
        organization_ids=organizations,
        status=TaskStatus(status).value if status != "all" else None,
        kind=kind.value if kind else None,
        point_id=point_id,
        after_id=int(after) if after is not None else None,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = (
        encode_cursor({"f": fingerprint, "i": page[-1][0].id}) if len(rows) > limit else None
    )
    return TaskPage(items=[_read(t, p) for t, p in page], next_cursor=next_cursor)


def resolve(
    session: Session, *, actor: Principal, task_id: str, data: TaskResolutionInput
) -> TaskRead:
    """Close one task as verified or dismissed (editors and moderators of the point's owner)."""
    found = repository.by_public_id(session, task_id)
    if found is None:
        raise NotFound(f"no task with id {task_id!r}")
    task, point = found
    authorize(actor, point.organization_id, *STAFF_ROLES, what="task", ident=task_id)
    if task.status != TaskStatus.open:
        raise Conflict(f"task {task_id!r} is already resolved")
    _close(
        session,
        task,
        actor=actor,
        resolution=Resolution(data.resolution),
        note=data.note,
        organization_id=point.organization_id,
    )
    return _read(task, point)
