"""Training deadlines (QUAL-TRAINING-DUE): a training requirement deferred at appointment.

Registered on the metadata by the import at the end of app.db.models.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, new_id


class TrainingDeadline(Base):
    """A cadre appointed without the required training hours (QUAL-TRAINING) must make them up
    within 12 months of the appointment. Never deleted: it is completed (with the hours and a
    note) or cancelled (the appointee left the post: probation failed, decision void, misconduct).
    Its status on a day is derived (app.domain.training), never stored.
    """

    __tablename__ = "training_deadlines"
    __table_args__ = (
        CheckConstraint("hours_required >= 0 AND hours_on_file >= 0", name="hours_nonneg"),
        CheckConstraint(
            "completed_hours IS NULL OR completed_hours >= 0", name="completed_hours_nonneg"
        ),
        Index("ix_training_deadlines_due_id", "due_on", "id"),
        CheckConstraint(
            "completed_on IS NULL OR cancelled_at IS NULL", name="completed_or_cancelled"
        ),
        # GET /training-deadlines?status=overdue|open&due_before=...: outstanding by due date.
        Index("ix_training_deadlines_due", "due_on", "completed_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("selection_cases.id"), index=True)
    position_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("positions.id"))
    due_on: Mapped[date] = mapped_column(Date)
    hours_required: Mapped[int] = mapped_column(Integer)
    # The cadre's training_hours_5y at appointment.
    hours_on_file: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    completed_on: Mapped[date | None] = mapped_column(Date, default=None)
    completed_hours: Mapped[int | None] = mapped_column(Integer, default=None)
    completion_note: Mapped[str] = mapped_column(Text, default="")
    completed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("principals.id"), default=None
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_reason: Mapped[str | None] = mapped_column(Text, default=None)
