"""Wide viewports on ``/v1/points`` point at clusters and tiles (a ``Link`` header)."""

from __future__ import annotations

import re

from tests.service_points.helpers import ISOLATED_COUNTRY, add_points, all_pages, scratch


def test_wide_viewport_links_to_clusters_with_the_same_filters(client, connection):
    coords = [(-70 + i * 0.05, -60 + i * 0.07) for i in range(30)]
    with scratch(connection) as session:
        add_points(session, coords)
        params = {"bbox": "-62,-72,-57,-68", "country": ISOLATED_COUNTRY, "limit": 7}
        first = client.get("/v1/points", params=params)
        link = first.headers["link"]
        clusters_url = re.search(r"<(/v1/points/clusters\?[^>]+)>", link).group(1)
        assert f"country={ISOLATED_COUNTRY}" in clusters_url and "zoom=" in clusters_url
        assert "</v1/tiles.json>" in link
        clusters = client.get(clusters_url).json()
        # Wide viewports still page completely, and the clusters count the same points.
        items = all_pages(client, params)
        narrow = client.get("/v1/points", params={**params, "bbox": "-60.5,-70.5,-59.5,-69.5"})
    assert len(items) == 30 == clusters["total"]
    assert "link" not in narrow.headers
