"""Console pages of the work queues: feedback moderation and verification tasks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from app.console import work
from app.console.dependencies import ConsoleDb, FormDep, StaffPageDep
from app.console.router import Notice, with_notice
from app.console.web import ConsoleRoute, Page, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

FeedbackState = Literal["pending", "approved", "rejected", "spam"]
Cursor = Annotated[str | None, Query(max_length=512)]


def _queue(
    page: Page, db: ConsoleDb, status: str, cursor: str | None, *, errors: list[str], code: int
) -> Response:
    queue = work.feedback_queue(db, page.staff.principal, status=status, cursor=cursor)
    return render(
        page,
        "moderation.html",
        status=code,
        title=page.t("moderation.title"),
        queue=queue,
        state=status,
        errors=errors,
    )


@router.get("/moderation", operation_id="consoleModeration", summary="Console: moderation queue")
def moderation_queue(
    page: StaffPageDep,
    db: ConsoleDb,
    status: FeedbackState = "pending",
    cursor: Cursor = None,
    notice: Notice = None,
) -> Response:
    return _queue(with_notice(page, notice), db, status, cursor, errors=[], code=200)


@router.post(
    "/moderation/{receipt}", operation_id="consoleDecideFeedback", summary="Console: decide"
)
def decide(
    page: StaffPageDep,
    form: FormDep,
    db: ConsoleDb,
    receipt: Annotated[str, Path(max_length=36)],
) -> Response:
    errors = work.decide_feedback(db, page.staff.principal, receipt, form, settings=page.settings)
    if errors:
        return _queue(page, db, "pending", None, errors=errors, code=422)
    return redirect("/console/moderation?notice=decided")


def _tasks(
    page: Page, db: ConsoleDb, cursor: str | None, *, errors: list[str], code: int
) -> Response:
    tasks = work.task_list(db, page.staff.principal, cursor=cursor)
    return render(
        page, "tasks.html", status=code, title=page.t("tasks.title"), tasks=tasks, errors=errors
    )


@router.get("/tasks", operation_id="consoleTasks", summary="Console: verification tasks")
def task_list(
    page: StaffPageDep, db: ConsoleDb, cursor: Cursor = None, notice: Notice = None
) -> Response:
    return _tasks(with_notice(page, notice), db, cursor, errors=[], code=200)


@router.post("/tasks/{task_id}", operation_id="consoleResolveTask", summary="Console: resolve")
def resolve_task(
    page: StaffPageDep,
    form: FormDep,
    db: ConsoleDb,
    task_id: Annotated[str, Path(max_length=36)],
) -> Response:
    errors = work.resolve_task(db, page.staff.principal, task_id, form)
    if errors:
        return _tasks(page, db, None, errors=errors, code=422)
    return redirect("/console/tasks?notice=resolved")
