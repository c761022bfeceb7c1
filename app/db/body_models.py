"""Decision body tables (决策机构: 常委会, 党组, 全委会, 部务会) and their dated memberships.

Registered on the metadata by the import at the end of app.db.models. A membership is never
deleted: leaving sets `left_on` (the first day no longer a member), so the roster of any past
day can be read back (DEC-ROSTER).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, new_id


class DecisionBody(Base):
    """A body that decides appointments (讨论决定), e.g. 市委常委会, 市政府党组, 市委全委会."""

    __tablename__ = "decision_bodies"
    __table_args__ = (
        UniqueConstraint("org_unit", "name"),
        Index("ix_decision_bodies_created", "created_at", "id"),
        # The list's sort orders (migration 0016).
        Index("ix_decision_bodies_updated_id", "updated_at", "id"),
        Index("ix_decision_bodies_name_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    org_unit: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DecisionBodyMember(Base):
    """One person's membership of a body over [joined_on, left_on)."""

    __tablename__ = "decision_body_members"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on > joined_on", name="left_after_joined"),
        Index("ix_decision_body_members_body", "body_id", "joined_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision_bodies.id"))
    name: Mapped[str] = mapped_column(String(100))
    # Set when the member is also a cadre in the registry, so that recusal can be detected.
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("candidates.id"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(100), default="")  # e.g. 书记, 常委
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime]
