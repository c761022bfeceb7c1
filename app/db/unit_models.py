"""Organisation units (组织单位) and the log of confidential reads.

Management authority (干部管理权限): candidates and positions belong to a unit; a case belongs to
the unit of its position and a nomination to the unit of its nominee. A principal manages the
subtree of its unit (at the levels its scope names). `path` is the chain of unit codes from the
root (`/root/city/bureau/`), so a subtree is one prefix match in SQL.

Registered on the metadata by the import at the end of app.db.models.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, new_id

# The unit every row and principal lands in unless told otherwise (migration 0014 backfills it).
ROOT_UNIT_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
ROOT_UNIT_CODE = "root"
ROOT_UNIT_PATH = "/root/"


class OrgUnit(Base):
    """A node of the organisation-unit tree. Never deleted (rows and principals refer to it)."""

    __tablename__ = "org_units"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("org_units.id"), default=None, index=True
    )
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    created_at: Mapped[datetime]


class AccessLogEntry(Base):
    """One read of confidential content (NOM-SELF-CONFIDENTIAL): a self-nomination, its
    attachments, objectors' contact details. Written in its own transaction (a GET's unit of
    work is read-only); read by the auditor only."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_at", "at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime]
    principal_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    principal_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200))
    # What was read: `nomination`, `nomination_attachment`, `objection_contact`.
    what: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
