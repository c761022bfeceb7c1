"""Calendar years as data (国务院节假日安排): which years are known, a year's schedule, loading
one, keeping every process in step, and the readiness warning.

PUB-DURATION (publicity windows) and NOM-SELF-FORWARD (forward deadlines) count official
working days. The chinesecalendar package knows the years up to its release; each later year is
loaded from the State Council's notice when it is published (about November–December) by an
administrator, through `cadre calendar load FILE` or PUT /api/v1/calendar/years/{year}. A loaded
year is consulted before the package. Loading fills in, in the same transaction, the forward
deadlines left pending for want of that year. A year once loaded is replaced only with the
version read (If-Match) and a reason; each load is recorded (纪实, subject type "calendar").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.db import calendar_repo as repo
from app.db.calendar_models import CalendarYear
from app.db.uow import UnitOfWork
from app.domain import calendar
from app.domain.calendar_years import (
    NamedHoliday,
    YearDocument,
    check_package_override,
    validate,
)
from app.domain.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from app.services import audit, calendar_registry
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.nominations.deadlines import fill_pending
from app.services.retry import retry_transaction

SUBJECT = "calendar"
RULES = ("PUB-DURATION", "NOM-SELF-FORWARD")
# Each year's record (纪实) has its own subject id, derived from the year.
_NAMESPACE = uuid.UUID("6f0c7f0e-3c51-4c59-9a43-0c1e5b2f2a27")
# Who fills pending deadlines in at start (e.g. a chinesecalendar release covering their year).
SYSTEM = Actor(principal_id=None, name="system (calendar sync)", org_unit="", roles=frozenset())


def subject_id(year: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"calendar-year:{year}")


def how_to_load(year: int) -> str:
    """What an operator does about a missing year (problem details, readiness, the CLI)."""
    return (
        f"load it with `cadre calendar load FILE` or PUT /api/v1/calendar/years/{year} "
        "once the State Council has published it (file format: docs/calendar-2026.json)"
    )


class Origin(StrEnum):
    PACKAGE = "package"  # the chinesecalendar package
    LOADED = "loaded"  # loaded by an operator from the official notice


@dataclass(frozen=True)
class YearView:
    year: int
    origin: Origin
    source: str
    holidays: tuple[NamedHoliday, ...]
    workdays: tuple[date, ...]
    overrides_package: bool = False
    loaded_at: datetime | None = None
    loaded_by: str | None = None
    version: int | None = None

    @property
    def days_off(self) -> int:
        return sum(len(h.dates) for h in self.holidays)

    def document(self) -> YearDocument:
        return YearDocument(self.year, self.source, self.holidays, self.workdays)


@dataclass(frozen=True)
class LoadResult:
    view: YearView
    created: bool
    deadlines_filled: int  # pending forward deadlines filled in by this load


def _package_view(year: int) -> YearView:
    return YearView(
        year=year,
        origin=Origin.PACKAGE,
        source=f"{calendar.PACKAGE} {calendar.PACKAGE_VERSION}",
        holidays=tuple(
            NamedHoliday(name, tuple(dates)) for name, dates in calendar.package_holidays(year)
        ),
        workdays=tuple(calendar.package_workdays(year)),
    )


def _loaded_view(row: CalendarYear) -> YearView:
    doc = calendar_registry.document_of(row)
    return YearView(
        year=row.year,
        origin=Origin.LOADED,
        source=row.source,
        holidays=doc.holidays,
        workdays=doc.workdays,
        overrides_package=row.overrides_package,
        loaded_at=row.loaded_at,
        loaded_by=row.loaded_by,
        version=row.version,
    )


# --- reading -------------------------------------------------------------------------------------


def listing(uow: UnitOfWork, actor: Actor) -> list[YearView]:
    """Every covered year, oldest first: the package's, and the loaded ones (which take
    precedence, also over a package year they override)."""
    actor.role_for("calendar.read")
    rows = {r.year: r for r in repo.all_years(uow.session)}
    years = sorted(set(calendar.PACKAGE_YEARS) | set(rows))
    return [_loaded_view(rows[y]) if y in rows else _package_view(y) for y in years]


def read(uow: UnitOfWork, actor: Actor, year: int) -> YearView:
    actor.role_for("calendar.read")
    row = repo.get(uow.session, year)
    if row is not None:
        return _loaded_view(row)
    if year in calendar.PACKAGE_YEARS:
        return _package_view(year)
    raise NotFound(f"the official schedule of {year} is not known; {how_to_load(year)}")


def warnings(session: Session, today: date) -> list[str]:
    """What readiness reports: this year's schedule missing, or from 1 November the next
    year's. Reads the table first (this process may not have seen a year loaded elsewhere)."""
    calendar_registry.refresh_all(session)
    return [
        f"the official schedule of {year} is not loaded; {how_to_load(year)}"
        for year in calendar.missing_years(today)
    ]


