"""PUB-DURATION on the official PRC working-day calendar (国务院节假日安排).

The State Council publishes each year's holidays and make-up working days (调休) only about a
year ahead. A year's schedule comes from one of two places, in this order:

1. the registry of loaded years: schedules an operator loaded from the official notice
   (`cadre calendar load`, PUT /api/v1/calendar/years/{year}), kept in the `calendar_years` table
   and installed here by the services (at start, after a load, when a lookup misses);
2. the `chinese_calendar` package, which covers the years up to its release.

A date in a year known to neither is an error (CalendarNotCovered), never a guess from the
weekday.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from importlib import metadata

import chinese_calendar

from app.domain.errors import CalendarNotCovered, InvalidInput

# China has one time zone and no DST; a fixed offset avoids a tzdata dependency.
CHINA_TZ = timezone(timedelta(hours=8))

_DAY = timedelta(days=1)


# --- the years the chinese_calendar package covers ---------------------------------------------


def _package_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - installed from source
        return str(getattr(chinese_calendar, "__version__", "unknown"))


PACKAGE = "chinesecalendar"
PACKAGE_VERSION = _package_version()
_PACKAGE_HOLIDAYS: Mapping[date, str] = chinese_calendar.holidays
_PACKAGE_WORKDAYS: Mapping[date, str] = chinese_calendar.workdays
# The package answers for every date of [first, last] and refuses the others.
PACKAGE_YEARS = range(min(_PACKAGE_HOLIDAYS).year, max(_PACKAGE_HOLIDAYS).year + 1)
# The package names holidays in English (and in short Chinese); named as the notices name them.
_NOTICE_NAME = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
_CHINESE_NAME: Mapping[str, str] = {
    h.value: _NOTICE_NAME.get(h.chinese, h.chinese) for h in chinese_calendar.Holiday
}


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """The official schedule of one year: the days off (放假, weekends inside a holiday
    included) and the make-up working days (调休上班, a Saturday or Sunday). Every other
    Monday to Friday is a working day, every other Saturday and Sunday is not."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str  # the notice it was taken from (国务院办公厅关于……年部分节假日安排的通知)

    def is_working_day(self, d: date) -> bool:
        return d in self.workdays or (d.weekday() < 5 and d not in self.holidays)


def package_holidays(year: int) -> list[tuple[str, list[date]]]:
    """The package's holidays of `year` by name (as the notice names them), in date order;
    [] outside its years."""
    named: dict[str, list[date]] = {}
    for d in sorted(x for x in _PACKAGE_HOLIDAYS if x.year == year):
        name = _PACKAGE_HOLIDAYS[d]
        named.setdefault(_CHINESE_NAME.get(name, name), []).append(d)
    return list(named.items())


def package_workdays(year: int) -> list[date]:
    """The package's make-up working days of `year`, in date order."""
    return sorted(x for x in _PACKAGE_WORKDAYS if x.year == year)


# --- the registry of loaded years --------------------------------------------------------------

# Copy-on-write: readers take the current mapping without a lock; writers swap in a new one.
_loaded: Mapping[int, YearSchedule] = {}
_write_lock = threading.Lock()


def install(schedule: YearSchedule) -> None:
    """Add or replace one loaded year (consulted before the package)."""
    global _loaded
    with _write_lock:
        _loaded = {**_loaded, schedule.year: schedule}


def install_all(schedules: Iterable[YearSchedule]) -> None:
    """Make `schedules` exactly the loaded years (the table is the truth; [] forgets all)."""
    global _loaded
    fresh = {s.year: s for s in schedules}
    with _write_lock:
        _loaded = fresh


def restore(year: int, previous: YearSchedule | None) -> None:
    """Put back what was installed for `year` before (None: nothing), e.g. after a rollback."""
    global _loaded
    with _write_lock:
        rest = {y: s for y, s in _loaded.items() if y != year}
        _loaded = rest if previous is None else {**rest, year: previous}


def loaded(year: int) -> YearSchedule | None:
    return _loaded.get(year)


def loaded_years() -> dict[int, YearSchedule]:
    return dict(_loaded)


def is_covered(year: int) -> bool:
    """Whether the official schedule of `year` is known (loaded, or in the package)."""
    return year in _loaded or year in PACKAGE_YEARS


def missing_years(today: date) -> list[int]:
    """The years whose schedule is missing and soon needed: this year always; the next one
    from 1 November (the State Council publishes it around November–December, and windows and
    deadlines reach into it from late December)."""
    out = [] if is_covered(today.year) else [today.year]
    if today >= date(today.year, 11, 1) and not is_covered(today.year + 1):
        out.append(today.year + 1)
    return out


def is_working_day(d: date) -> bool:
    """Official working day: holidays are not, make-up Saturdays/Sundays are."""
    schedule = _loaded.get(d.year)
    if schedule is not None:
        return schedule.is_working_day(d)
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        raise CalendarNotCovered(
            f"the official working-day schedule of {d.year} is not known "
            f"(needed for {d.isoformat()})",
            year=d.year,
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
    # Midnight China time after the last day, held in UTC: every instant is answered in UTC.
    closes_at = datetime.combine(end + _DAY, time(0), tzinfo=CHINA_TZ).astimezone(UTC)
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
