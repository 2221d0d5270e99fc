"""Alerts over HTTP: the public reads (JSON, CAP 1.2, Atom) and the staff lifecycle."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Body,
    Header,
    Path,
    Query,
    Request,
    Response,
    status,
)

from app.accounts.dependencies import STAFF_CACHE_CONTROL, CurrentStaff, require_json
from app.alerts import push, reading, rendering, service
from app.alerts.cap import ATOM_MEDIA_TYPE, CAP_MEDIA_TYPE, atom_feed, cap_document
from app.alerts.dependencies import AlertQueryDep
from app.alerts.inputs import AlertCreate, AlertTranslationInput, AlertUpdate, CancelRequest
from app.alerts.models import AlertStatus
from app.alerts.schemas import (
    AlertPage,
    AlertRead,
    PushKey,
    StaffAlertPage,
    StaffAlertRead,
    SubscribeRequest,
    SubscriptionRead,
    UnsubscribeRequest,
)
from app.client_address import client_address
from app.countries.codes import country_name
from app.countries.dependencies import CountryCodeDep
from app.db import ReadSessionDep, SessionDep
from app.hosts import public_base
from app.ratelimit import limiter_for
from app.web.languages import LangDep
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["alerts"])

READ_ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((401, 403, 404, 422), PROBLEM)
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    **dict.fromkeys((409, 412, 413, 415, 428), PROBLEM),
}
AlertId = Annotated[str, Path(description="Public id (UUID)", max_length=36)]
Lang = Annotated[str, Path(description="BCP 47 language tag", max_length=35)]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag of the version you are changing (required)", max_length=200),
]
VARY = "Accept, Accept-Language, Accept-Encoding"


def _absolute(request: Request) -> tuple[str, dict[str, str]]:
    """The base of absolute URLs (``RUMBO_PUBLIC_URL``, or the request's host in development)
    and the headers of the response that writes them (``Vary: Host`` when from the request):
    a body written for one ``Host`` is never served to another (see :mod:`app.hosts`)."""
    carrier = Response()
    base = public_base(request, carrier)
    return base, {"Vary": ", ".join([VARY, *carrier.headers.getlist("Vary")])}


def _tag(response: Response, item: StaffAlertRead) -> StaffAlertRead:
    response.headers["ETag"] = item.etag
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return item


# --- public -------------------------------------------------------------------------------


@router.get(
    "/alerts",
    operation_id="listAlerts",
    summary="Active alerts covering a place, a map area or countries; most severe first",
    response_model=AlertPage,
    response_model_exclude_none=True,
    responses={422: PROBLEM},
)
def list_alerts(
    response: Response, session: ReadSessionDep, pref: LangDep, query: AlertQueryDep
) -> AlertPage:
    """`near=lat,lon`: alerts whose area covers the place; `bbox`: alerts reaching into the
    box; `country`, `category`: any of. Expired alerts drop out at their `expires` time;
    apps drop them at that time too, even offline. The place is neither logged nor stored."""
    response.headers["Vary"] = VARY
    if query.near is not None:
        response.headers["Cache-Control"] = "no-store"
    return reading.list_public(
        session,
        near=query.near,
        bbox=query.bbox,
        countries=query.countries,
        categories=query.categories,
        pref=pref,
        limit=query.limit,
    )


@router.get(
    "/alerts/feed/{code}.atom",
    operation_id="getAlertFeed",
    summary="Atom feed of a country's active alerts (each entry links its CAP 1.2 document)",
    response_class=Response,
    responses={200: {"content": {ATOM_MEDIA_TYPE: {}}}, 404: PROBLEM, 422: PROBLEM},
)
def alert_feed(
    request: Request, session: ReadSessionDep, pref: LangDep, code: CountryCodeDep
) -> Response:
    now = dt.datetime.now(dt.UTC)
    alerts = reading.active_in_country(session, code, now)
    base, headers = _absolute(request)
    body = atom_feed(
        alerts,
        country=code,
        country_name=country_name(code, pref.chain).text,
        self_url=f"{base}/v1/alerts/feed/{code}.atom",
        alert_url=base + "/v1/alerts/{id}",
        lang=pref.served,
        now=now,
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE, headers=headers)


@router.get(
    "/alerts/{alert_id}",
    operation_id="getAlert",
    summary="One active alert (JSON, or CAP 1.2 with Accept: application/cap+xml)",
    response_model=AlertRead,
    response_model_exclude_none=True,
    responses={
        200: {"content": {CAP_MEDIA_TYPE: {}}},
        404: PROBLEM,
        410: PROBLEM,
        422: PROBLEM,
    },
)
def get_alert(
    request: Request,
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    alert_id: AlertId,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """`410` once the alert expired or was cancelled (`state` says which)."""
    now = dt.datetime.now(dt.UTC)
    alert = reading.get_public_alert(session, alert_id, now)
    if accept and CAP_MEDIA_TYPE in accept:
        base, headers = _absolute(request)
        host = urlsplit(base).hostname or "localhost"
        body = cap_document(
            alert,
            sender=f"{alert.organization.slug}@{host}",
            web=f"{base}/v1/alerts/{alert.public_id}",
        )
        return Response(body, media_type=CAP_MEDIA_TYPE, headers=headers)
    response.headers["Vary"] = VARY
    return rendering.render_public(alert, pref, now)


# --- staff --------------------------------------------------------------------------------


@router.post(
    "/alerts",
    operation_id="createAlert",
    summary="Create an alert as a draft (editors)",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffAlertRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[require_json],
)
def create_alert(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    body: AlertCreate,
    organization: Annotated[
        str | None,
        Query(description="Organisation (id); needed when you write for several", max_length=100),
    ] = None,
) -> StaffAlertRead:
    item = service.create_alert(session, principal, body, organization=organization)
    response.headers["Location"] = f"/v1/staff/alerts/{item.id}"
    return _tag(response, item)


@router.get(
    "/staff/alerts",
    operation_id="listStaffAlerts",
    summary="Alerts of your organisations, drafts and cancelled ones included",
    response_model=StaffAlertPage,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
)
def list_staff_alerts(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    organization: Annotated[str | None, Query(max_length=100)] = None,
    alert_status: Annotated[AlertStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> StaffAlertPage:
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return service.list_staff(
        session,
        principal,
        organization=organization,
        status=alert_status.value if alert_status else None,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/staff/alerts/{alert_id}",
    operation_id="getStaffAlert",
    summary="One alert of your organisation with every translation and its ETag",
    response_model=StaffAlertRead,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
)
def get_staff_alert(
    response: Response, session: SessionDep, principal: CurrentStaff, alert_id: AlertId
) -> StaffAlertRead:
    return _tag(response, service.get_staff_alert(session, principal, alert_id))


@router.patch(
    "/alerts/{alert_id}",
    operation_id="updateAlert",
    summary="Change a draft; of a published alert only `expires` (editors; If-Match)",
    response_model=StaffAlertRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[require_json],
)
def update_alert(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    alert_id: AlertId,
    body: AlertUpdate,
    if_match: IfMatch = None,
) -> StaffAlertRead:
    item = service.update_alert(session, principal, alert_id, body, if_match=if_match)
    return _tag(response, item)


@router.put(
    "/alerts/{alert_id}/translations/{lang}",
    operation_id="putAlertTranslation",
    summary="Create or replace one language of an alert (translators, editors; If-Match)",
    response_model=StaffAlertRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[require_json],
)
def put_alert_translation(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    alert_id: AlertId,
    lang: Lang,
    body: AlertTranslationInput,
    if_match: IfMatch = None,
) -> StaffAlertRead:
    item, created = service.put_translation(
        session, principal, alert_id, lang, body, if_match=if_match
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _tag(response, item)


@router.post(
    "/alerts/{alert_id}/publish",
    operation_id="publishAlert",
    summary="Publish a draft (editors; Severe and Extreme need a second person; If-Match)",
    response_model=StaffAlertRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
)
def publish_alert(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    principal: CurrentStaff,
    alert_id: AlertId,
    if_match: IfMatch = None,
) -> StaffAlertRead:
    """Subscribers of its countries' and category's topics get a Web Push after the
    response (once the publication is committed)."""
    item = service.publish_alert(session, principal, alert_id, if_match=if_match)
    background.add_task(
        push.deliver, request.app.state.database, request.app.state.settings, item.id
    )
    return _tag(response, item)


@router.post(
    "/alerts/{alert_id}/cancel",
    operation_id="cancelAlert",
    summary="Cancel an alert: it leaves every answer at once (editors; If-Match)",
    response_model=StaffAlertRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
)
def cancel_alert(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    alert_id: AlertId,
    body: Annotated[CancelRequest | None, Body()] = None,
    if_match: IfMatch = None,
) -> StaffAlertRead:
    item = service.cancel_alert(session, principal, alert_id, body, if_match=if_match)
    return _tag(response, item)


# --- Web Push -----------------------------------------------------------------------------


@router.get(
    "/push/key",
    operation_id="getPushKey",
    summary="The VAPID key apps subscribe with (Web Push)",
    response_model=PushKey,
    responses={503: PROBLEM},
)
def get_push_key(request: Request) -> PushKey:
    return PushKey(public_key=push.public_key(request.app.state.settings))


@router.post(
    "/push/subscriptions",
    operation_id="subscribeToAlerts",
    summary="Subscribe (or renew) a Web Push subscription to alert topics",
    response_model=SubscriptionRead,
    responses={422: PROBLEM, 429: PROBLEM, 503: PROBLEM},
)
def subscribe(
    request: Request, response: Response, session: SessionDep, body: SubscribeRequest
) -> SubscriptionRead:
    """Topics are `country:<ISO code>` or `category:<alert category>`, never a place. Only
    the endpoint, its keys, the topics and an expiry are stored; subscribe again before
    `expires_at` to renew. A country topic tells the server which country you follow."""
    response.headers["Cache-Control"] = "no-store"
    settings = request.app.state.settings
    push.throttle(limiter_for(request.app), settings, client_address(request))
    row = push.subscribe(
        session,
        settings,
        endpoint=body.subscription.endpoint,
        p256dh=body.subscription.keys.p256dh,
        auth=body.subscription.keys.auth,
        topics=body.topics,
    )
    return SubscriptionRead(topics=[t.topic for t in row.topics], expires_at=row.expires_at)


@router.post(
    "/push/subscriptions/delete",
    operation_id="unsubscribeFromAlerts",
    summary="Remove a Web Push subscription",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: PROBLEM},
)
def unsubscribe(session: SessionDep, body: UnsubscribeRequest) -> Response:
    push.unsubscribe(session, body.endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"Cache-Control": "no-store"})
