"""The bulk renderer of the stored documents (``app.documents.rows``: each point's frame
encoded once, its texts once per distinct outcome) gives exactly the rows of the API's own
rendering, per language and view (``tests/documents/reference.py``), whatever the point's
texts, languages, place and stamps."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from app.documents.rows import render_rows
from app.service_points.records import OrganizationStamp, PointRecord
from tests.documents.reference import as_set, reference_rows

LANGS = ["es", "en", "fr", "ht", "pt", "qu", "de", "pt-BR"]
TEXT = st.one_of(st.none(), st.just(""), st.sampled_from(["Casa", "Abri", "Kay", 'a "q" é']))
TEXTS = st.fixed_dictionaries(
    {},
    optional={"name": TEXT, "description": TEXT, "address": TEXT},
)
STAMP = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
)
ORG = st.builds(
    OrganizationStamp,
    st.sampled_from(["acnur", "cruz"]),
    st.sampled_from(["ACNUR", 'X "y"']),
    STAMP,
)


@st.composite
def point_records(draw: st.DrawFn) -> PointRecord:
    precision = draw(st.sampled_from(["exact", "approximate", "hidden"]))
    place = draw(st.none() | st.tuples(st.floats(-89, 89), st.floats(-179, 179)))
    lat, lon = place if place and precision != "hidden" else (None, None)
    return PointRecord(
        id=draw(st.integers(1, 10**6)),
        public_id=draw(st.uuids()).hex,
        version=draw(st.integers(1, 9)),
        external_id=draw(st.none() | st.just("ext-1")),
        lat=lat,
        lon=lon,
        country="CO",
        locality=draw(st.none() | st.just("Necoclí")),
        timezone=draw(st.none() | st.just("America/Bogota")),
        phones=draw(st.none() | st.lists(st.just("+573001234567"), max_size=2)),
        email=draw(st.none() | st.just("a@b.co")),
        website=None,
        whatsapp=draw(st.none() | st.just("+573001234567")),
        opening_hours=draw(st.none() | st.just("Mo-Fr 08:00-17:00")),
        free=draw(st.none() | st.booleans()),
        status=draw(st.sampled_from(["published", "temporarily_closed", "permanently_closed"])),
        original_language=draw(st.sampled_from(LANGS)),
        source_title=draw(st.none() | st.just("Guía")),
        source_url=None,
        source_publisher=draw(st.none() | st.just("ACNUR")),
        is_sample=draw(st.booleans()),
        last_verified_at=draw(st.none() | STAMP),
        updated_at=draw(STAMP),
        organization=draw(ORG),
        verified_by=draw(st.none() | ORG),
        translations=draw(st.dictionaries(st.sampled_from(LANGS), TEXTS, max_size=5)),
        categories=draw(st.lists(st.sampled_from(["shelter", "food"]), unique=True, max_size=2)),
        audiences=draw(st.lists(st.just("women"), max_size=1)),
        spoken_languages=draw(st.lists(st.sampled_from(["es", "fr"]), unique=True)),
        source_as_of=draw(st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1))),
        location_precision=precision,
    )


@settings(max_examples=150, deadline=None)
@given(
    found=st.lists(point_records(), max_size=4),
    tags=st.lists(st.sampled_from(LANGS), max_size=6),
    default=st.sampled_from(["es", "en", "fr"]),
)
def test_bulk_rows_equal_the_api_rendering(
    found: list[PointRecord], tags: list[str], default: str
) -> None:
    fast = list(render_rows(found, tags=tags, default=default))
    assert len(fast) == len(as_set(fast))
    assert as_set(fast) == as_set(reference_rows(found, tags=tags, default=default))
