"""Training deferred at appointment (QUAL-TRAINING, QUAL-TRAINING-DUE).

A cadre appointed without the required training hours must make them up within one year after
the appointment (R2019 Art 8(5)). The deadline's status on a day is derived here, never stored:
the day is the date in China (Clock.today()).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from app.domain.errors import InvalidInput, RuleViolated
from app.domain.qualification import add_months

DEADLINE_MONTHS = 12
DUE_SOON_DAYS = 30


class TrainingDeadlineStatus(StrEnum):
    """Where a training deadline stands on a given day."""

    OPEN = "open"  # outstanding, due in more than DUE_SOON_DAYS days
    DUE_SOON = "due_soon"  # outstanding, due within DUE_SOON_DAYS days (today included)
    OVERDUE = "overdue"  # outstanding, due_on before today
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def outstanding(self) -> bool:
        return self not in {TrainingDeadlineStatus.COMPLETED, TrainingDeadlineStatus.CANCELLED}


class TrainingStatusFilter(StrEnum):
    """The listing's `status` filter: `open` is every outstanding deadline not yet overdue
    (due_soon included)."""

    OPEN = "open"
    OVERDUE = "overdue"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def deadline_for(appointed_on: date) -> date:
    """Appointment date + 12 months (Jan 31 → Jan 31; Feb 29 → Feb 28)."""
    return add_months(appointed_on, DEADLINE_MONTHS)


def status_on(
    due_on: date, today: date, *, completed_on: date | None = None, cancelled: bool = False
) -> TrainingDeadlineStatus:
    if cancelled:
        return TrainingDeadlineStatus.CANCELLED
    if completed_on is not None:
        return TrainingDeadlineStatus.COMPLETED
    if due_on < today:
        return TrainingDeadlineStatus.OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return TrainingDeadlineStatus.DUE_SOON
    return TrainingDeadlineStatus.OPEN


def hours_missing(hours_required: int, hours_on_file: int) -> int:
    """Hours still to be made up (0 when the requirement is met)."""
    return max(hours_required - hours_on_file, 0)


def check_deferral(hours_required: int, hours_on_file: int) -> None:
    """A deadline is created only for a requirement not met at appointment."""
    if hours_required < 0 or hours_on_file < 0:
        raise InvalidInput("training hours cannot be negative")
    if hours_on_file >= hours_required:
        raise InvalidInput(
            f"{hours_on_file} training hours on file meet the {hours_required} required; "
            "nothing is deferred",
            rule="QUAL-TRAINING-DUE",
        )


def check_completion(
    *,
    today: date,
    created_on: date,
    completed_on: date,
    hours_required: int,
    hours_on_file: int,
    hours: int,
) -> None:
    """The completion must be dated between the deadline's creation and today (in China), and
    the hours on file at appointment plus the hours completed must reach the requirement."""
    if hours < 0:
        raise InvalidInput("hours cannot be negative")
    if completed_on > today:
        raise InvalidInput(
            f"completed_on {completed_on.isoformat()} is in the future "
            f"(today is {today.isoformat()} in China)"
        )
    if completed_on < created_on:
        raise InvalidInput(
            f"completed_on {completed_on.isoformat()} is before the deadline was created "
            f"({created_on.isoformat()})"
        )
    if hours_on_file + hours < hours_required:
        raise RuleViolated.one(
            "QUAL-TRAINING-DUE",
            f"{hours_on_file} hours on file + {hours} completed = {hours_on_file + hours}, "
            f"short of the {hours_required} required "
            f"({hours_required - hours_on_file - hours} more needed)",
        )
