"""The log of confidential reads (NOM-SELF-CONFIDENTIAL): who read which self-nomination, its
evidence files or an objector's contact details, when, in which request. Read by the auditor.

A read is logged in the request's own transaction, committed with it: a GET's unit of work is
read-only only in that it takes SQLite's write lock lazily; with one connection per process no
other writer can slip in between its read and this write. Nothing else is pending in a GET's
session, so the commit writes only these rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select

from app.db.unit_models import AccessLogEntry
from app.db.uow import UnitOfWork
from app.services.context import Actor
from app.services.pagination import encode_cursor, paginate

NOMINATION = "nomination"
ATTACHMENT = "nomination_attachment"
OBJECTION_CONTACT = "objection_contact"
WHAT = (NOMINATION, ATTACHMENT, OBJECTION_CONTACT)


def log_reads(uow: UnitOfWork, actor: Actor, what: str, subject_ids: Iterable[uuid.UUID]) -> None:
    """Log one read per subject and commit. Wall-clock time: when the read really happened."""
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return
    now = datetime.now(UTC)
    for subject_id in ids:
        uow.session.add(
            AccessLogEntry(
                at=now,
                principal_id=actor.principal_id,
                principal_name=actor.name,
                roles=",".join(sorted(actor.roles)),
                what=what,
                subject_id=subject_id,
                request_id=actor.request_id,
            )
        )
    uow.commit()


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    principal_id: uuid.UUID | None = None,
    what: str | None = None,
    subject_id: uuid.UUID | None = None,
) -> tuple[list[AccessLogEntry], str | None]:
    """The log, oldest first (the auditor's read is not itself confidential content)."""
    actor.role_for("access_log.read")
    stmt = select(AccessLogEntry)
    if principal_id is not None:
        stmt = stmt.where(AccessLogEntry.principal_id == principal_id)
    if what is not None:
        stmt = stmt.where(AccessLogEntry.what == what)
    if subject_id is not None:
        stmt = stmt.where(AccessLogEntry.subject_id == subject_id)
    rows = list(
        uow.session.scalars(paginate(stmt, AccessLogEntry.at, AccessLogEntry.id, cursor, limit))
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return rows[:limit], (encode_cursor(last.at, last.id) if last is not None else None)
