"""Use cases of decision bodies (决策机构) and their dated rosters (DEC-ROSTER).

Members join and leave on dates; nothing is deleted, so the roster of any day can be read back
and a decision meeting is counted against the roster of its own day. Every change is appended
to the body's record (纪实) in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.db import bodies_repo as repo
from app.db.body_models import DecisionBody, DecisionBodyMember
from app.db.models import Candidate
from app.db.uow import UnitOfWork
from app.domain import bodies as rules
from app.domain.bodies import Roster
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.services import audit
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.pagination import ListOrders
from app.services.retry import retry_transaction

SUBJECT = "decision_body"
ORDERS = ListOrders(
    "decision-bodies",
    DecisionBody.id,
    {
        "created_at": (DecisionBody.created_at,),
        "updated_at": (DecisionBody.updated_at,),
        "name": (DecisionBody.name,),
    },
)
RULES = ("DEC-ROSTER",)


@dataclass
class BodyView:
    row: DecisionBody
    day: date  # the day `members` is the roster of (today, China time)
    members: list[DecisionBodyMember]


def _views(uow: UnitOfWork, rows: list[DecisionBody], day: date) -> list[BodyView]:
    current = repo.members_on(uow.session, [r.id for r in rows], day)
    return [BodyView(r, day, current[r.id]) for r in rows]


def _body(uow: UnitOfWork, body_id: uuid.UUID, *, lock: bool = False) -> DecisionBody:
    row = repo.lock_body(uow.session, body_id) if lock else repo.get_body(uow.session, body_id)
    if row is None:
        raise NotFound(f"decision body {body_id} not found")
    return row


def _member(uow: UnitOfWork, body_id: uuid.UUID, member_id: uuid.UUID) -> DecisionBodyMember:
    member = repo.get_member(uow.session, body_id, member_id)
    if member is None:
        raise NotFound(f"member {member_id} of decision body {body_id} not found")
    return member


def _membership(m: DecisionBodyMember) -> rules.Membership:
    return rules.Membership(m.name, m.candidate_id, m.joined_on, m.left_on)


@retry_transaction
def create(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> BodyView:
    """Register a decision body; its members join afterwards, each on a date."""
    role = actor.role_for("bodies.write")
    now = clock.now()
    row = DecisionBody(
        name=data["name"],
        kind=rules.BodyKind(data["kind"]).value,
        org_unit=data["org_unit"],
        created_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{row.org_unit} already has a decision body named {row.name!r}") from exc
    audit.append(
        uow.session,
        subject_type=SUBJECT,
        subject_id=row.id,
        action="decision_body.created",
        actor=actor,
        role=role,
        at=now,
        rules=RULES,
        payload={"name": row.name, "kind": row.kind, "org_unit": row.org_unit},
    )
    view = BodyView(row, clock.today(), [])
    uow.commit()
    return view


def read(uow: UnitOfWork, actor: Actor, clock: Clock, body_id: uuid.UUID) -> BodyView:
    """A body with its members today (China time)."""
    actor.role_for("bodies.read")
    return _views(uow, [_body(uow, body_id)], clock.today())[0]


def listing(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    *,
    cursor: str | None,
    limit: int,
    sort: str | None = None,
    kind: str | None = None,
    org_unit: str | None = None,
    updated_after: datetime | None = None,
) -> tuple[list[BodyView], str | None]:
    """Bodies in order of registration (or `sort`), each with its members today."""
    actor.role_for("bodies.read")
    stmt = repo.list_stmt(kind=kind, org_unit=org_unit, updated_after=updated_after)
    rows = list(uow.session.scalars(ORDERS.page(stmt, sort, cursor, limit)))
    return _views(uow, rows[:limit], clock.today()), ORDERS.next_cursor(rows, sort, limit)


def members(uow: UnitOfWork, actor: Actor, body_id: uuid.UUID) -> list[DecisionBodyMember]:
    """Every membership of a body, past and present, in order of joining."""
    actor.role_for("bodies.read")
    _body(uow, body_id)
    return repo.members_of(uow.session, body_id)


def member(
    uow: UnitOfWork, actor: Actor, body_id: uuid.UUID, member_id: uuid.UUID
) -> DecisionBodyMember:
    actor.role_for("bodies.read")
    _body(uow, body_id)
    return _member(uow, body_id, member_id)


def _resolve_name(uow: UnitOfWork, data: dict[str, Any]) -> str:
    """The member's name; with a registry link, the cadre's name (a different one is refused:
    a wrong link would defeat recusal detection, DEC-RECUSAL)."""
    name: str | None = data.get("name")
    candidate_id: uuid.UUID | None = data.get("candidate_id")
    if candidate_id is None:
        if not name:
            raise InvalidInput("name is required when candidate_id is not given")
        return name
    candidate = uow.session.get(Candidate, candidate_id)
    if candidate is None:
        raise InvalidInput(f"candidate {candidate_id} does not exist")
    if name and name != candidate.name:
        raise InvalidInput(
            f"name {name!r} differs from the registry's {candidate.name!r} for candidate "
            f"{candidate_id}; check the link"
        )
    return candidate.name


@retry_transaction
def add_member(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    body_id: uuid.UUID,
    data: dict[str, Any],
    if_match: str | None = None,
) -> DecisionBodyMember:
    """A person joins the body on `joined_on` (optionally with a past `left_on`, to enter
    history). One person's memberships of a body never overlap (DEC-ROSTER)."""
    role = actor.role_for("bodies.write")
    body = _body(uow, body_id, lock=True)
    if if_match is not None:
        require_match(if_match, body.version)
    joined_on: date = data["joined_on"]
    left_on: date | None = data.get("left_on")
    rules.check_span(joined_on, left_on, clock.today())
    name = _resolve_name(uow, data)
    new = rules.Membership(name, data.get("candidate_id"), joined_on, left_on)
    rules.check_no_overlap(new, [_membership(m) for m in repo.members_of(uow.session, body.id)])
    now = clock.now()
    row = DecisionBodyMember(
        body_id=body.id,
        name=name,
        candidate_id=new.candidate_id,
        title=data.get("title") or "",
        joined_on=joined_on,
        left_on=left_on,
        created_at=now,
    )
    uow.session.add(row)
    repo.touch_body(body, now)
    uow.session.flush()
    audit.append(
        uow.session,
        subject_type=SUBJECT,
        subject_id=body.id,
        action="decision_body.member_joined",
        actor=actor,
        role=role,
        at=now,
        rules=RULES,
        payload={
            "member_id": str(row.id),
            "name": row.name,
            "candidate_id": str(row.candidate_id) if row.candidate_id else None,
            "title": row.title,
            "joined_on": row.joined_on.isoformat(),
            "left_on": row.left_on.isoformat() if row.left_on else None,
        },
    )
    uow.commit()
    return row


