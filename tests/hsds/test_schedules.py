"""Opening hours between OSM ``opening_hours`` and HSDS weekly schedules."""

from __future__ import annotations

import pytest

from app.hsds import schedules
from tests.hsds.validation import assert_valid


def _ids():
    return (f"00000000-0000-4000-8000-{i:012d}" for i in range(100))


@pytest.mark.parametrize(
    ("expression", "rows"),
    [
        ("24/7", [("MO,TU,WE,TH,FR,SA,SU", "00:00", "24:00")]),
        ("Mo-Fr 08:00-17:00", [("MO,TU,WE,TH,FR", "08:00", "17:00")]),
        (
            "Mo,We 08:00-12:00,14:00-18:00; Sa 09:00-12:00",
            [("MO,WE", "08:00", "12:00"), ("MO,WE", "14:00", "18:00"), ("SA", "09:00", "12:00")],
        ),
        # A later rule replaces an earlier one for the same day, as in OSM.
        (
            "Mo-Fr 08:00-17:00; We 10:00-12:00",
            [("MO,TU,TH,FR", "08:00", "17:00"), ("WE", "10:00", "12:00")],
        ),
        ("Sa-Mo 10:00-14:00", [("MO,SA,SU", "10:00", "14:00")]),
        ("Mo-Fr 08:00-17:00; Fr off", [("MO,TU,WE,TH", "08:00", "17:00")]),
    ],
)
def test_weekly_expressions_become_weekly_schedules(expression, rows):
    out = schedules.to_hsds(expression, ids=_ids())
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in out] == rows
    for schedule in out:
        assert schedule["freq"] == "WEEKLY" and schedule["description"] == expression
        assert_valid(schedule, "entities/schedule.json")
    # Rumbo's own schedules come back unchanged (the description holds the expression).
    assert schedules.from_hsds(out) == (expression, None)


def test_richer_expressions_travel_in_the_description():
    expression = "Mo-Fr 08:00-17:00; PH off; Dec 24-26 off"
    (only,) = schedules.to_hsds(expression, ids=_ids())
    assert only == {"id": only["id"], "description": expression}
    assert schedules.from_hsds([only]) == (expression, None)


def test_structured_schedules_from_elsewhere_become_an_expression():
    rows = [
        {
            "freq": "WEEKLY",
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "09:00:00",
            "closes_at": "13:00:00",
        },
        {
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "14:00",
            "closes_at": "17:30",
            "description": "Lunch break",
        },
        {"freq": "WEEKLY", "byday": "SA", "opens_at": "10:00", "closes_at": "12:00"},
    ]
    assert schedules.from_hsds(rows) == ("Mo-Fr 09:00-13:00,14:00-17:30; Sa 10:00-12:00", None)
    every_day = [
        {"byday": d, "opens_at": "00:00", "closes_at": "24:00"} for d in schedules.HSDS_DAYS
    ]
    assert schedules.from_hsds(every_day) == ("24/7", None)


@pytest.mark.parametrize(
    "row",
    [
        {"freq": "MONTHLY", "byday": "1MO", "opens_at": "09:00", "closes_at": "12:00"},
        {
            "freq": "WEEKLY",
            "byday": "TH,FR",
            "byweekno": "41,42",
            "opens_at": "10:00",
            "closes_at": "18:00",
        },
        {"freq": "WEEKLY", "opens_at": "10:00", "closes_at": "18:00"},
        {"description": "From 10 am to 6 pm on weekdays"},
        {"byday": "XX", "opens_at": "10:00", "closes_at": "18:00"},
        {"byday": "MO", "opens_at": "25:00", "closes_at": "18:00"},
    ],
)
def test_what_cannot_be_expressed_is_reported_not_guessed(row):
    expression, problem = schedules.from_hsds([row])
    assert expression is None and problem


def test_no_schedules_no_hours():
    assert schedules.from_hsds([]) == (None, None)
    assert schedules.to_hsds(None, ids=_ids()) == []
