"""/api/v1/calendar: the official working-day calendar (国务院节假日安排) as data.

PUB-DURATION and NOM-SELF-FORWARD count official working days. The chinesecalendar package
knows the years up to its release; an administrator loads each later year from the State
Council's notice once it is published (or `cadre calendar load FILE`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.calendar import (
    CalendarPackageOut,
    CalendarYearIn,
    CalendarYearListOut,
    CalendarYearLoadOut,
    CalendarYearOut,
    CalendarYearSummaryOut,
    HolidayOut,
)
from app.api.schemas.common import QueryBool
from app.domain import calendar
from app.domain.calendar_years import NamedHoliday, YearDocument
from app.domain.errors import InvalidInput
from app.services import calendar as svc
from app.services.etag import etag

PREFIX = "/api/v1/calendar"
router = APIRouter(route_class=OneHopRoute, prefix=PREFIX, tags=["calendar"], responses=PROBLEMS)

YearPath = Annotated[int, Path(ge=1950, le=2200, description="The year, e.g. 2027")]
IF_MATCH = (
    "Required to replace a loaded year: its ETag as you read it (412 when stale, 428 when "
    "missing); leave it out to load a new year"
)


def _summary_fields(v: svc.YearView) -> dict[str, object]:
    return {
        "year": v.year,
        "origin": v.origin,
        "source": v.source,
        "holiday_count": len(v.holidays),
        "days_off_count": v.days_off,
        "workday_count": len(v.workdays),
        "overrides_package": v.overrides_package,
        "loaded_at": v.loaded_at,
        "loaded_by": v.loaded_by,
        "version": v.version,
        "etag": etag(v.version) if v.version is not None else None,
    }


def _detail_fields(v: svc.YearView) -> dict[str, object]:
    return {
        **_summary_fields(v),
        "holidays": [HolidayOut(name=h.name, dates=list(h.dates)) for h in v.holidays],
        "workdays": list(v.workdays),
    }


@router.get(
    "/years",
    operation_id="listCalendarYears",
    summary="The years whose official working-day schedule is known, and where from",
)
def list_calendar_years(
    uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> CalendarYearListOut:
    """Every covered year, oldest first: from the chinesecalendar package or loaded from the
    State Council's notice (a loaded year is consulted first). `warnings` names a missing
    year that is soon needed, as the readiness probe does."""
    views = svc.listing(uow, actor)
    warnings = svc.warnings(uow.session, clock.today())
    no_store(response)
    return CalendarYearListOut(
        items=[CalendarYearSummaryOut.model_validate(_summary_fields(v)) for v in views],
        package=CalendarPackageOut(
            name=calendar.PACKAGE,
            version=calendar.PACKAGE_VERSION,
            first_year=calendar.PACKAGE_YEARS.start,
            last_year=calendar.PACKAGE_YEARS.stop - 1,
        ),
        warnings=warnings,
    )


@router.get(
    "/years/{year}",
    operation_id="getCalendarYear",
    summary="A year's official schedule: holidays and make-up working days",
)
def get_calendar_year(
    year: YearPath, uow: UowDep, actor: ActorDep, response: Response
) -> CalendarYearOut:
    """The schedule in the file format's terms; a loaded year carries its ETag. A year that is
    not known is a 404 that says how to load it."""
    view = svc.read(uow, actor, year)
    if view.version is not None:
        response.headers["ETag"] = etag(view.version)
    no_store(response)
    return CalendarYearOut.model_validate(_detail_fields(view))


@router.put(
    "/years/{year}",
    operation_id="loadCalendarYear",
    summary="Load a year's official schedule (administrators)",
    responses={
        201: {"model": CalendarYearLoadOut, "description": "Loaded: the year was not known"},
    },
)
def load_calendar_year(
    year: YearPath,
    body: CalendarYearIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200, description=IF_MATCH)] = None,
    override_package: Annotated[
        QueryBool,
        Query(description="Load a year the chinesecalendar package covers (it then wins)"),
    ] = False,
) -> CalendarYearLoadOut:
    """Load the schedule of the State Council's notice (国务院办公厅关于……年部分节假日安排的通知):
    201 for a new year, 200 when a loaded year is replaced (If-Match and `reason` required).
    The file is checked as a whole and every problem listed (422): each date lies in the year,
    no day is off twice, make-up working days are Saturdays or Sundays that are not days off.
    A year after next cannot have been published and is refused. Self-nomination deadlines
    pending for want of the year (NOM-SELF-FORWARD) are filled in, in the same transaction;
    every load is recorded."""
    if body.year != year:
        raise InvalidInput(f"the file is the schedule of {body.year}, not of {year}")
    doc = YearDocument(
        year=body.year,
        source=body.source,
        holidays=tuple(NamedHoliday(h.name, tuple(h.dates)) for h in body.holidays),
        workdays=tuple(body.workdays),
    )
    result = svc.load(
        uow,
        actor,
        clock,
        doc,
        if_match=if_match,
        reason=body.reason,
        override_package=override_package,
    )
    view = result.view
    assert view.version is not None
    response.status_code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    response.headers["ETag"] = etag(view.version)
    if result.created:
        response.headers["Location"] = f"{PREFIX}/years/{view.year}"
    no_store(response)
    return CalendarYearLoadOut.model_validate(
        {**_detail_fields(view), "deadlines_filled": result.deadlines_filled}
    )
