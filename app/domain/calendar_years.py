"""A year's official schedule as data: the file an operator loads, and its validation.

The State Council's notice (国务院办公厅关于××××年部分节假日安排的通知) names, for each holiday,
the days off, and the Saturdays and Sundays that become working days (调休上班). The file
carries exactly that (docs/calendar-2026.json is the 2026 notice in this format):

    {"year": 2026,
     "source": "国务院办公厅关于2026年部分节假日安排的通知 (2025年11月4日)",
     "holidays": [{"name": "元旦", "dates": ["2026-01-01", "2026-01-02", "2026-01-03"]}, ...],
     "workdays": ["2026-01-04", "2026-02-14", ...]}

Nothing here guesses: a file that is not internally consistent is refused with every problem
listed, and a year is never filled in from weekdays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from app.domain.calendar import PACKAGE_YEARS, YearSchedule
from app.domain.errors import Conflict, InvalidInput

FIELDS = ("year", "source", "holidays", "workdays")
MAX_SOURCE = 500
MAX_NAME = 100
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a schedule file: where, a stable code, and what."""

    loc: Loc
    code: str
    msg: str


class ScheduleInvalid(InvalidInput):
    """The schedule file is refused; `problems` lists everything wrong with it at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(
            f"{'.'.join(str(p) for p in x.loc) or 'file'}: {x.msg}" for x in self.problems[:5]
        )
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"the schedule is not valid: {shown}{more}")


@dataclass(frozen=True, slots=True)
class NamedHoliday:
    name: str  # as the notice names it, e.g. 春节
    dates: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class YearDocument:
    """A year's schedule as written in the file (before or after `validate`)."""

    year: int
    source: str
    holidays: tuple[NamedHoliday, ...]
    workdays: tuple[date, ...]

    def schedule(self) -> YearSchedule:
        return YearSchedule(
            year=self.year,
            holidays=frozenset(d for h in self.holidays for d in h.dates),
            workdays=frozenset(self.workdays),
            source=self.source,
        )

    def to_document(self) -> dict[str, object]:
        """The file format (JSON-ready), e.g. for `cadre calendar export`."""
        return {
            "year": self.year,
            "source": self.source,
            "holidays": [
                {"name": h.name, "dates": [d.isoformat() for d in h.dates]} for h in self.holidays
            ],
            "workdays": [d.isoformat() for d in self.workdays],
        }


# --- reading a parsed file (JSON or TOML) ------------------------------------------------------


def _date(value: object, loc: Loc, problems: list[Problem]) -> date | None:
    if isinstance(value, date):  # TOML has dates of its own
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(Problem(loc, "date", f"{value!r} is not a date (YYYY-MM-DD)"))
    return None


def _dates(value: object, loc: Loc, problems: list[Problem]) -> tuple[date, ...]:
    if not isinstance(value, list):
        problems.append(Problem(loc, "type", "must be a list of dates (YYYY-MM-DD)"))
        return ()
    found = [_date(v, (*loc, i), problems) for i, v in enumerate(value)]
    return tuple(d for d in found if d is not None)


def _text(value: object, loc: Loc, problems: list[Problem]) -> str:
    if not isinstance(value, str):
        problems.append(Problem(loc, "type", "must be a text"))
        return ""
    return value  # blank or too long: `validate` says so


def parse_document(raw: object) -> YearDocument:
    """The document read from a file (a JSON object or a TOML table), checked for its shape
    only; `validate` checks what it says. Unknown keys are refused, as in the API."""
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        raise ScheduleInvalid([Problem((), "type", "the file must hold one object (a table)")])
    for key in raw:
        if key not in FIELDS:
            problems.append(
                Problem((str(key),), "unknown", f"unknown key; expected {', '.join(FIELDS)}")
            )
    for key in FIELDS:
        if key not in raw:
            problems.append(Problem((key,), "missing", "is required"))
    year = raw.get("year")
    if "year" in raw and (not isinstance(year, int) or isinstance(year, bool)):
        problems.append(Problem(("year",), "type", "must be a whole number, e.g. 2027"))
        year = None
    source = _text(raw.get("source"), ("source",), problems) if "source" in raw else ""
    holidays: list[NamedHoliday] = []
    raw_holidays = raw.get("holidays", [])
    if not isinstance(raw_holidays, list):
        problems.append(Problem(("holidays",), "type", "must be a list of {name, dates}"))
        raw_holidays = []
    for i, h in enumerate(raw_holidays):
        loc: Loc = ("holidays", i)
        if not isinstance(h, Mapping):
            problems.append(Problem(loc, "type", "must be an object {name, dates}"))
            continue
        extra = sorted(str(k) for k in h if k not in ("name", "dates"))
        if extra:
            problems.append(Problem(loc, "unknown", f"unknown keys {extra}; expected name, dates"))
        holidays.append(
            NamedHoliday(
                name=_text(h.get("name"), (*loc, "name"), problems),
                dates=_dates(h.get("dates"), (*loc, "dates"), problems),
            )
        )
    workdays = _dates(raw.get("workdays", []), ("workdays",), problems)
    if problems:
        raise ScheduleInvalid(problems)
    assert isinstance(year, int)
    return YearDocument(year=year, source=source, holidays=tuple(holidays), workdays=workdays)


