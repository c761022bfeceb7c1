"""Calendar years (国务院节假日安排): the file format of a year's official schedule, and the
years the working-day calendar knows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from app.api.schemas.common import Date, Line, OutModel, StrictModel, Text
from app.services.calendar import Origin

Year = Annotated[int, Field(ge=1950, le=2200, examples=[2027])]
ORIGIN_DESCRIPTION = (
    "package: the chinesecalendar package answers for the year; loaded: an operator loaded the "
    "official notice (consulted before the package)"
)


class HolidayIn(StrictModel):
    name: Annotated[str, Line(100, 1)] = Field(
        description="The holiday as the notice names it", examples=["元旦"]
    )
    dates: list[Date] = Field(
        min_length=1,
        max_length=31,
        description="Every day off of the holiday (放假调休), weekends inside it included",
        examples=[["2026-01-01", "2026-01-02", "2026-01-03"]],
    )


class CalendarYearIn(StrictModel):
    """A year's official schedule: the file `cadre calendar load` reads (docs/calendar-2026.json
    is the 2026 notice in this format), plus `reason` when a loaded year is replaced."""

    year: Year
    source: Annotated[str, Line(500, 1)] = Field(
        description="The notice the schedule is taken from",
        examples=["国务院办公厅关于2026年部分节假日安排的通知 (2025年11月4日)"],
    )
    holidays: list[HolidayIn] = Field(min_length=1, max_length=20)
    workdays: list[Date] = Field(
        max_length=30,
        description="The make-up working days (调休上班): Saturdays or Sundays that are worked",
        examples=[["2026-01-04", "2026-02-14"]],
    )
    reason: Annotated[str, Text(2000, 1)] | None = Field(
        default=None,
        description="Required when replacing a loaded year: what was corrected (not part of "
        "the file; recorded)",
    )


class HolidayOut(OutModel):
    name: str
    dates: list[date]


class CalendarYearSummaryOut(OutModel):
    year: int
    origin: Origin = Field(description=ORIGIN_DESCRIPTION)
    source: str = Field(description="The notice, or the package and its version")
    holiday_count: int = Field(description="Holidays named in the schedule")
    days_off_count: int = Field(description="Days off of those holidays")
    workday_count: int = Field(description="Make-up working days")
    overrides_package: bool = Field(
        description="Loaded over a year the chinesecalendar package covers"
    )
    loaded_at: datetime | None
    loaded_by: str | None
    version: int | None = Field(description="Version of a loaded year (null for the package)")
    etag: str | None = Field(description="Send as If-Match to replace a loaded year")


class CalendarYearOut(CalendarYearSummaryOut):
    holidays: list[HolidayOut]
    workdays: list[date]


class CalendarYearLoadOut(CalendarYearOut):
    deadlines_filled: int = Field(
        description="Forward deadlines of self-nominations (NOM-SELF-FORWARD) that were pending "
        "for want of this year and are now filled in"
    )


class CalendarPackageOut(OutModel):
    name: str
    version: str
    first_year: int
    last_year: int


class CalendarYearListOut(OutModel):
    items: list[CalendarYearSummaryOut]
    package: CalendarPackageOut
    warnings: list[str] = Field(
        description="This year's schedule missing, or from 1 November the next year's"
    )
