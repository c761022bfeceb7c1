"""Every query of nominations (推荐、自荐) and their evidence files. Nothing here commits.

Who may see which nomination is the domain's `grants` (NOM-SELF-CONFIDENTIAL); `visible` only
turns those grants into SQL, so that lists and counts hide exactly the rows `may_see` hides.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from app.db.models import (
    Candidate,
    Position,
    Principal,
    RecordEntry,
    SelectionCase,
    SelectionPolicy,
)
from app.db.nomination_models import Nomination, NominationAttachment
from app.domain.nominations import EVERYTHING, Grant, NominationKind, NominationStatus

# The record (纪实) subject type of a nomination's own entries.
SUBJECT = "nomination"

Ts = TypeVarTuple("Ts")


def get(session: Session, nomination_id: uuid.UUID, *, lock: bool = False) -> Nomination | None:
    """The nomination; with `lock`, SELECT ... FOR UPDATE on PostgreSQL orders the writers of
    its status (SQLite holds the write lock from BEGIN IMMEDIATE already)."""
    stmt = select(Nomination).where(Nomination.id == nomination_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


# --- visibility as SQL -------------------------------------------------------------------------


def _grant_clause(grant: Grant) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    if grant.self_kind is not None:
        is_self = Nomination.kind == NominationKind.SELF.value
        conds.append(is_self if grant.self_kind else ~is_self)
    if grant.lodged_by is not None:
        conds.append(Nomination.lodged_by == grant.lodged_by)
    if grant.leader_id is not None:
        conds.append(Nomination.leader_id == grant.leader_id)
    if grant.candidate_id is not None:
        conds.append(Nomination.candidate_id == grant.candidate_id)
    if grant.status is not None:
        conds.append(Nomination.status == grant.status.value)
    return and_(*conds) if conds else true()


def visible(grants: Sequence[Grant]) -> ColumnElement[bool]:
    """The rows any of `grants` admits (none: no row)."""
    if EVERYTHING in grants:
        return true()
    return or_(*(_grant_clause(g) for g in grants)) if grants else false()


def visible_ids(
    session: Session, grants: Sequence[Grant], ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(
        session.scalars(select(Nomination.id).where(Nomination.id.in_(ids), visible(grants)))
    )


# --- lists and counts --------------------------------------------------------------------------


def _filters(
    grants: Sequence[Grant],
    kind: str | None,
    status: str | None,
    candidate_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
) -> list[ColumnElement[bool]]:
    where = [visible(grants)]
    if kind:
        where.append(Nomination.kind == kind)
    if status:
        where.append(Nomination.status == status)
    if candidate_id:
        where.append(Nomination.candidate_id == candidate_id)
    if case_id:
        where.append(Nomination.case_id == case_id)
    return where


def _keyset(stmt: Select[*Ts], after: tuple[datetime, uuid.UUID] | None, limit: int) -> Select[*Ts]:
    """Up to `limit` + 1 rows in (created_at, id) order after the keyset `after` (the extra row
    tells the caller there is a next page)."""
    if after is not None:
        at, rid = after
        stmt = stmt.where(
            or_(Nomination.created_at > at, and_(Nomination.created_at == at, Nomination.id > rid))
        )
    return stmt.order_by(Nomination.created_at, Nomination.id).limit(limit + 1)


def list_stmt(
    grants: Sequence[Grant],
    *,
    kind: str | None = None,
    status: str | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    updated_after: datetime | None = None,
) -> Select[Nomination]:
    """The visible nominations matching the filters (the caller orders and pages them)."""
    stmt = select(Nomination).where(*_filters(grants, kind, status, candidate_id, case_id))
    if updated_after is not None:
        stmt = stmt.where(Nomination.updated_at > updated_after)
    return stmt


def count(
    session: Session,
    grants: Sequence[Grant],
    *,
    kind: str | None = None,
    status: str | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    within: ColumnElement[bool] | None = None,
) -> int:
    """`within`: a further condition (the caller's management scope), None for none."""
    where = _filters(grants, kind, status, candidate_id, case_id)
    if within is not None:
        where.append(within)
    return int(session.scalar(select(func.count()).select_from(Nomination).where(*where)) or 0)


def waiting_past(
    session: Session,
    deadline_on_or_before: date,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    within: ColumnElement[bool] | None = None,
) -> list[tuple[Nomination, str]]:
    """Self-nominations still lodged with a unit party leader whose forward deadline is on or
    before the given day, each with the leader's name, oldest first (`limit` + 1 at most)."""
    stmt = (
        select(Nomination, Principal.name)
        .join(Principal, Principal.id == Nomination.leader_id)
        .where(
            Nomination.kind == NominationKind.SELF.value,
            Nomination.status == NominationStatus.LODGED.value,
            Nomination.forward_deadline <= deadline_on_or_before,
        )
    )
    if within is not None:
        stmt = stmt.where(within)
    return [(n, name) for n, name in session.execute(_keyset(stmt, after, limit))]


def pending_deadlines(session: Session) -> list[tuple[Nomination, SelectionPolicy]]:
    """Self-nominations whose forward deadline is still pending (its year's schedule was not
    known when they were lodged), each with the policy that sets the number of days, oldest
    first; locked on PostgreSQL (the caller fills them in)."""
    stmt = (
        select(Nomination, SelectionPolicy)
        .join(SelectionPolicy, SelectionPolicy.id == Nomination.policy_id)
        .where(Nomination.deadline_pending.is_(True))
        .order_by(Nomination.created_at, Nomination.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Nomination)
    return [(n, p) for n, p in session.execute(stmt)]


def record_of(session: Session, nomination_id: uuid.UUID) -> list[RecordEntry]:
    """The nomination's own record entries, in order."""
    return list(
        session.scalars(
            select(RecordEntry)
            .where(RecordEntry.subject_type == SUBJECT, RecordEntry.subject_id == nomination_id)
            .order_by(RecordEntry.seq)
        )
    )


# --- evidence files ----------------------------------------------------------------------------


def attachments_of(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[NominationAttachment]]:
    """Each nomination's files, oldest first (one query)."""
    out: dict[uuid.UUID, list[NominationAttachment]] = {i: [] for i in ids}
    if ids:
        for a in session.scalars(
            select(NominationAttachment)
            .where(NominationAttachment.nomination_id.in_(ids))
            .order_by(NominationAttachment.created_at, NominationAttachment.id)
        ):
            out[a.nomination_id].append(a)
    return out


def attachment_count(session: Session, nomination_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(NominationAttachment)
            .where(NominationAttachment.nomination_id == nomination_id)
        )
        or 0
    )


def attachment(session: Session, attachment_id: uuid.UUID) -> NominationAttachment | None:
    return session.get(NominationAttachment, attachment_id)


# --- what a nomination refers to ---------------------------------------------------------------


def principal_roles(session: Session, principal_id: uuid.UUID) -> frozenset[str] | None:
    """The principal's roles (None: no such principal)."""
    p = session.get(Principal, principal_id)
    return None if p is None else frozenset(str(r) for r in p.roles)


def principal_unit(session: Session, principal_id: uuid.UUID) -> uuid.UUID | None:
    """The unit a principal is bound to (None: no such principal)."""
    return session.scalar(select(Principal.unit_id).where(Principal.id == principal_id))


def candidate_unit(session: Session, candidate_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(select(Candidate.unit_id).where(Candidate.id == candidate_id))


def candidate_exists(session: Session, candidate_id: uuid.UUID) -> bool:
    return session.get(Candidate, candidate_id) is not None


def position_exists(session: Session, position_id: uuid.UUID) -> bool:
    return session.get(Position, position_id) is not None


def case_exists(session: Session, case_id: uuid.UUID) -> bool:
    return session.get(SelectionCase, case_id) is not None