# --- what the document says ---------------------------------------------------------------------


def validate(doc: YearDocument, today: date) -> YearDocument:
    """Check the schedule and return it in normal form (holidays by first day, dates sorted).

    Every date lies in the year; a holiday has a name (unique) and at least one date; no day is
    off twice; the make-up working days are Saturdays or Sundays that are not days off; the year
    has at least one holiday. A year after next is refused: its schedule cannot have been
    published yet (the notice comes out about a month before the year begins).
    """
    problems: list[Problem] = []
    year = doc.year
    if not 1949 < year <= today.year + 1:
        problems.append(
            Problem(
                ("year",),
                "year",
                f"{year} is not a year whose schedule can be published by {today.isoformat()} "
                f"(1950 to {today.year + 1})",
            )
        )
    if not doc.source.strip():
        problems.append(Problem(("source",), "missing", "name the notice the schedule is from"))
    elif len(doc.source) > MAX_SOURCE:
        problems.append(Problem(("source",), "length", f"at most {MAX_SOURCE} characters"))
    if not doc.holidays:
        problems.append(Problem(("holidays",), "missing", "a year has at least one holiday"))

    seen_names: set[str] = set()
    off: dict[date, str] = {}
    for i, h in enumerate(doc.holidays):
        loc: Loc = ("holidays", i)
        name = h.name.strip()
        if not name:
            problems.append(Problem((*loc, "name"), "missing", "a holiday has a name"))
        elif len(name) > MAX_NAME:
            problems.append(Problem((*loc, "name"), "length", f"at most {MAX_NAME} characters"))
        elif name in seen_names:
            problems.append(Problem((*loc, "name"), "duplicate", f"{name} is listed twice"))
        seen_names.add(name)
        if not h.dates:
            problems.append(Problem((*loc, "dates"), "missing", "a holiday has at least one day"))
        for j, d in enumerate(h.dates):
            where: Loc = (*loc, "dates", j)
            if d.year != year:
                problems.append(Problem(where, "outside_year", f"{d} is not in {year}"))
            elif d in off:
                problems.append(Problem(where, "duplicate", f"{d} is already off ({off[d]})"))
            else:
                off[d] = name or f"holiday {i}"

    seen_workdays: set[date] = set()
    for j, d in enumerate(doc.workdays):
        where = ("workdays", j)
        if d.year != year:
            problems.append(Problem(where, "outside_year", f"{d} is not in {year}"))
        elif d in seen_workdays:
            problems.append(Problem(where, "duplicate", f"{d} is listed twice"))
        elif d in off:
            problems.append(
                Problem(where, "overlap", f"{d} is both a day off ({off[d]}) and a working day")
            )
        elif d.weekday() < 5:
            problems.append(
                Problem(
                    where,
                    "weekday",
                    f"{d} is a {d.strftime('%A')}; a make-up working day is a Saturday or Sunday",
                )
            )
        seen_workdays.add(d)
    if problems:
        raise ScheduleInvalid(problems)
    return YearDocument(
        year=year,
        source=doc.source.strip(),
        holidays=tuple(
            sorted(
                (NamedHoliday(h.name.strip(), tuple(sorted(h.dates))) for h in doc.holidays),
                key=lambda h: h.dates[0],
            )
        ),
        workdays=tuple(sorted(doc.workdays)),
    )


def check_package_override(year: int, override_package: bool) -> None:
    """A year the chinesecalendar package covers is replaced only on purpose: the package's
    answers are the published ones, and a loaded year takes precedence over them."""
    if year in PACKAGE_YEARS and not override_package:
        raise Conflict(
            f"{year} is covered by the chinesecalendar package ({PACKAGE_YEARS.start}–"
            f"{PACKAGE_YEARS.stop - 1}); to use a loaded schedule instead, load it with "
            "override_package (cadre calendar load --override-package)"
        )
