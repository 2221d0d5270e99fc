"""The console's map draws the vector tiles with a vendored plugin, served with its licence."""

from __future__ import annotations

from app.console.web import STATIC_DIR

VENDOR = STATIC_DIR / "vendor" / "leaflet-vectorgrid"


def test_the_vector_tile_plugin_is_vendored_with_its_licences(client):
    assert "L.VectorGrid" in (VENDOR / "Leaflet.VectorGrid.bundled.min.js").read_text()
    licence = (VENDOR / "LICENSE").read_text()
    for name in (
        "BEER-WARE",
        "pbf",
        "vector-tile",
        "geojson-vt",
        "topojson-client",
        "whatwg-fetch",
    ):
        assert name in licence
    assert "Redistribution and use" in licence  # the BSD texts, not only names
    served = client.get("/console/static/vendor/leaflet-vectorgrid/LICENSE")
    assert served.status_code == 200
