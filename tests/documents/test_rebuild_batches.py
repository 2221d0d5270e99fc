"""``rumbo documents rebuild`` in batches: one short transaction per batch of points, the
documents marked incomplete (readers use the rendering path) until the last one, writes
meanwhile kept, and a rebuild cut short redone by ``rumbo migrate``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.documents.building import built_default_language, rebuild_in_batches
from app.documents.cli import ensure_built
from app.documents.models import DocumentSetting, PointDocument
from app.documents.rows import FORMAT
from app.languages.models import Language
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate
from app.service_points.models import PointStatus, ServicePoint
from tests.documents.reference import fresh, stored

SYNC = "/v1/sync?country=CO&limit=5"
# A fixed instant: open_now must not change between two reads of the same page.
NEAR = "/v1/points?near=8.4265,-76.7848&radius=500000&limit=50&at=2026-03-09T16:30:00Z"


def _shown(db: Session) -> list[int]:
    return list(
        db.scalars(
            select(ServicePoint.id)
            .where(ServicePoint.status != PointStatus.draft.value)
            .where(ServicePoint.deleted_at.is_(None))
            .order_by(ServicePoint.id)
        )
    )


def _tags(db: Session) -> list[str]:
    return list(db.scalars(select(Language.tag)))


def _watching(app: FastAPI, each: Callable[[int], None]) -> Callable[[], Session]:
    """The app's sessions, calling ``each(n)`` before the n-th transaction is opened."""
    opened = iter(range(1_000_000))
    maker = app.state.database.sessionmaker

    def sessions() -> Session:
        each(next(opened))
        session: Session = maker()
        return session

    return sessions


def test_batches_mark_documents_incomplete_until_the_last(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    shown = _shown(db)
    before = client.get(NEAR)
    assert before.status_code == 200 and before.json()["items"]
    seen: list[str | None] = []

    def each(n: int) -> None:
        if n:  # after the first transaction: emptied and marked incomplete
            seen.append(built_default_language(db.connection()))
            during = client.get(NEAR)
            assert during.status_code == 200
            assert during.content == before.content  # the rendering path answers the same

    count = rebuild_in_batches(_watching(app, each), default_language="es", per_transaction=3)
    assert count == len(shown)
    batches = -(-len(shown) // 3)
    # Before each batch and the last mark: incomplete; then the planner's statistics.
    assert seen == [None] * (batches + 1) + ["es"]
    assert built_default_language(db.connection()) == "es"
    assert stored(db, shown) == fresh(db, shown, _tags(db))
    after = client.get(NEAR)
    assert after.content == before.content


def test_a_write_between_batches_is_kept(app: FastAPI, db: Session) -> None:
    shown = _shown(db)
    last = shown[-1]  # written while the first batches run, rendered by its own batch later
    first = shown[0]  # its batch is done when it is written: its own refresh must hold

    def each(n: int) -> None:
        if n == 2:
            for point_id, name in ((first, "Primera localidad"), (last, "Última localidad")):
                point = db.get(ServicePoint, point_id)
                assert point is not None
                change = ServicePointUpdate.model_validate({"locality": name})
                writing.update_point(db, point, change)
            db.flush()

    rebuild_in_batches(_watching(app, each), default_language="es", per_transaction=2)
    assert stored(db, shown) == fresh(db, shown, _tags(db))
    rows = db.execute(
        select(PointDocument.head, PointDocument.tail).where(
            PointDocument.point_id.in_((first, last)), PointDocument.view == "full"
        )
    )
    text = b"".join(head + tail for head, tail in rows)
    assert b"Primera localidad" in text and "Última localidad".encode() in text


def test_a_rebuild_cut_short_is_redone(
    fresh_app: Callable[..., tuple[FastAPI, str]],
) -> None:
    app, url = fresh_app(seed=True)
    database = app.state.database

    def stop_after_first_batch() -> Iterator[Session]:  # the emptying, then one batch
        yield database.session()
        yield database.session()
        raise RuntimeError("power cut")

    made = stop_after_first_batch()
    with pytest.raises(RuntimeError, match="power cut"):
        rebuild_in_batches(lambda: next(made), default_language="es", per_transaction=2)
    with database.session() as session:
        assert built_default_language(session.connection()) is None
        assert session.scalar(select(func.count(func.distinct(PointDocument.point_id)))) == 2
    # Readers meanwhile: the rendering path.
    with TestClient(app) as client:
        assert client.get(NEAR).status_code == 200
    assert ensure_built(url, "es") is True
    with database.session() as session:
        assert built_default_language(session.connection()) == "es"
        shown = _shown(session)
        assert stored(session, shown) == fresh(session, shown, _tags(session))
    assert ensure_built(url, "es") is False


def test_documents_of_another_format_are_not_served_and_migrate_builds_them(
    fresh_app: Callable[..., tuple[FastAPI, str]],
) -> None:
    app, url = fresh_app(seed=True)
    database = app.state.database
    with TestClient(app) as client:
        before = client.get(NEAR)
        page = client.get(SYNC)
        assert page.status_code == 200 and page.json()["points"]
        with database.session() as session, session.begin():
            assert built_default_language(session.connection()) == "es"
            # As an older release left them: other bytes, another format.
            session.execute(
                update(DocumentSetting)
                .where(DocumentSetting.name == "format")
                .values(value=str(FORMAT - 1))
            )
            session.execute(update(PointDocument).values(version=PointDocument.version + 100))
            session.execute(
                update(PointDocument).where(PointDocument.view == "sync").values(tail=b"}")
            )
        app.state.documents_built = None  # the half-minute memo of the check
        with database.session() as session:
            assert built_default_language(session.connection()) is None
        during = client.get(NEAR)
        assert during.status_code == 200 and during.content == before.content
        assert client.get(SYNC).json()["points"] == page.json()["points"]
        assert ensure_built(url, "es") is True
        app.state.documents_built = None
        assert client.get(NEAR).content == before.content
    with database.session() as session:
        assert built_default_language(session.connection()) == "es"
        shown = _shown(session)
        assert stored(session, shown) == fresh(session, shown, _tags(session))
