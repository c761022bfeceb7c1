"""Queries of loaded calendar years (`calendar_years`). Nothing here commits."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db.calendar_models import CalendarYear

# PostgreSQL advisory lock (transaction scoped) that orders loading a year against lodging a
# self-nomination whose deadline would be pending: either the load sees the nomination and
# fills its deadline, or the lodging sees the year. SQLite orders every writer already (its
# transactions take the write lock at BEGIN).
_LOCK_KEY = 0x63616C656E646172  # "calendar"


def lock(session: Session) -> None:
    """Serialize with concurrent loads of a calendar year (until the transaction ends)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def get(session: Session, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, year)


def all_years(session: Session) -> list[CalendarYear]:
    return list(session.scalars(select(CalendarYear).order_by(CalendarYear.year)))
