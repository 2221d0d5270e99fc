"""The stored documents equal a fresh rendering after every kind of write, and the hot
path's pages equal the rendering path's, as time passes (a hypothesis state machine, on
each engine).

The writes go through the write paths' own functions (``app.service_points.writing``: the
write API, the console and the staff routes call them; the bulk writer of imports and the
seed), plus the ORM for what has no function of its own (organisation renames, category
translations, a verification task opened by feedback, a language added). Time passing is
simulated: the instant of ``open_now`` moves forward and the staleness threshold back by
the same amount, which is what waiting does to both; past the precomputed hours' horizon
``open_now`` is evaluated, and the periodic refresh of the hours (``refresh_hours``, at the
simulated instant) moves the horizon on. Points stand in three Antarctic zones with
daylight saving time of their own (Troll, McMurdo, Palmer).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.documents.building import refresh_hours
from app.documents.models import PointDocument
from app.documents.search import search_page
from app.geo.base import SearchBackend
from app.i18n.negotiation import negotiate
from app.languages.models import Language
from app.organizations.models import Organization
from app.public_points import service as points_service
from app.public_points.dependencies import PointQuery
from app.public_points.rendering import RenderCache
from app.service_points import bulk_repository, opening_weeks, writing
from app.service_points import state as point_state
from app.service_points.bulk import BulkWriter, NewPoint, PointChange
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.service_points.models import PointStatus, ServicePoint
from app.tasks.models import VerificationTask
from app.taxonomy.models import CategoryTranslation
from tests.documents.reference import HOURS as HOUR_COLUMNS
from tests.documents.reference import fresh, stored
from tests.factories import make_organization, point_payload

COUNTRY = "AQ"
LANGS = ("es", "en", "fr", "ht", "pt")
NAMES = st.sampled_from(["Albergue", "Shelter", "Abri", "Refugio norte", "Kay", "Casa"])
HOURS = st.sampled_from(
    [
        "24/7",
        "Mo-Fr 08:00-17:00",
        "Mo-Su 09:00-12:00; PH off",
        "Mo-Su 22:00-03:00",
        "Sa unknown; Mo-Fr 07:00-19:00",
        "Mo-Su 01:30-02:30",
        None,
    ]
)
# Troll (UTC+0/+2, European dates), McMurdo (New Zealand's), Palmer (no change): all AQ.
PLACES = st.sampled_from([(-75.0, 1.0), (-77.85, 166.67), (-64.8, -64.05)])
_HOURS = HOUR_COLUMNS
_WEEKS = opening_weeks.HORIZON_WEEKS * 7 * 24 * 60


def _aq_ids(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(ServicePoint.id)
            .where(ServicePoint.country == COUNTRY)
            .where(ServicePoint.status != PointStatus.draft.value)
            .where(ServicePoint.deleted_at.is_(None))
            .order_by(ServicePoint.id)
        )
    )


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def _hours_hold(session: Session, ids: list[int], now: dt.datetime) -> None:
    """Each row's precomputed hours are its hours' over its own horizon, which is the
    current one or a later one."""
    table = PointDocument.__table__
    rows = session.connection().execute(
        select(table.c.opening_hours, table.c.timezone, table.c.country, *table.c[_HOURS]).where(
            table.c.point_id.in_(ids)
        )
    )
    current = opening_weeks.horizon_at(now)[1]
    for expression, timezone, country, blob, until in rows:
        assert until is not None and until >= current
        horizon = (until - _WEEKS, until)
        expected = opening_weeks.week_changes(expression, timezone, country, horizon)
        assert _plain(blob) == expected, (expression, timezone, horizon)


class Writes(RuleBasedStateMachine):
    points = Bundle("points")

    def __init__(self, connection: Connection, backend: SearchBackend) -> None:
        super().__init__()
        self.savepoint = connection.begin_nested()
        self.session = Session(bind=connection, join_transaction_mode="create_savepoint")
        self.backend = backend
        self.org = make_organization(self.session)
        self.other = make_organization(self.session)
        self.passed = dt.timedelta()

    def teardown(self) -> None:
        self.session.close()
        self.savepoint.rollback()

    def _point(self, public_id: str) -> ServicePoint | None:
        return self.session.scalars(
            select(ServicePoint).where(ServicePoint.public_id == public_id)
        ).first()

    @initialize(target=points)
    def first_point(self) -> str:
        return self._create("es", ["es", "en"], "24/7", "exact", "Albergue", (-75.0, 1.0))

    def _create(
        self,
        original: str,
        langs: list[str],
        hours: str | None,
        precision: str,
        name: str,
        place: tuple[float, float],
    ) -> str:
        texts = {lang: {"name": f"{name} {lang}", "description": f"Texto {lang}"} for lang in langs}
        texts.setdefault(original, {"name": f"{name} {original}"})
        payload = point_payload(
            lat=place[0] + len(texts) * 0.01,
            lon=place[1],
            country=COUNTRY,
            original_language=original,
            translations=texts,
            opening_hours=hours,
            location_precision=precision,
        )
        data = ServicePointCreate.model_validate(payload)
        return writing.create_point(self.session, data, organization_id=self.org.id).public_id

    @rule(
        target=points,
        original=st.sampled_from(LANGS),
        langs=st.lists(st.sampled_from(LANGS), max_size=3, unique=True),
        hours=HOURS,
        precision=st.sampled_from(["exact", "approximate", "hidden"]),
        name=NAMES,
        place=PLACES,
    )
    def create(
        self,
        original: str,
        langs: list[str],
        hours: str | None,
        precision: str,
        name: str,
        place: tuple[float, float],
    ) -> str:
        return self._create(original, langs, hours, precision, name, place)

    @rule(
        public_id=points,
        hours=HOURS,
        free=st.sampled_from([True, False, None]),
        precision=st.sampled_from(["exact", "approximate", "hidden"]),
    )
    def patch(self, public_id: str, hours: str | None, free: bool | None, precision: str) -> None:
        point = self._point(public_id)
        if point is not None:
            data = ServicePointUpdate.model_validate(
                {"opening_hours": hours, "free": free, "location_precision": precision}
            )
            writing.update_point(self.session, point, data)

    @rule(public_id=points, lang=st.sampled_from(LANGS), name=NAMES, address=st.booleans())
    def translate(self, public_id: str, lang: str, name: str, address: bool) -> None:
        point = self._point(public_id)
        if point is not None:
            text = TranslationInput.model_validate(
                {"name": name, "address": "Calle 1" if address else None}
            )
            writing.put_translation(self.session, point, lang, text)

    @rule(public_id=points, lang=st.sampled_from(LANGS))
    def untranslate(self, public_id: str, lang: str) -> None:
        point = self._point(public_id)
        if point is not None and lang != point.original_language:
            writing.delete_translation(self.session, point, lang)

    @rule(public_id=points, status=st.sampled_from(list(PointStatus)))
    def status(self, public_id: str, status: PointStatus) -> None:
        point = self._point(public_id)
        if point is not None:
            writing.set_status(self.session, point, status)

    @rule(public_id=consumes(points))
    def delete(self, public_id: str) -> None:
        point = self._point(public_id)
        if point is not None:
            writing.soft_delete(self.session, point)

    @rule(public_id=points, by_other=st.booleans())
    def verify(self, public_id: str, by_other: bool) -> None:
        point = self._point(public_id)
        if point is not None:
            org = self.other if by_other else self.org
            writing.verify(self.session, point, organization_id=org.id)

    @rule(public_id=points, kind=st.sampled_from(["closed", "wrong_info"]))
    def feedback_warning(self, public_id: str, kind: str) -> None:
        point = self._point(public_id)
        if point is None:
            return
        found = self.session.scalars(
            select(VerificationTask).where(
                VerificationTask.point_id == point.id,
                VerificationTask.kind == kind,
                VerificationTask.status == "open",
            )
        ).first()
        if found is None:
            now = dt.datetime.now(dt.UTC)
            self.session.add(
                VerificationTask(
                    point_id=point.id, kind=kind, first_report_at=now, last_report_at=now
                )
            )
        else:
            found.status = "dismissed"
        self.session.flush()

    @rule(which=st.booleans(), name=NAMES)
    def rename_organisation(self, which: bool, name: str) -> None:
        org = self.session.get(Organization, (self.other if which else self.org).id)
        assert org is not None
        org.name = f"{name} {uuid.uuid4().hex[:4]}"
        self.session.flush()

    @rule(name=NAMES)
    def translate_category(self, name: str) -> None:
        found = self.session.get(CategoryTranslation, ("shelter", "fr"))
        if found is not None:
            found.name = name
            self.session.flush()

    @rule(
        n_new=st.integers(0, 2),
        public_id=points,
        lang=st.sampled_from(LANGS),
        name=NAMES,
    )
    def import_batch(self, n_new: int, public_id: str, lang: str, name: str) -> None:
        categories = writing.category_texts(self.session)
        batch: list[NewPoint | PointChange] = []
        for i in range(n_new):
            payload = point_payload(
                lat=-74.0 - i * 0.01,
                lon=2.0,
                country=COUNTRY,
                translations={lang: {"name": f"{name} {i}"}},
                original_language=lang,
            )
            new = point_state.created(ServicePointCreate.model_validate(payload))
            batch.append(NewPoint(str(uuid.uuid4()), new))
        point = self._point(public_id)
        if point is not None and point.organization_id == self.org.id:
            self.session.flush()
            loaded = bulk_repository.load(self.session, [point.id])[point.id]
            texts = {**loaded.state.translations, lang: {"name": f"{name} import"}}
            after = dataclasses.replace(loaded.state, translations=texts)
            batch.append(PointChange(loaded, after, frozenset({lang})))
            self.session.expire(point)
        BulkWriter(self.session, organization_id=self.org.id, categories=categories).write(batch)

    @rule(tag=st.sampled_from(["de", "qu", "ar"]))
    def add_language(self, tag: str) -> None:
        if self.session.get(Language, tag) is None:
            self.session.add(Language(tag=tag, endonym=tag))
            self.session.flush()

    @rule(hours=st.one_of(st.integers(1, 24 * 400), st.integers(1, 24 * 14)))
    def time_passes(self, hours: int) -> None:
        self.passed += dt.timedelta(hours=hours)

    @rule(days=st.integers(0, 8))
    def hours_refreshed(self, days: int) -> None:
        """The periodic refresh of the precomputed hours, run at the simulated instant."""
        self.session.flush()
        now = dt.datetime.now(dt.UTC) + self.passed
        refresh_hours(self.session, now=now, within=dt.timedelta(days=days))

    @invariant()
    def documents_equal_a_fresh_rendering(self) -> None:
        self.session.flush()
        ids = _aq_ids(self.session)
        tags = list(self.session.scalars(select(Language.tag)))
        assert stored(self.session, ids) == fresh(self.session, ids, tags)
        now = dt.datetime.now(dt.UTC)
        _hours_hold(self.session, ids, now)
        stale_after = dt.timedelta(days=365) - self.passed
        cases = [(tag, view, False) for tag in [None, *tags] for view in ("full", "summary")]
        cases += [(None, "full", True), (tags[-1], "summary", True)]
        for tag, view, open_now in cases:
            pref = negotiate(lang=tag, accept_language=None, default="es", supported=tags)
            query = PointQuery(
                near=None,
                radius_m=25_000,
                bbox=None,
                categories=(),
                audiences=(),
                spoken_languages=(),
                countries=(COUNTRY,),
                open_now=open_now,
                at=now + self.passed,
                free=None,
                verified_since=None,
                q=None,
                limit=200,
                cursor=None,
                view=view,
            )
            old = points_service.search_points(
                self.session,
                self.backend,
                query,
                pref=pref,
                stale_after=stale_after,
                cache=RenderCache(),
            )
            new = search_page(
                self.session,
                self.backend,
                query,
                pref=pref,
                key=tag or "",
                stale_after=stale_after,
            )
            assert new is not None
            assert new.body() == old.body(), (tag, view)
            assert new.languages == old.languages


def test_documents_follow_every_write(app: Any, connection: Connection) -> None:
    backend = app.state.search
    run_state_machine_as_test(
        lambda: Writes(connection, backend),
        settings=settings(
            max_examples=8,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
