"""Opening hours precomputed as changes of state answer what evaluating the expression
answers (``rendering.open_at``, the rendering path's ``open_now``), at any minute of their
horizon: across changes of offset, on public holidays, for 24/7, unknown and unparseable
hours, in zones of every kind (half-hour and 45-minute offsets, half-hour daylight saving,
southern-hemisphere summers, no zone at all)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from app.public_points.rendering import open_at
from app.service_points import opening_weeks
from app.service_points.opening_weeks import (
    ANSWERS,
    HORIZON_WEEKS,
    OUTSIDE,
    epoch_minute,
    horizon_at,
    state_at,
    week_changes,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ZONES = [
    "America/New_York",
    "America/Tijuana",
    "America/Bogota",
    "America/Havana",
    "America/Santiago",
    "America/Asuncion",
    "Europe/Paris",
    "Europe/London",
    "Africa/Casablanca",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Antarctica/Troll",
    "UTC",
    "Not/AZone",
    None,
]
COUNTRIES = ["US", "MX", "CO", "FR", "DE", "GB", "CL", "AU", "AQ", "XX"]
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


@st.composite
def spans(draw: st.DrawFn) -> str:
    start = draw(st.integers(0, 23 * 60 + 45).map(lambda m: m - m % 15))
    length = draw(st.integers(15, 24 * 60).map(lambda m: m - m % 15))
    end = start + length
    if end > 24 * 60 and draw(st.booleans()):
        end -= 24 * 60  # across midnight: 22:00-06:00
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@st.composite
def rules(draw: st.DrawFn) -> str:
    first = draw(st.integers(0, 6))
    last = draw(st.integers(first, 6))
    days = DAYS[first] if first == last else f"{DAYS[first]}-{DAYS[last]}"
    times = ",".join(draw(st.lists(spans(), min_size=1, max_size=2)))
    kind = draw(st.sampled_from(["", "", " unknown", ' "by appointment"']))
    return f"{days} {times}{kind}"


EXPRESSIONS = st.one_of(
    st.sampled_from(
        [
            "24/7",
            "off",
            "24/7 unknown",
            "Mo-Fr 09:00-17:00; PH off",
            "Mo-Su 01:00-03:00",
            "Mo-Su 00:00-01:00,23:00-24:00",
            "Mo-Fr 18:00-08:00; Sa,Su 00:00-24:00",
            "PH 10:00-12:00",
            "Mo-Su 08:00-20:00; Dec 24-26 off",
            "sunrise-sunset",
            "Mo-Fr 09:00-17:00; Sa unknown",
            "not hours at all",
            "Mo-Fr 25:00-26:00",
        ]
    ),
    st.lists(rules(), min_size=1, max_size=3).map("; ".join),
    st.builds(lambda r: f"{r}; PH off", rules()),
)
# Build instants from 2025 to 2028: every kind of week, holidays and changes of offset.
BUILT = st.integers(
    epoch_minute(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)),
    epoch_minute(dt.datetime(2028, 12, 31, tzinfo=dt.UTC)),
).map(lambda m: EPOCH + dt.timedelta(minutes=m))


def _expected(expression: str | None, zone: str | None, country: str, minute: int) -> object:
    at = EPOCH + dt.timedelta(minutes=minute, seconds=37)
    return open_at(expression, zone, country, at)


def _answer(blob: bytes, until: int, minute: int) -> object:
    state = state_at(blob, until, minute)
    return "outside" if state == OUTSIDE else ANSWERS[state]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    expression=st.one_of(st.none(), EXPRESSIONS),
    zone=st.sampled_from(ZONES),
    country=st.sampled_from(COUNTRIES),
    built=BUILT,
    offsets=st.lists(st.integers(0, HORIZON_WEEKS * 7 * 24 * 60 - 1), min_size=1, max_size=20),
    near_change=st.integers(-90, 90),
)
@example(  # the last minute before New York's clocks go back (the library reads it closed)
    expression="24/7",
    zone="America/New_York",
    country="US",
    built=dt.datetime(2026, 10, 30, tzinfo=dt.UTC),
    offsets=[0],
    near_change=-1,
)
@example(  # Havana moves its clocks at midnight: the day of the change begins at 01:00
    expression="Mo-Su 00:00-24:00; Su 00:00-01:00 off",
    zone="America/Havana",
    country="XX",
    built=dt.datetime(2025, 3, 11, 21, 20, tzinfo=dt.UTC),
    offsets=[0, 1],
    near_change=0,
)
@example(  # a public holiday: Christmas in Colombia
    expression="Mo-Su 08:00-20:00; PH off",
    zone="America/Bogota",
    country="CO",
    built=dt.datetime(2026, 12, 22, tzinfo=dt.UTC),
    offsets=[3 * 24 * 60 + 15 * 60, 2 * 24 * 60 + 15 * 60],
    near_change=0,
)
def test_precomputed_hours_answer_as_the_expression(
    expression: str | None,
    zone: str | None,
    country: str,
    built: dt.datetime,
    offsets: list[int],
    near_change: int,
) -> None:
    start, until = horizon = horizon_at(built)
    assert start <= epoch_minute(built) < until
    blob = week_changes(expression, zone, country, horizon)
    assert blob is not None
    assert len(blob) <= 4 * 2_000
    minutes = [start + offset for offset in offsets]
    if zone not in (None, "Not/AZone"):
        # The minutes around each change of offset in the horizon.
        for low, _offset in opening_weeks._segments(zone, start, until) or ():
            if low + near_change in range(start, until):
                minutes.append(low + near_change)
    for minute in minutes:
        assert _answer(blob, until, minute) == _expected(expression, zone, country, minute), (
            expression,
            zone,
            country,
            EPOCH + dt.timedelta(minutes=minute),
        )


@settings(max_examples=30, deadline=None)
@given(
    expression=EXPRESSIONS,
    zone=st.sampled_from([z for z in ZONES[:15] if z != "America/Bogota"]),
    year=st.integers(2025, 2028),
    which=st.integers(0, 1),
    before=st.integers(0, 7 * 24 * 60 - 1),
)
def test_every_minute_of_a_day_around_a_change_of_offset(
    expression: str, zone: str, year: int, which: int, before: int
) -> None:
    first = epoch_minute(dt.datetime(year, 1, 8, tzinfo=dt.UTC))
    last = epoch_minute(dt.datetime(year, 12, 20, tzinfo=dt.UTC))
    changes = (opening_weeks._segments(zone, first, last) or ())[1:]
    assume(changes)
    change = changes[which % len(changes)][0]
    start, until = horizon = horizon_at(EPOCH + dt.timedelta(minutes=change - before))
    blob = week_changes(expression, zone, "US", horizon)
    assert blob is not None
    for minute in range(max(start, change - 12 * 60), min(until, change + 12 * 60)):
        assert _answer(blob, until, minute) == _expected(expression, zone, "US", minute)


def test_outside_the_horizon_the_expression_is_evaluated() -> None:
    horizon = horizon_at(dt.datetime(2026, 12, 7, 16, tzinfo=dt.UTC))
    start, until = horizon
    # Monday 00:00 UTC of the build week, two weeks long.
    assert EPOCH + dt.timedelta(minutes=start) == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    assert until - start == HORIZON_WEEKS * 7 * 24 * 60
    blob = week_changes("Mo-Fr 09:00-17:00", "Europe/Paris", "FR", horizon)
    assert blob is not None
    assert state_at(blob, until, start - 1) == OUTSIDE
    assert state_at(blob, until, until) == OUTSIDE
    assert state_at(blob, until, start) != OUTSIDE
    assert state_at(blob, until, until - 1) != OUTSIDE


def test_unknown_hours_are_unknown_for_the_whole_horizon() -> None:
    horizon = horizon_at(dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    for expression, zone in [
        (None, "Europe/Paris"),
        ("24/7", None),  # no zone: the library refuses UTC as ``open_at`` hands it over
        ("24/7", "Not/AZone"),
        ("this is no expression", "Europe/Paris"),
        ("24/7 unknown", "Europe/Paris"),
    ]:
        blob = week_changes(expression, zone, "FR", horizon)
        assert blob is not None and len(blob) == 4
        assert ANSWERS[state_at(blob, horizon[1], horizon[0] + 1234)] is None


def test_always_open_is_one_change() -> None:
    horizon = horizon_at(dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    blob = week_changes("24/7", "America/Bogota", "CO", horizon)
    assert blob is not None and len(blob) == 4
    assert ANSWERS[state_at(blob, horizon[1], horizon[0] + 99)] is True
