"""Nomination tables (推荐、自荐): the four kinds in one table, and self-nomination evidence files.

Registered on the metadata by the import at the end of app.db.models.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, new_id


class Nomination(Base):
    """A nomination of a cadre: self-nomination (自荐), signed leader recommendation
    (领导干部署名推荐), organisational recommendation (组织推荐) or full-committee nomination
    (全委会推荐). Never deleted and never edited: only its status moves, each step recorded.

    `statement` holds the written text of every kind (自荐表 statement, the signed recommendation's
    written material, the organisation's reasons). Self-nomination columns (`channel`,
    `leader_id`, `forward_deadline`, ...) are NULL for the other kinds.
    """

    __tablename__ = "nominations"
    __table_args__ = (
        CheckConstraint(
            "votes_for >= 0 AND votes_against >= 0 AND votes_abstain >= 0", name="votes_nonneg"
        ),
        Index("ix_nominations_created", "created_at", "id"),
        Index("ix_nominations_updated_id", "updated_at", "id"),  # sort=updated_at (0016)
        # GET /nominations/intercepted: lodged self-nominations past their forward deadline.
        Index("ix_nominations_forward", "status", "forward_deadline"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"), index=True)
    position_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("positions.id"), default=None)
    post_aimed_at: Mapped[str] = mapped_column(String(200), default="")
    statement: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    # Self-nomination (NOM-SELF-CHANNEL, NOM-SELF-FORWARD).
    channel: Mapped[str | None] = mapped_column(String(32), default=None)
    leader_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("principals.id"), default=None, index=True
    )
    policy_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("selection_policies.id"), default=None
    )
    forward_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    # The deadline is not known yet: the official schedule of the year it falls in is not
    # loaded. Filled in (and this cleared) when that year is loaded (app.services.calendar).
    deadline_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    forwarded_at: Mapped[datetime | None] = mapped_column(default=None)
    forwarded_late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Signed leader recommendation (NOM-SIGNED).
    signer_name: Mapped[str | None] = mapped_column(String(100), default=None)
    signer_post: Mapped[str | None] = mapped_column(String(200), default=None)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Full-committee nomination: the optional vote tally.
    votes_for: Mapped[int | None] = mapped_column(Integer, default=None)
    votes_against: Mapped[int | None] = mapped_column(Integer, default=None)
    votes_abstain: Mapped[int | None] = mapped_column(Integer, default=None)
    # Who lodged it, under which role.
    lodged_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("principals.id"), index=True)
    lodged_role: Mapped[str] = mapped_column(String(32))
    # Outcome of the organisation department's review.
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("selection_cases.id"), default=None, index=True
    )
    decline_reason: Mapped[str | None] = mapped_column(Text, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NominationAttachment(Base):
    """An evidence file of a nomination (work images, video, documents).

    The bytes live on disk under `settings.attachment_dir`, named `storage_key`; the row holds
    what was checked on upload (sniffed content type, size, SHA-256).
    """

    __tablename__ = "nomination_attachments"
    __table_args__ = (CheckConstraint("size_bytes >= 1", name="size_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    nomination_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nominations.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("principals.id"))
    created_at: Mapped[datetime]
