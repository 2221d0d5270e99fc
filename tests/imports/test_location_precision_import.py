"""The ``location_precision`` column of imports: set, changed, refused when unknown."""

from __future__ import annotations

from app.service_points.precision import snap_to_grid
from tests.imports.helpers import COLUMNS, csv_bytes, editor, points_of, post_import, row

WITH_PRECISION = [*COLUMNS, "location_precision"]


def test_imports_set_and_change_the_precision(client, db):
    headers, org = editor(client, db)
    rows = [row(0, location_precision="hidden"), row(1, location_precision="Approximate")]
    response = post_import(client, headers, csv_bytes(rows, WITH_PRECISION))
    assert response.status_code == 200, response.text
    hidden, approximate = points_of(db, org)
    assert hidden.location_precision == "hidden" and hidden.public_lat is None
    assert approximate.location_precision == "approximate"
    assert (approximate.public_lat, approximate.public_lon) == snap_to_grid(
        approximate.lat, approximate.lon
    )
    # An empty cell is the default: exact.
    rows[0]["location_precision"] = ""
    response = post_import(client, headers, csv_bytes(rows, WITH_PRECISION))
    assert response.status_code == 200, response.text
    db.expire_all()
    hidden = points_of(db, org)[0]
    assert hidden.location_precision == "exact"
    assert (hidden.public_lat, hidden.public_lon) == (hidden.lat, hidden.lon)


def test_an_unknown_precision_is_refused_naming_the_column(client, db):
    headers, org = editor(client, db)
    response = post_import(
        client, headers, csv_bytes([row(0, location_precision="blurry")], WITH_PRECISION)
    )
    assert response.status_code == 422, response.text
    assert "location_precision" in response.text
    assert points_of(db, org) == []
