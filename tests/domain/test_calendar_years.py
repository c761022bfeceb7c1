"""Calendar years as data: the file format, its validation, the registry consulted before the
chinesecalendar package, and the pending forward deadline (NOM-SELF-FORWARD).

The 2027 schedule used here is FICTITIOUS_2027, a test fixture with invented dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest

from app.domain import calendar
from app.domain.calendar import (
    PACKAGE_YEARS,
    YearSchedule,
    add_working_days,
    is_covered,
    is_working_day,
    missing_years,
    publicity_window,
)
from app.domain.calendar_years import (
    ScheduleInvalid,
    YearDocument,
    check_package_override,
    parse_document,
    validate,
)
from app.domain.errors import CalendarNotCovered, Conflict
from app.domain.nominations import (
    NominationStatus,
    SelfChannel,
    is_late,
    self_routing,
    settle_deadline,
)
from tests.calendar_fixtures import doc_2026, fixture_2027

TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def registry() -> Iterator[None]:
    """The registry is process-wide: every test here leaves it as it found it."""
    before = calendar.loaded_years()
    calendar.install_all([])
    yield
    calendar.install_all(before.values())


def load(raw: dict[str, Any], today: date = TODAY) -> YearDocument:
    doc = validate(parse_document(raw), today)
    calendar.install(doc.schedule())
    return doc


def problems(raw: object, today: date = TODAY) -> set[tuple[str, str]]:
    """(location, code) of every problem found in `raw`."""
    with pytest.raises(ScheduleInvalid) as refused:
        validate(parse_document(raw), today)
    return {(".".join(str(p) for p in x.loc), x.code) for x in refused.value.problems}


def every_day(year: int) -> Iterator[date]:
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


# --- the documented example: docs/calendar-2026.json ---------------------------------------------


def test_the_2026_file_is_the_package_s_2026() -> None:
    doc = validate(parse_document(doc_2026()), TODAY)
    schedule = doc.schedule()
    assert schedule.holidays == {d for d in chinese_calendar.holidays if d.year == 2026}
    assert schedule.workdays == {d for d in chinese_calendar.workdays if d.year == 2026}
    assert [h.name for h in doc.holidays] == [
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "中秋节",
        "国庆节",
    ]


def test_loading_the_2026_file_reproduces_the_package_for_every_day() -> None:
    package = {d: chinese_calendar.is_workday(d) for d in every_day(2026)}
    load(doc_2026())
    assert calendar.loaded(2026) is not None  # answered from the registry, not the package
    assert {d: is_working_day(d) for d in every_day(2026)} == package


# --- the registry comes before the package -------------------------------------------------------


def test_a_loaded_year_is_consulted_before_the_package() -> None:
    assert is_working_day(date(2026, 3, 2))  # an ordinary Monday
    calendar.install(
        YearSchedule(2026, frozenset({date(2026, 3, 2)}), frozenset({date(2026, 3, 7)}), "x")
    )
    assert not is_working_day(date(2026, 3, 2))
    assert is_working_day(date(2026, 3, 7))  # a Saturday made a working day
    calendar.restore(2026, None)
    assert is_working_day(date(2026, 3, 2))
    assert not is_working_day(date(2026, 3, 7))


def test_an_unknown_year_is_refused_then_answered_once_loaded() -> None:
    with pytest.raises(CalendarNotCovered, match="2027") as refused:
        publicity_window(date(2026, 12, 28), 5)
    assert refused.value.year == 2027
    assert not is_covered(2027)
    load(fixture_2027())
    assert is_covered(2027)
    # Mon 28 – Thu 31 December; 1–3 January off (fixture); Monday 4 January is the fifth.
    w = publicity_window(date(2026, 12, 28), 5)
    assert (w.end, w.working_days) == (date(2027, 1, 4), 5)
    assert is_working_day(date(2027, 2, 13))  # the fixture's make-up Saturday
    assert not is_working_day(date(2027, 2, 8))  # a Monday of the fixture's holiday
    with pytest.raises(CalendarNotCovered, match="2028"):
        add_working_days(date(2027, 12, 30), 3)


def test_install_all_makes_exactly_the_given_years_known() -> None:
    load(fixture_2027())
    calendar.install_all([])
    assert not is_covered(2027)
    assert is_covered(2026)  # the package still answers


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        (date(2026, 10, 31), []),
        (date(2026, 11, 1), [2027]),
        (date(2026, 12, 31), [2027]),
        (date(2027, 1, 1), [2027]),
    ],
)
def test_missing_years_from_1_november(today: date, missing: list[int]) -> None:
    assert missing_years(today) == missing


def test_a_loaded_next_year_is_not_missing() -> None:
    load(fixture_2027())
    assert missing_years(date(2026, 11, 1)) == []
    assert missing_years(date(2027, 11, 1)) == [2028]


# --- validation: every problem at once -----------------------------------------------------------


def test_a_date_outside_the_year() -> None:
    raw = fixture_2027(workdays=["2026-12-26"])
    raw["holidays"][0]["dates"].append("2028-01-01")
    assert problems(raw) == {
        ("holidays.0.dates.3", "outside_year"),
        ("workdays.0", "outside_year"),
    }


def test_a_day_both_off_and_worked() -> None:
    assert problems(fixture_2027(workdays=["2027-01-02"])) == {("workdays.0", "overlap")}


def test_a_make_up_working_day_on_a_weekday() -> None:
    # Monday 15 February 2027.
    found = problems(fixture_2027(workdays=["2027-02-13", "2027-02-15"]))
    assert found == {("workdays.1", "weekday")}


def test_a_day_off_twice_and_names_twice() -> None:
    raw = fixture_2027()
    raw["holidays"].append({"name": "元旦 (test fixture)", "dates": ["2027-01-03"]})
    assert problems(raw) == {("holidays.2.name", "duplicate"), ("holidays.2.dates.0", "duplicate")}


def test_no_holidays_and_no_source() -> None:
    assert problems(fixture_2027(holidays=[], source=" ")) == {
        ("holidays", "missing"),
        ("source", "missing"),
    }


def test_a_year_after_next_cannot_have_been_published() -> None:
    raw = fixture_2027(year=2028, holidays=[{"name": "元旦", "dates": ["2028-01-01"]}], workdays=[])
    assert problems(raw, today=date(2026, 11, 22)) == {("year", "year")}
    validate(parse_document(raw), date(2027, 11, 22))  # a year later it can be


def test_the_shape_of_the_file() -> None:
    assert problems([]) == {("", "type")}
    assert problems({"year": "2027", "holidays": {}, "workdays": ["1 January"], "x": 1}) == {
        ("x", "unknown"),
        ("source", "missing"),
        ("year", "type"),
        ("holidays", "type"),
        ("workdays.0", "date"),
    }
    assert problems(fixture_2027(workdays=["2027-02-30"])) == {("workdays.0", "date")}


def test_validation_returns_the_normal_form() -> None:
    raw = fixture_2027(workdays=["2027-02-13"])
    raw["holidays"].reverse()
    raw["holidays"][1]["dates"].reverse()
    doc = validate(parse_document(raw), TODAY)
    assert [h.dates[0] for h in doc.holidays] == [date(2027, 1, 1), date(2027, 2, 6)]
    assert doc.holidays[0].dates == (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3))
    assert validate(parse_document(doc.to_document()), TODAY) == doc


def test_toml_dates_are_dates() -> None:
    raw = fixture_2027()
    raw["workdays"] = [date(2027, 2, 13)]
    assert validate(parse_document(raw), TODAY).workdays == (date(2027, 2, 13),)


def test_a_package_year_is_replaced_only_on_purpose() -> None:
    assert 2026 in PACKAGE_YEARS
    assert 2027 not in PACKAGE_YEARS
    with pytest.raises(Conflict, match="override"):
        check_package_override(2026, override_package=False)
    check_package_override(2026, override_package=True)
    check_package_override(2027, override_package=False)


# --- NOM-SELF-FORWARD: a deadline in an unknown year is pending, never a refusal -----------------


def test_a_deadline_in_an_unknown_year_is_pending() -> None:
    routing = self_routing(SelfChannel.UNIT_PARTY_LEADER, date(2026, 12, 25), 5)
    assert routing.status is NominationStatus.LODGED
    assert routing.forward_deadline is None
    assert routing.deadline_pending
    assert routing.pending_year == 2027
    # Lodged the day before, the fifth working day is Thursday 31 December.
    earlier = self_routing(SelfChannel.UNIT_PARTY_LEADER, date(2026, 12, 24), 5)
    assert (earlier.forward_deadline, earlier.deadline_pending) == (date(2026, 12, 31), False)
    assert not self_routing(SelfChannel.ORG_DEPARTMENT, date(2026, 12, 25), 5).deadline_pending


def test_a_pending_deadline_is_not_late_and_is_settled_once_the_year_is_known() -> None:
    assert not is_late(None, date(2027, 6, 1))
    assert settle_deadline(date(2026, 12, 25), 5, None) is None
    load(fixture_2027())
    settled = settle_deadline(date(2026, 12, 25), 5, None)
    assert settled is not None
    assert (settled.deadline, settled.forwarded_late) == (date(2027, 1, 4), None)
    on_time = settle_deadline(date(2026, 12, 25), 5, date(2027, 1, 4))
    late = settle_deadline(date(2026, 12, 25), 5, date(2027, 1, 5))
    assert on_time is not None
    assert on_time.forwarded_late is False
    assert late is not None
    assert late.forwarded_late is True
