"""Console pages of alerts: the list (active, scheduled, drafts, ended), a new draft,
a translation, publish and cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Response

from app.alerts import push
from app.alerts import service as alerts_service
from app.alerts.models import AlertCategory, Certainty, Severity, Urgency
from app.console import alerts
from app.console.dependencies import (
    MAX_FIELD_BYTES,
    ConsoleDb,
    FormDep,
    StaffPageDep,
    UploadFormDep,
)
from app.console.router import Notice, with_notice
from app.console.web import ConsoleRoute, Page, redirect, render
from app.i18n.tags import InvalidLanguageTag, normalise_tag

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

AlertId = Annotated[str, Path(max_length=36)]


def _list(page: Page, db: ConsoleDb, *, errors: list[str], code: int) -> Response:
    groups = alerts.groups(db, page.staff.principal)
    return render(
        page,
        "alerts.html",
        status=code,
        title=page.t("alerts.title"),
        groups=groups,
        on_map=alerts.on_map(groups),
        errors=errors,
    )


@router.get("/alerts", operation_id="consoleAlerts", summary="Console: alerts")
def alert_list(page: StaffPageDep, db: ConsoleDb, notice: Notice = None) -> Response:
    return _list(with_notice(page, notice), db, errors=[], code=200)


def _form(
    page: Page, db: ConsoleDb, *, errors: list[str], values: dict[str, str], code: int
) -> Response:
    return render(
        page,
        "alert_form.html",
        status=code,
        title=page.t("alerts.new"),
        errors=errors,
        area_errors=alerts.area_errors(errors),
        max_file_bytes=alerts.MAX_AREA_FILE_BYTES,
        max_field_bytes=MAX_FIELD_BYTES,
        values=values,
        categories=[c.value for c in AlertCategory],
        severities=[s.value for s in Severity],
        urgencies=[u.value for u in Urgency],
        certainties=[c.value for c in Certainty],
        organizations=alerts.organizations_for(db, page.staff.principal),
    )


@router.get("/alerts/new", operation_id="consoleNewAlert", summary="Console: new alert")
def new_alert(page: StaffPageDep, db: ConsoleDb) -> Response:
    return _form(page, db, errors=[], values={"original_language": page.lang}, code=200)


@router.post("/alerts/new", operation_id="consoleCreateAlert", summary="Console: create alert")
def create_alert(page: StaffPageDep, form: UploadFormDep, db: ConsoleDb) -> Response:
    item, errors = alerts.create(db, page.staff.principal, form)
    if item is None:
        return _form(page, db, errors=errors, values=alerts.form_values(form), code=422)
    return redirect("/console/alerts?notice=saved")


@router.get(
    "/alerts/{alert_id}/translations",
    operation_id="consoleAlertTranslation",
    summary="Console: translate an alert",
)
def translation(
    page: StaffPageDep,
    db: ConsoleDb,
    alert_id: AlertId,
    lang: Annotated[str, Query(max_length=35)] = "en",
) -> Response:
    return _translation(page, db, alert_id, lang, errors=[], code=200)


def _translation(
    page: Page, db: ConsoleDb, alert_id: str, lang: str, *, errors: list[str], code: int
) -> Response:
    try:
        tag = normalise_tag(lang)
    except InvalidLanguageTag as exc:
        tag, errors, code = "en", [*errors, str(exc)], 422
    item = alerts_service.get_staff_alert(db, page.staff.principal, alert_id)
    return render(
        page,
        "alert_translation.html",
        status=code,
        title=f"{page.t('alerts.translate')} · {item.title}",
        alert=item,
        lang=tag,
        original=item.translations[item.original_language],
        current=item.translations.get(tag),
        errors=errors,
    )


@router.post(
    "/alerts/{alert_id}/translations",
    operation_id="consoleSaveAlertTranslation",
    summary="Console: save an alert translation",
)
def save_translation(
    page: StaffPageDep,
    form: FormDep,
    db: ConsoleDb,
    alert_id: AlertId,
    lang: Annotated[str, Query(max_length=35)] = "en",
) -> Response:
    errors = alerts.save_translation(db, page.staff.principal, alert_id, lang, form)
    if errors:
        return _translation(page, db, alert_id, lang, errors=errors, code=422)
    return redirect("/console/alerts?notice=saved")


@router.post(
    "/alerts/{alert_id}/publish", operation_id="consolePublishAlert", summary="Console: publish"
)
def publish_alert(
    page: StaffPageDep,
    form: FormDep,
    db: ConsoleDb,
    background: BackgroundTasks,
    alert_id: AlertId,
) -> Response:
    errors = alerts.publish(db, page.staff.principal, alert_id, form)
    if errors:
        return _list(page, db, errors=errors, code=422)
    background.add_task(push.deliver, page.request.app.state.database, page.settings, alert_id)
    return redirect("/console/alerts?notice=published")


@router.post(
    "/alerts/{alert_id}/cancel", operation_id="consoleCancelAlert", summary="Console: cancel"
)
def cancel_alert(page: StaffPageDep, form: FormDep, db: ConsoleDb, alert_id: AlertId) -> Response:
    errors = alerts.cancel(db, page.staff.principal, alert_id, form)
    if errors:
        return _list(page, db, errors=errors, code=422)
    return redirect("/console/alerts?notice=cancelled")
