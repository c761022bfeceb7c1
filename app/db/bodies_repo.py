"""Every query of decision bodies (决策机构) and their rosters. Nothing here commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.db.body_models import DecisionBody, DecisionBodyMember
from app.domain import bodies as rules
from app.domain.bodies import BodyKind, Roster, RosterMember


def get_body(session: Session, body_id: uuid.UUID) -> DecisionBody | None:
    return session.get(DecisionBody, body_id)


def lock_body(session: Session, body_id: uuid.UUID) -> DecisionBody | None:
    """The body, locked for change: SELECT ... FOR UPDATE on PostgreSQL orders the writers of
    its roster (SQLite holds the write lock from BEGIN IMMEDIATE already)."""
    stmt = select(DecisionBody).where(DecisionBody.id == body_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def touch_body(body: DecisionBody, at: datetime) -> None:
    """A roster change is a change of the body: a new `updated_at` and version (ETag), even
    when the clock has not moved since the last change."""
    body.updated_at = at
    flag_modified(body, "updated_at")


def list_stmt(
    *,
    kind: str | None = None,
    org_unit: str | None = None,
    updated_after: datetime | None = None,
) -> Select[DecisionBody]:
    """The bodies matching the filters (the caller orders and pages them)."""
    stmt = select(DecisionBody)
    if kind is not None:
        stmt = stmt.where(DecisionBody.kind == kind)
    if org_unit is not None:
        stmt = stmt.where(DecisionBody.org_unit == org_unit)
    if updated_after is not None:
        stmt = stmt.where(DecisionBody.updated_at > updated_after)
    return stmt


def members_of(session: Session, body_id: uuid.UUID) -> list[DecisionBodyMember]:
    """Every membership of the body, past and present, earliest first."""
    return list(
        session.scalars(
            select(DecisionBodyMember)
            .where(DecisionBodyMember.body_id == body_id)
            .order_by(
                DecisionBodyMember.joined_on,
                DecisionBodyMember.created_at,
                DecisionBodyMember.id,
            )
        )
    )


def get_member(
    session: Session, body_id: uuid.UUID, member_id: uuid.UUID
) -> DecisionBodyMember | None:
    member = session.get(DecisionBodyMember, member_id)
    return member if member is not None and member.body_id == body_id else None


def members_on(
    session: Session, body_ids: Sequence[uuid.UUID], day: date
) -> dict[uuid.UUID, list[DecisionBodyMember]]:
    """The memberships of each body on its roster on `day`, in order of joining (one query;
    the day boundaries are the domain's `roster_on`)."""
    found: dict[uuid.UUID, list[DecisionBodyMember]] = {b: [] for b in body_ids}
    if not body_ids:
        return found
    rows = session.scalars(
        select(DecisionBodyMember)
        .where(DecisionBodyMember.body_id.in_(body_ids), DecisionBodyMember.joined_on <= day)
        .order_by(
            DecisionBodyMember.joined_on,
            DecisionBodyMember.created_at,
            DecisionBodyMember.id,
        )
    )
    for m in rules.roster_on(rows, day):
        found[m.body_id].append(m)
    return found


def to_roster_member(m: DecisionBodyMember) -> RosterMember:
    return RosterMember(id=m.id, name=m.name, candidate_id=m.candidate_id, title=m.title)


def roster_on(session: Session, body_id: uuid.UUID, day: date) -> Roster | None:
    """DEC-ROSTER: the body's members who should attend a meeting held on `day`.

    None when the body does not exist; a body with nobody on the day gives an empty roster.
    Members are in order of joining.
    """
    body = get_body(session, body_id)
    if body is None:
        return None
    members = members_on(session, [body_id], day)[body_id]
    return Roster(
        body_id=body.id,
        kind=BodyKind(body.kind),
        day=day,
        members=tuple(to_roster_member(m) for m in members),
    )
