"""A tile's ETag changes with everything that changes the tile's content: after any such
change, the old ETag is no longer answered with 304."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import mapbox_vector_tile
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.languages.models import Language
from app.organizations.models import Organization
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate, TranslationInput
from app.service_points.models import PointStatus, ServicePoint
from app.tasks import service as tasks_service
from app.tasks.models import TaskKind
from app.taxonomy.models import CategoryTranslation
from tests.factories import make_organization, make_point
from tests.service_points.helpers import scratch

Z = 12
LAT, LON = -71.3, -61.7  # nothing of the seed is near


def _tile() -> tuple[int, int]:
    n = 2**Z
    x = (LON + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(LAT))) / math.pi) / 2 * n
    return int(x), int(y)


def _point(session: Session) -> ServicePoint:
    return session.scalars(
        select(ServicePoint).where(ServicePoint.lat == LAT, ServicePoint.lon == LON)
    ).one()


def _open_task(session: Session) -> None:
    now = dt.datetime.now(dt.UTC)
    point = _point(session)
    tasks_service.record_evidence(
        session, point_id=point.id, kind=TaskKind.closed, count=3, first_at=now, last_at=now
    )


def _resolve_task(session: Session) -> None:
    _open_task(session)
    session.commit()
    tasks_service.resolve_tasks_for_point(session, point_id=_point(session).id, by=None)


def _rename_category(session: Session) -> None:
    row = session.get(CategoryTranslation, ("shelter", "es"))
    assert row is not None
    row.name = "Refugio temporal"


def _rename_organization(session: Session) -> None:
    org = session.get(Organization, _point(session).organization_id)
    assert org is not None
    org.name = "Otro nombre"


def _close(session: Session) -> None:
    writing.set_status(session, _point(session), PointStatus.temporarily_closed)


def _approximate(session: Session) -> None:
    writing.update_point(
        session, _point(session), ServicePointUpdate(location_precision="approximate")
    )


def _rename_point(session: Session) -> None:
    writing.put_translation(session, _point(session), "es", TranslationInput(name="Nuevo nombre"))


def _enable_language(session: Session) -> None:
    language = session.get(Language, "qu")
    if language is None:
        session.add(Language(tag="qu", endonym="Runa Simi", enabled=True))
    else:
        language.enabled = not language.enabled


CHANGES: dict[str, Callable[[Session], None]] = {
    "point text": _rename_point,
    "status": _close,
    "warning opened": _open_task,
    "warning resolved": _resolve_task,
    "category translation": _rename_category,
    "organisation renamed": _rename_organization,
    "location precision": _approximate,
    "language enabled": _enable_language,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_of_a_tile_changes_its_etag(app, client, connection, change):
    tx, ty = _tile()
    path = f"/v1/tiles/{Z}/{tx}/{ty}.mvt"
    params = {"lang": "qu"}
    with scratch(connection) as session:
        org = make_organization(session)
        make_point(
            session,
            org,
            lat=LAT,
            lon=LON,
            country="AQ",
            categories=["shelter"],
            translations={"es": {"name": "Albergue"}},
        )
        session.commit()
        first = client.get(path, params=params)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert client.get(path, params=params, headers={"If-None-Match": etag}).status_code == 304
        version = client.get("/v1/tiles.json", params=params).json()["tiles"][0]
        CHANGES[change](session)
        session.commit()
        app.state.languages.invalidate()
        after = client.get(path, params=params, headers={"If-None-Match": etag})
        new_version = client.get("/v1/tiles.json", params=params).json()["tiles"][0]
    assert after.status_code == 200, change
    assert after.headers["etag"] != etag
    # The TileJSON's URL template (with its year-long caching) moves on too.
    assert new_version != version
    mapbox_vector_tile.decode(after.content)  # a tile


def test_names_falling_back_differently_are_different_tiles(client, connection):
    tx, ty = _tile()
    path = f"/v1/tiles/{Z}/{tx}/{ty}.mvt"
    with scratch(connection) as session:
        org = make_organization(session)
        make_point(
            session,
            org,
            lat=LAT,
            lon=LON,
            country="AQ",
            translations={"es": {"name": "Albergue"}, "pt": {"name": "Abrigo"}},
        )
        session.commit()
        # Both are served in French (no French name): one falls back to Portuguese.
        via_pt = client.get(path, headers={"Accept-Language": "fr, pt"})
        via_es = client.get(path, headers={"Accept-Language": "fr, es"})
        stale = client.get(
            path, headers={"Accept-Language": "fr, es", "If-None-Match": via_pt.headers["etag"]}
        )
    names = [
        mapbox_vector_tile.decode(r.content)["points"]["features"][0]["properties"]["name"]
        for r in (via_pt, via_es)
    ]
    assert names == ["Abrigo", "Albergue"]
    assert via_pt.headers["etag"] != via_es.headers["etag"]
    assert stale.status_code == 200
