"""Verification tasks for staff (``/v1/tasks``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from app.accounts.dependencies import CurrentStaff
from app.db import SessionDep
from app.tasks import service
from app.tasks.models import TaskKind
from app.tasks.schemas import TaskPage, TaskRead, TaskResolutionInput
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1", tags=["verification tasks"])

ERRORS: dict[int | str, dict[str, Any]] = {401: PROBLEM, 403: PROBLEM, 422: PROBLEM}


@router.get(
    "/tasks",
    operation_id="listVerificationTasks",
    summary="Verification tasks of your organisations (all of them for administrators)",
    response_model=TaskPage,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def list_tasks(
    session: SessionDep,
    staff: CurrentStaff,
    status: Annotated[Literal["open", "resolved", "all"], Query()] = "open",
    kind: Annotated[TaskKind | None, Query()] = None,
    point: Annotated[str | None, Query(description="Public id of a point", max_length=36)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TaskPage:
    """Tasks are opened when several independent reports say a point is closed, has wrong
    details or is unsafe. Verifying the point resolves them."""
    return service.list_tasks(
        session,
        actor=staff,
        status=status,
        kind=kind,
        point_public_id=point,
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/tasks/{task_id}/resolution",
    operation_id="resolveVerificationTask",
    summary="Close a task: the point was verified, or the reports were wrong",
    response_model=TaskRead,
    response_model_exclude_none=True,
    responses={**ERRORS, 404: PROBLEM, 409: PROBLEM},
)
def resolve_task(
    session: SessionDep,
    staff: CurrentStaff,
    task_id: Annotated[str, Path(max_length=36)],
    data: TaskResolutionInput,
) -> TaskRead:
    return service.resolve(session, actor=staff, task_id=task_id, data=data)
