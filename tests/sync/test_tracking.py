"""The change log at the data layer: one sequence number per transaction, old places kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from app import journal
from app.journal import repository as journal_repository
from app.journal.models import SyncChange
from app.languages.models import Language
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate, TranslationInput
from app.service_points.models import ServicePoint
from app.sync import tracking
from app.taxonomy.models import Category
from tests.factories import make_organization, make_point


def changes_since(db: Any, seq: int) -> list[tuple[int, str, str, str | None]]:
    rows = db.execute(
        select(SyncChange.seq, SyncChange.kind, SyncChange.key, SyncChange.country)
        .where(SyncChange.seq > seq)
        .order_by(SyncChange.id)
    )
    return [tuple(row) for row in rows]


def test_one_transaction_takes_one_number_however_many_flushes(db):
    before = journal_repository.counter(db).value
    org = make_organization(db)
    first = make_point(db, org, country="AQ", lat=-75.0, lon=120.0)
    second = make_point(db, org, country="AQ", lat=-75.5, lon=121.0)
    writing.put_translation(db, first, "fr", TranslationInput(name="Abri"))
    seq = journal.current_seq(db)
    db.commit()
    assert seq == before + 1 == journal_repository.counter(db).value
    logged = changes_since(db, before)
    assert {row[0] for row in logged} == {seq}
    assert {row[2] for row in logged} == {first.public_id, second.public_id}
    writing.update_point(db, second, ServicePointUpdate(locality="Base"))
    db.commit()
    assert changes_since(db, seq) == [(seq + 1, "point", second.public_id, "AQ")]


def test_reads_and_untracked_writes_take_no_number(db):
    before = journal_repository.counter(db).value
    db.scalars(select(ServicePoint).limit(5)).all()
    db.add(Language(tag="qu", endonym="Runa simi"))
    db.commit()
    assert journal_repository.counter(db).value == before
    assert changes_since(db, before) == []


def test_a_rolled_back_savepoint_takes_a_new_number_afterwards(db):
    before = journal_repository.counter(db).value
    org = make_organization(db)
    nested = db.begin_nested()
    undone = make_point(db, org, country="AQ", lat=-75.0, lon=120.0)
    undone_id = undone.public_id
    nested.rollback()
    kept = make_point(db, org, country="AQ", lat=-75.0, lon=120.0)
    db.commit()
    logged = changes_since(db, before)
    assert [row[2] for row in logged] == [kept.public_id]
    assert undone_id not in {row[2] for row in logged}
    assert logged[0][0] == journal_repository.counter(db).value


def test_a_move_logs_the_old_and_the_new_place(db):
    point = make_point(db, make_organization(db), country="AQ", lat=-75.0, lon=120.0)
    db.commit()
    before = journal_repository.counter(db).value
    writing.update_point(db, point, ServicePointUpdate(lat=8.5, lon=-76.8, country="CO"))
    db.commit()
    rows = db.execute(
        select(SyncChange.country, SyncChange.lat, SyncChange.lon).where(SyncChange.seq > before)
    )
    assert set(rows) == {("AQ", -75.0, 120.0), ("CO", 8.5, -76.8)}


def test_an_edit_in_place_logs_only_the_place_it_is(db):
    point = make_point(db, make_organization(db), country="AQ", lat=-75.0, lon=120.0)
    db.commit()
    before = journal_repository.counter(db).value
    # Sending the same coordinates again is not a move.
    same = ServicePointUpdate(lat=-75.0, lon=120.0, country="AQ", locality="Base")
    writing.update_point(db, point, same)
    db.commit()
    assert changes_since(db, before) == [(before + 1, "point", point.public_id, "AQ")]


def test_a_purge_logs_the_last_place(db):
    point = make_point(db, make_organization(db), country="AQ", lat=-75.0, lon=120.0)
    db.commit()
    before = journal_repository.counter(db).value
    public_id = point.public_id
    db.delete(point)
    db.commit()
    assert changes_since(db, before) == [(before + 1, "point", public_id, "AQ")]


def test_taxonomy_edits_are_logged_without_a_place(db):
    before = journal_repository.counter(db).value
    category = db.get(Category, "shelter")
    category.icon = "tent"
    db.commit()
    assert changes_since(db, before) == [(before + 1, "category", "shelter", None)]


def test_renaming_an_organisation_logs_its_points_and_other_edits_do_not(db):
    org = make_organization(db)
    points = [make_point(db, org, country="AQ", lat=-75.0, lon=120.0 + i) for i in range(3)]
    db.commit()
    before = journal_repository.counter(db).value
    org.website = "https://example.org"
    db.commit()
    assert changes_since(db, before) == []
    org.name = "A new name"
    db.commit()
    assert {row[2] for row in changes_since(db, before)} == {p.public_id for p in points}


def test_a_rename_logs_its_points_at_their_public_place_only(db):
    """Sync scopes by place: a renamed organisation's approximate or hidden points must not
    tell their exact coordinates through the change log (it holds the public location)."""
    org = make_organization(db)
    places = {}
    for precision in ("exact", "approximate", "hidden"):
        point = make_point(
            db, org, country="AQ", lat=-75.123456, lon=120.654321, location_precision=precision
        )
        places[point.public_id] = (point.public_lat, point.public_lon)
    db.commit()
    assert places[next(iter(places))] == (-75.123456, 120.654321)
    assert len(set(places.values())) == 3  # exact, a grid cell's centre, nowhere
    before = journal_repository.counter(db).value
    org.name = "Renamed"
    db.commit()
    logged = db.execute(
        select(SyncChange.key, SyncChange.lat, SyncChange.lon).where(SyncChange.seq > before)
    ).all()
    assert {key: (lat, lon) for key, lat, lon in logged} == places


def test_bulk_statements_are_logged_by_hand(db):
    point = make_point(db, make_organization(db), country="AQ", lat=-75.0, lon=120.0)
    db.commit()
    before = journal_repository.counter(db).value
    db.execute(update(ServicePoint).where(ServicePoint.id == point.id).values(locality="Bulk"))
    tracking.log_points(db, [point.id])
    db.commit()
    assert changes_since(db, before) == [(before + 1, "point", point.public_id, "AQ")]