# --- loading -------------------------------------------------------------------------------------


def _changes(old: YearDocument, new: YearDocument) -> dict[str, list[str]]:
    before, after = old.schedule(), new.schedule()

    def iso(days: set[date]) -> list[str]:
        return [d.isoformat() for d in sorted(days)]

    return {
        "days_off_added": iso(set(after.holidays - before.holidays)),
        "days_off_removed": iso(set(before.holidays - after.holidays)),
        "workdays_added": iso(set(after.workdays - before.workdays)),
        "workdays_removed": iso(set(before.workdays - after.workdays)),
    }


@retry_transaction
def load(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    doc: YearDocument,
    *,
    if_match: str | None,
    allow_replace: bool = True,
    reason: str | None = None,
    override_package: bool = False,
) -> LoadResult:
    """Load a year's official schedule (validated; every problem listed at once).

    A new year needs no If-Match. A loaded year is replaced only when `allow_replace`, with
    If-Match (428 missing, 412 stale; `*` matches any version) and a reason. A year the
    chinesecalendar package covers is loaded only with `override_package`. Deadlines pending
    for want of the year are filled in, in the same transaction.
    """
    role = actor.role_for("calendar.write")
    doc = validate(doc, clock.today())
    check_package_override(doc.year, override_package)
    calendar_registry.lock(uow.session)
    row = repo.get(uow.session, doc.year)
    now = clock.now()
    holidays: list[object] = [
        {"name": h.name, "dates": [d.isoformat() for d in h.dates]} for h in doc.holidays
    ]
    workdays: list[object] = [d.isoformat() for d in doc.workdays]
    payload: dict[str, Any] = {
        "year": doc.year,
        "source": doc.source,
        "holidays": holidays,
        "workdays": workdays,
        "overrides_package": doc.year in calendar.PACKAGE_YEARS,
    }
    created = row is None
    if row is None:
        if if_match is not None and if_match.strip() != "*":
            raise PreconditionFailed(
                f"the schedule of {doc.year} is not loaded yet: there is no version to match; "
                "load it without If-Match"
            )
        row = CalendarYear(year=doc.year, version=1)
        uow.session.add(row)
    else:
        if not allow_replace:
            raise Conflict(
                f"the schedule of {doc.year} is already loaded (version {row.version}, from "
                f"{row.source}); to replace it, load it again with --replace and a --reason"
            )
        require_match(if_match, row.version)
        if not (reason or "").strip():
            raise InvalidInput(
                f"replacing the loaded schedule of {doc.year} needs a reason (what was corrected)"
            )
        payload |= {
            "previous_version": row.version,
            "previous_source": row.source,
            "changes": _changes(calendar_registry.document_of(row), doc),
        }
        row.version += 1
    row.source = doc.source
    row.holidays = holidays
    row.workdays = workdays
    row.overrides_package = doc.year in calendar.PACKAGE_YEARS
    row.loaded_at = now
    row.loaded_by = actor.name[:200]
    uow.session.flush()

    previous = calendar.loaded(doc.year)
    calendar.install(doc.schedule())  # the deadlines below are computed with it
    try:
        filled = fill_pending(uow, actor, role, now)
        audit.append(
            uow.session,
            subject_type=SUBJECT,
            subject_id=subject_id(doc.year),
            action="calendar.year_loaded" if created else "calendar.year_replaced",
            actor=actor,
            role=role,
            at=now,
            rules=RULES,
            payload={
                **payload,
                "version": row.version,
                "reason": (reason or "").strip() or None,
                "deadlines_filled": filled,
            },
        )
        view = _loaded_view(row)
        uow.commit()
    except BaseException:
        calendar.restore(doc.year, previous)  # nothing was loaded
        raise
    return LoadResult(view=view, created=created, deadlines_filled=filled)


# --- start ---------------------------------------------------------------------------------------


def sync(factory: sessionmaker[Session], clock: Clock) -> None:
    """At start: install the loaded years, and fill in the pending deadlines the known years
    now allow (e.g. after a chinesecalendar release that covers their year)."""
    with UnitOfWork(factory) as uow:
        calendar_registry.lock(uow.session)
        calendar_registry.refresh_all(uow.session)
        if fill_pending(uow, SYSTEM, "system", clock.now()):
            uow.commit()


def forget_loaded_years() -> None:
    """At shutdown: this process no longer answers from the table it was started on."""
    calendar.install_all([])
