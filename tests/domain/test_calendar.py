"""PUB-DURATION. Expected dates were read from chinesecalendar 1.11 (State Council schedules):

2025 National Day: Oct 1–8 off; make-up working days Sun Sep 28 and Sat Oct 11.
2026 Mid-autumn Sep 25–27 and National Day Oct 1–7 off; make-up Sun Sep 20 and Sat Oct 10.
2026 Spring Festival: Feb 15–23 off; make-up Sat Feb 14 and Sat Feb 28.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.calendar import (
    CHINA_TZ,
    PublicityWindow,
    add_working_days,
    is_working_day,
    publicity_window,
)
from app.domain.errors import CalendarNotCovered, InvalidInput


def test_china_time_is_utc_plus_8() -> None:
    assert CHINA_TZ.utcoffset(None) == timedelta(hours=8)


def test_working_days_follow_the_official_schedule() -> None:
    assert is_working_day(date(2025, 3, 10))  # ordinary Monday
    assert not is_working_day(date(2025, 3, 8))  # ordinary Saturday
    assert not is_working_day(date(2025, 10, 1))  # National Day
    assert is_working_day(date(2025, 9, 28))  # make-up Sunday
    assert is_working_day(date(2026, 2, 14))  # make-up Saturday


def test_ordinary_monday_ends_friday() -> None:
    w = publicity_window(date(2025, 3, 10), 5)
    assert w == PublicityWindow(
        start=date(2025, 3, 10),
        end=date(2025, 3, 14),
        working_days=5,
        closes_at=datetime(2025, 3, 15, 0, 0, tzinfo=CHINA_TZ),
    )


def test_closes_at_is_midnight_china_time_after_the_last_day() -> None:
    w = publicity_window(date(2025, 3, 10), 5)
    # Held in UTC (every instant is answered in UTC with Z): 00:00 China time is 16:00 UTC.
    assert w.closes_at.utcoffset() == timedelta(0)
    assert w.closes_at == datetime(2025, 3, 14, 16, 0, tzinfo=UTC)
    assert w.closes_at.astimezone(CHINA_TZ).isoformat() == "2025-03-15T00:00:00+08:00"


def test_a_saturday_start_counts_from_monday() -> None:
    w = publicity_window(date(2025, 3, 8), 5)
    assert (w.start, w.end, w.working_days) == (date(2025, 3, 8), date(2025, 3, 14), 5)


def test_national_day_2025_is_skipped_and_make_up_saturday_counts() -> None:
    # Mon Sep 29, Tue Sep 30, Thu Oct 9, Fri Oct 10, Sat Oct 11 (make-up).
    w = publicity_window(date(2025, 9, 29), 5)
    assert w.end == date(2025, 10, 11)
    assert w.closes_at == datetime(2025, 10, 12, tzinfo=CHINA_TZ)


def test_make_up_sunday_counts() -> None:
    # Fri Sep 26, Sun Sep 28 (make-up), Mon 29, Tue 30, then Thu Oct 9.
    w = publicity_window(date(2025, 9, 26), 5)
    assert w.end == date(2025, 10, 9)
    assert w.working_days == 5


def test_national_day_2026() -> None:
    # Wed Sep 30, Thu Oct 8, Fri Oct 9, Sat Oct 10 (make-up), Mon Oct 12.
    assert publicity_window(date(2026, 9, 30), 5).end == date(2026, 10, 12)
    # Mon Sep 28 – Wed Sep 30, then Thu Oct 8, Fri Oct 9.
    assert publicity_window(date(2026, 9, 28), 5).end == date(2026, 10, 9)


def test_make_up_sunday_2026_counts() -> None:
    # Sun Sep 20 (make-up) is day one, Mon 21 – Thu 24; Fri Sep 25 is Mid-autumn.
    w = publicity_window(date(2026, 9, 20), 5)
    assert w.end == date(2026, 9, 24)


def test_spring_festival_2026() -> None:
    # Thu Feb 12, Fri Feb 13, Sat Feb 14 (make-up), then Tue Feb 24, Wed Feb 25.
    w = publicity_window(date(2026, 2, 12), 5)
    assert w.end == date(2026, 2, 25)
    # Starting inside the holiday: Tue Feb 24 – Fri Feb 27 and Sat Feb 28 (make-up).
    assert publicity_window(date(2026, 2, 16), 5).end == date(2026, 2, 28)


def test_seven_calendar_days_extend_an_ordinary_week() -> None:
    w = publicity_window(date(2025, 3, 10), 5, calendar_days=7)
    assert w.end == date(2025, 3, 16)  # Sunday: 7 days beat the Friday of 5 working days
    assert w.working_days == 5
    assert w.closes_at == datetime(2025, 3, 17, tzinfo=CHINA_TZ)


def test_seven_calendar_days_across_a_holiday_keep_five_working_days() -> None:
    w = publicity_window(date(2025, 9, 29), 5, calendar_days=7)
    assert w.end == date(2025, 10, 11)  # 7 days would end Oct 5 inside the holiday


def test_calendar_days_longer_than_working_days_count_the_extra_working_days() -> None:
    w = publicity_window(date(2025, 3, 10), 5, calendar_days=10)
    assert w.end == date(2025, 3, 19)
    assert w.working_days == 8


def test_window_running_into_2027_is_not_guessed() -> None:
    # Mon Dec 28 – Thu Dec 31 are four working days; the fifth would be in 2027.
    with pytest.raises(CalendarNotCovered, match="2027"):
        publicity_window(date(2026, 12, 28), 5)


def test_calendar_day_end_in_2027_is_not_guessed() -> None:
    # 5 working days end Dec 31 2026, but 7 calendar days reach Jan 1–2 2027.
    with pytest.raises(CalendarNotCovered, match="2027"):
        publicity_window(date(2026, 12, 27), 5, calendar_days=7)


def test_last_covered_days_work() -> None:
    assert publicity_window(date(2026, 12, 24), 5).end == date(2026, 12, 30)


def test_year_2003_is_not_covered() -> None:
    with pytest.raises(CalendarNotCovered, match="2003"):
        is_working_day(date(2003, 6, 2))
    with pytest.raises(CalendarNotCovered, match="2003"):
        publicity_window(date(2003, 6, 2), 5)


@pytest.mark.parametrize(("working", "calendar"), [(0, None), (5, 0)])
def test_non_positive_lengths_are_invalid(working: int, calendar: int | None) -> None:
    with pytest.raises(InvalidInput):
        publicity_window(date(2025, 3, 10), working, calendar)


def test_add_working_days_skips_holidays() -> None:
    assert add_working_days(date(2025, 3, 10), 5) == date(2025, 3, 17)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    with pytest.raises(CalendarNotCovered):
        add_working_days(date(2026, 12, 30), 3)
