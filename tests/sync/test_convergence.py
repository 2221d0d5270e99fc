"""A client replica always converges to the server's public state (points and alerts).

Writes go through ``app.service_points.writing`` with real commits on a brand-new database;
syncs go through HTTP. A stateful property test interleaves random writes with syncs from an
empty replica or from any earlier cursor; other tests race writes against a sync with real
threads and hold a writer's transaction open while a client syncs.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, update

from app.alerts.models import Alert, AlertStatus, AlertTranslation
from app.countries.boundaries import codes_touching
from app.db import utcnow
from app.geo.areas import normalise_area
from app.service_points import writing
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.service_points.models import PointStatus, ServicePoint
from tests.factories import point_payload
from tests.sync.helpers import Replica, minimal_world, public_points, replica_points, sync

# Places in Colombia and Panama; the map area covers some of each.
PLACES = {
    "CO": [(8.5126, -76.7821), (4.6097, -74.0817), (10.3910, -75.4794)],
    "PA": [(8.9824, -79.5199), (8.4, -78.1)],
}
AREA = "-80,8,-76,11"
LANGS = "es,en,fr"
NAMES = st.text(alphabet="abcdefghij ñé", min_size=1, max_size=12).map(str.strip).filter(bool)


def _in_area(lat: float, lon: float) -> bool:
    return 8 <= lat <= 11 and -80 <= lon <= -76


class World:
    """One fresh database, its app and client, kept across hypothesis examples."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.database = app.state.database
        self.org = minimal_world(app)
        self.client = TestClient(app)

    def write(self, action: Any) -> Any:
        with self.database.session() as session, session.begin():
            return action(session)

    def point(self, session: Any, public_id: str) -> ServicePoint | None:
        return session.scalars(
            select(ServicePoint).where(ServicePoint.public_id == public_id)
        ).first()

    def create(self, session: Any, *, country: str, place: int, status: str, name: str) -> str:
        lat, lon = PLACES[country][place % len(PLACES[country])]
        data = ServicePointCreate.model_validate(
            point_payload(
                country=country,
                lat=lat,
                lon=lon,
                status=status,
                translations={"es": {"name": name, "description": "d"}},
            )
        )
        return writing.create_point(session, data, organization_id=self.org).public_id

    def create_alert(self, session: Any, *, countries: list[str], published: bool) -> str:
        area, touched = normalise_area(
            {"type": "Countries", "countries": countries}, touching=codes_touching
        )
        now = utcnow()
        alert = Alert(
            organization_id=self.org,
            category="scam",
            severity="Moderate",
            urgency="Expected",
            certainty="Likely",
            area=area,
            countries=touched,
            effective_at=now,
            expires_at=now + dt.timedelta(days=1),
            original_language="es",
            status=(AlertStatus.published if published else AlertStatus.draft).value,
            published_at=now if published else None,
            authors=["cli"],
            translations=[AlertTranslation(lang="es", title="Estafa")],
        )
        session.add(alert)
        session.flush()
        return alert.public_id

    def expected_alerts(self, country: str) -> set[str]:
        """Published, unexpired alerts of ``country``, straight from the table."""
        with self.database.session() as session:
            now = utcnow()
            return {
                a.public_id
                for a in session.scalars(select(Alert))
                if a.status == "published" and a.expires_at > now and country in a.countries
            }

    def expected(self, country: str) -> dict[str, Any]:
        with self.database.session() as session:
            return public_points(session, country=country)

    def expected_in_area(self) -> dict[str, Any]:
        with self.database.session() as session:
            found = {}
            for country in PLACES:
                for key, value in public_points(session, country=country).items():
                    if _in_area(value["location"]["lat"], value["location"]["lon"]):
                        found[key] = value
            return found


def check_converged(world: World, replica: Replica, area: Replica, *, snapshot: bool) -> None:
    assert replica_points(replica) == world.expected("CO")
    assert set(replica.records["alerts"]) == world.expected_alerts("CO")
    assert replica_points(area) == world.expected_in_area()
    if snapshot:
        # The replica equals a snapshot taken now, record for record (taxonomy included).
        for kept, params in ((replica, {"country": "CO"}), (area, {"bbox": AREA})):
            fresh = Replica()
            sync(world.client, fresh, lang=LANGS, **params)
            assert kept.records == fresh.records