@retry_transaction
def member_leaves(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    body_id: uuid.UUID,
    member_id: uuid.UUID,
    left_on: date,
    reason: str = "",
    if_match: str | None = None,
) -> DecisionBodyMember:
    """The member leaves: `left_on` is the first day no longer a member (on the roster the day
    before, not on `left_on`). A member who has already left is a 409."""
    role = actor.role_for("bodies.write")
    body = _body(uow, body_id, lock=True)
    if if_match is not None:
        require_match(if_match, body.version)
    row = _member(uow, body.id, member_id)
    if row.left_on is not None:
        raise Conflict(f"{row.name} already left this body on {row.left_on}", rule="DEC-ROSTER")
    rules.check_span(row.joined_on, left_on, clock.today())
    now = clock.now()
    row.left_on = left_on
    repo.touch_body(body, now)
    uow.session.flush()
    audit.append(
        uow.session,
        subject_type=SUBJECT,
        subject_id=body.id,
        action="decision_body.member_left",
        actor=actor,
        role=role,
        at=now,
        rules=RULES,
        payload={
            "member_id": str(row.id),
            "name": row.name,
            "left_on": left_on.isoformat(),
            "reason": reason,
        },
    )
    uow.commit()
    return row


def roster(
    uow: UnitOfWork, actor: Actor, clock: Clock, body_id: uuid.UUID, day: date | None = None
) -> Roster:
    """DEC-ROSTER: who should attend a meeting of the body on `day` (default today, China)."""
    actor.role_for("bodies.read")
    found = repo.roster_on(uow.session, body_id, day or clock.today())
    if found is None:
        raise NotFound(f"decision body {body_id} not found")
    return found
