"""Training deadline (QUAL-TRAINING-DUE) request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from app.api.schemas.common import Date, OutModel, StrictModel, Text
from app.domain.training import TrainingDeadlineStatus

STATUS_DESCRIPTION = (
    "On today's date in China: open; due_soon (due within 30 days, due today included); "
    "overdue (due_on passed, not completed); completed; cancelled"
)


class TrainingCompletionIn(StrictModel):
    """The training made up. The hours on file at appointment plus `hours` must reach the
    requirement (QUAL-TRAINING)."""

    completed_on: Date = Field(
        description="When the training was completed: not after today (China), not before the "
        "deadline was created"
    )
    hours: int = Field(ge=0, le=100000, description="Training hours completed since appointment")
    note: Annotated[str, Text(2000, 1)] = Field(
        description="Evidence: the course, the institution, the certificate",
        examples=["市委党校2026年春季中青年干部培训班，结业证书第2026-017号"],
    )


class TrainingDeadlineBriefOut(OutModel):
    """An outstanding training deadline, as shown on the cadre."""

    id: uuid.UUID
    case_id: uuid.UUID
    position_id: uuid.UUID
    due_on: date
    hours_required: int
    hours_on_file: int
    hours_missing: int = Field(description="hours_required − hours_on_file")
    status: TrainingDeadlineStatus = Field(description=STATUS_DESCRIPTION)
    created_at: datetime


class TrainingDeadlineOut(TrainingDeadlineBriefOut):
    """A training deadline deferred at appointment (QUAL-TRAINING-DUE)."""

    candidate_id: uuid.UUID
    candidate_name: str
    position_title: str
    completed_on: date | None
    completed_hours: int | None
    completion_note: str
    completed_by: uuid.UUID | None
    cancelled_at: datetime | None
    cancelled_reason: str | None