class SyncMachine(RuleBasedStateMachine):
    world: World

    points = Bundle("points")
    alerts = Bundle("alerts")

    def __init__(self) -> None:
        super().__init__()
        self.replica = Replica()
        self.area = Replica()
        self.earlier: list[tuple[Replica, Replica]] = [(Replica(), Replica())]

    @initialize(target=points)
    def some_points_already_synced(self) -> Any:
        """Start with points both replicas hold, so any later change must reach them."""
        ids = [
            self.world.write(
                lambda s, i=i: self.world.create(
                    s, country="CO", place=0 if i < 2 else 2, status="published", name=f"p{i}"
                )
            )
            for i in range(3)
        ]
        self.sync_now(500)
        return multiple(*ids)

    @rule(
        target=points,
        country=st.sampled_from(sorted(PLACES)),
        place=st.integers(0, 2),
        status=st.sampled_from(["published", "published", "draft", "temporarily_closed"]),
        name=NAMES,
    )
    def create(self, country: str, place: int, status: str, name: str) -> str:
        return str(
            self.world.write(
                lambda s: self.world.create(
                    s, country=country, place=place, status=status, name=name
                )
            )
        )

    def _on(self, public_id: str, change: Any) -> None:
        def action(session: Any) -> None:
            point = self.world.point(session, public_id)
            if point is not None:
                change(session, point)

        self.world.write(action)

    @rule(
        public_id=points,
        operation=st.sampled_from(["update", "translate", "untranslate"]),
        lang=st.sampled_from(["en", "fr"]),
        name=NAMES,
    )
    def edit(self, public_id: str, operation: str, lang: str, name: str) -> None:
        def change(session: Any, point: ServicePoint) -> None:
            if operation == "update":
                writing.update_point(session, point, ServicePointUpdate(locality=name))
            elif operation == "translate":
                text = TranslationInput(name=name, description=f"{lang} text")
                writing.put_translation(session, point, lang, text)
            else:
                writing.delete_translation(session, point, lang)

        self._on(public_id, change)

    @rule(public_id=points, country=st.sampled_from(sorted(PLACES)), place=st.integers(0, 2))
    def move(self, public_id: str, country: str, place: int) -> None:
        lat, lon = PLACES[country][place % len(PLACES[country])]
        update = ServicePointUpdate(lat=lat, lon=lon, country=country)
        self._on(public_id, lambda session, point: writing.update_point(session, point, update))

    @rule(
        public_id=points,
        operation=st.sampled_from(["status", "status", "soft_delete", "purge"]),
        status=st.sampled_from(list(PointStatus)),
    )
    def retire(self, public_id: str, operation: str, status: PointStatus) -> None:
        def change(session: Any, point: ServicePoint) -> None:
            if operation == "status":
                writing.set_status(session, point, status)
            elif operation == "soft_delete":
                writing.soft_delete(session, point)
            else:
                session.delete(point)

        self._on(public_id, change)

    @rule(
        target=alerts,
        countries=st.sampled_from([["CO"], ["PA"], ["CO", "PA"]]),
        published=st.booleans(),
    )
    def create_alert(self, countries: list[str], published: bool) -> str:
        return str(
            self.world.write(
                lambda s: self.world.create_alert(s, countries=countries, published=published)
            )
        )

    @rule(public_id=alerts, operation=st.sampled_from(["publish", "cancel", "expire", "retitle"]))
    def change_alert(self, public_id: str, operation: str) -> None:
        def action(session: Any) -> None:
            alert = session.scalars(select(Alert).where(Alert.public_id == public_id)).one()
            if operation == "publish" and alert.status == "draft":
                alert.status, alert.published_at = "published", utcnow()
            elif operation == "cancel":
                alert.status, alert.cancelled_at = "cancelled", utcnow()
            elif operation == "retitle":
                alert.translations[0].title = f"Estafa {alert.version}"
            elif operation == "expire":
                # The clock passes the expiry: a statement, not an ORM change (no change log).
                session.execute(
                    update(Alert)
                    .where(Alert.id == alert.id)
                    .values(expires_at=utcnow() - dt.timedelta(seconds=1))
                    .execution_options(synchronize_session=False)
                )

        self.world.write(action)

    @rule(limit=st.sampled_from([2, 500]))
    def sync_now(self, limit: int) -> None:
        sync(self.world.client, self.replica, country="CO", lang=LANGS, limit=limit)
        sync(self.world.client, self.area, bbox=AREA, lang=LANGS, limit=limit)
        check_converged(self.world, self.replica, self.area, snapshot=False)
        self.earlier.append((self.replica.copy(), self.area.copy()))

    @precondition(lambda self: len(self.earlier) > 1)
    @rule(data=st.data())
    def sync_from_an_earlier_cursor(self, data: st.DataObject) -> None:
        old, old_area = data.draw(st.sampled_from(self.earlier))
        replica, area = old.copy(), old_area.copy()
        sync(self.world.client, replica, country="CO", lang=LANGS, limit=3)
        sync(self.world.client, area, bbox=AREA, lang=LANGS, limit=3)
        check_converged(self.world, replica, area, snapshot=False)

    def teardown(self) -> None:
        # After the last sync the replicas equal the server's public state.
        sync(self.world.client, self.replica, country="CO", lang=LANGS)
        sync(self.world.client, self.area, bbox=AREA, lang=LANGS)
        check_converged(self.world, self.replica, self.area, snapshot=True)


