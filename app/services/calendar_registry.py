"""Keeps the domain's registry of loaded calendar years in step with the `calendar_years` table.

The domain consults the registry (in memory, per process) before the chinesecalendar package.
The table is the truth; a process installs what it holds:

* at start (app lifespan, `app.services.calendar.sync`);
* right after loading a year itself (in the loading transaction, undone if it fails);
* when a lookup misses: a use case that meets CalendarNotCovered reads that year's row (one
  primary-key lookup) and, if another process has loaded it, installs it and runs again
  (`app.services.retry.retry_transaction`, and lodging a self-nomination);
* on every readiness probe (`/readyz`), which reads the whole (small) table.

Refreshing on a miss is what makes a year loaded by one worker usable by every other at once:
a missing year is exactly the lookup that misses, a miss costs one query in that process and
the year is cached from then on. Readiness probes reach one worker at a time, so they alone
would leave the others stale; they serve to spread a *replaced* year (which no lookup misses).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.db import calendar_repo as repo
from app.db.calendar_models import CalendarYear
from app.domain import calendar
from app.domain.calendar_years import NamedHoliday, YearDocument


def document_of(row: CalendarYear) -> YearDocument:
    holidays: list[NamedHoliday] = []
    for h in row.holidays:
        assert isinstance(h, dict)
        holidays.append(
            NamedHoliday(str(h["name"]), tuple(date.fromisoformat(str(d)) for d in h["dates"]))
        )
    return YearDocument(
        year=row.year,
        source=row.source,
        holidays=tuple(holidays),
        workdays=tuple(date.fromisoformat(str(d)) for d in row.workdays),
    )


def refresh_all(session: Session) -> None:
    """Install exactly the years the table holds."""
    calendar.install_all(document_of(r).schedule() for r in repo.all_years(session))


def refresh_year(session: Session, year: int) -> bool:
    """After a miss: install `year` if the table has it (loaded by another process)."""
    row = repo.get(session, year)
    if row is None:
        return False
    calendar.install(document_of(row).schedule())
    return True


def lock(session: Session) -> None:
    """Order this transaction against concurrent loads of a year (see calendar_repo.lock)."""
    repo.lock(session)
