"""PUB-DURATION on the official PRC working-day calendar (国务院节假日安排).

The State Council publishes each year's holidays and make-up working days (调休) only about a
year ahead, so a date in a year the `chinese_calendar` package does not cover is an error
(CalendarNotCovered), never a guess from the weekday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar

from app.domain.errors import CalendarNotCovered, InvalidInput

# China has one time zone and no DST; a fixed offset avoids a tzdata dependency.
CHINA_TZ = timezone(timedelta(hours=8))

_DAY = timedelta(days=1)


def is_working_day(d: date) -> bool:
    """Official working day: holidays are not, make-up Saturdays/Sundays are."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        raise CalendarNotCovered(
            f"the official working-day schedule of {d.year} is not known "
            f"(needed for {d.isoformat()}); update the chinesecalendar package"
        ) from None


@dataclass(frozen=True)
class PublicityWindow:
    start: date
    end: date  # last day of the window (inclusive)
    working_days: int  # working days inside [start, end] (> requested if calendar days rule)
    closes_at: datetime  # 00:00 China time of the day after `end`


def publicity_window(
    start: date, working_days: int, calendar_days: int | None = None
) -> PublicityWindow:
    """The publicity window opened on `start` (任前公示).

    The publication day counts as day one when it is a working day; otherwise counting starts
    at the next working day. `end` is the day of the Nth working day; with `calendar_days` set
    (seed 001: 7 days) the window also lasts that many calendar days and ends at the later end.
    """
    if working_days < 1:
        raise InvalidInput(f"working_days must be >= 1, got {working_days}")
    if calendar_days is not None and calendar_days < 1:
        raise InvalidInput(f"calendar_days must be >= 1, got {calendar_days}")

    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == working_days:
                break
        day += _DAY
    end = day
    if calendar_days is not None:
        end = max(end, start + (calendar_days - 1) * _DAY)
    # Every day of the window is looked up, so a calendar-day end reaching into an uncovered
    # year raises too: nothing in the window is guessed.
    total = sum(1 for i in range((end - start).days + 1) if is_working_day(start + i * _DAY))
    closes_at = datetime.combine(end + _DAY, time(0), tzinfo=CHINA_TZ)
    return PublicityWindow(start=start, end=end, working_days=total, closes_at=closes_at)


def add_working_days(d: date, n: int) -> date:
    """The Nth working day after `d` (`d` itself not counted); e.g. NOM-SELF-FORWARD deadlines."""
    if n < 1:
        raise InvalidInput(f"n must be >= 1, got {n}")
    counted = 0
    while counted < n:
        d += _DAY
        if is_working_day(d):
            counted += 1
    return d