def test_replicas_converge_whatever_the_interleaving(sync_app):
    app, _ = sync_app()
    SyncMachine.world = World(app)
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_writes_racing_a_sync_are_never_skipped(sync_app, seed):
    app, _ = sync_app()
    world = World(app)
    rng = random.Random(seed)
    ids = [
        world.write(
            lambda s, i=i: world.create(s, country="CO", place=i, status="published", name=f"p{i}")
        )
        for i in range(12)
    ]
    replica = Replica()
    sync(world.client, replica, country="CO", lang=LANGS, limit=2)
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(60):
                public_id = rng.choice(ids)

                def change(session: Any, public_id: str = public_id, i: int = i) -> None:
                    point = world.point(session, public_id)
                    if point is None:
                        return
                    roll = rng.random()
                    if roll < 0.3:
                        writing.update_point(session, point, ServicePointUpdate(locality=f"l{i}"))
                    elif roll < 0.5:
                        writing.put_translation(
                            session, point, "en", TranslationInput(name=f"n{i}")
                        )
                    elif roll < 0.7:
                        status = rng.choice(list(PointStatus))
                        writing.set_status(session, point, status)
                    elif roll < 0.8:
                        lat, lon = PLACES["PA"][i % 2]
                        writing.update_point(
                            session, point, ServicePointUpdate(lat=lat, lon=lon, country="PA")
                        )
                    else:
                        ids.append(
                            world.create(
                                session, country="CO", place=i, status="published", name=f"c{i}"
                            )
                        )

                world.write(change)
        except BaseException as exc:  # surfaced in the main thread
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    syncs = 0
    while thread.is_alive() or syncs == 0:
        sync(world.client, replica, country="CO", lang=LANGS, limit=2)
        syncs += 1
    thread.join()
    assert not failures, failures
    sync(world.client, replica, country="CO", lang=LANGS, limit=2)
    assert replica_points(replica) == world.expected("CO")
    assert syncs > 1


def test_an_open_write_transaction_is_delivered_after_it_commits(sync_app):
    app, _ = sync_app()
    world = World(app)
    client = world.client
    replica = Replica()
    sync(client, replica, country="CO", lang=LANGS)
    first = world.database.session()
    first.begin()
    held = world.create(first, country="CO", place=0, status="published", name="held")
    first.flush()  # takes sequence number N and, on PostgreSQL, the counter's row lock
    committed: list[str] = []
    second = threading.Thread(
        target=lambda: committed.append(
            world.write(
                lambda s: world.create(s, country="CO", place=1, status="published", name="next")
            )
        )
    )
    second.start()
    second.join(timeout=1.0)
    # The second writer cannot commit a later number while the first is open.
    assert second.is_alive() and not committed
    sync(client, replica, country="CO", lang=LANGS)
    assert held not in replica.records["points"]
    first.commit()
    first.close()
    second.join(timeout=15)
    assert committed
    sync(client, replica, country="CO", lang=LANGS)
    assert {held, committed[0]} <= set(replica.records["points"])
    assert replica_points(replica) == world.expected("CO")
