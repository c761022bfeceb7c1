"""/api/v1/decision-bodies: decision bodies (决策机构) and their dated rosters (DEC-ROSTER)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.listing import sort_query
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.bodies import (
    KIND_DESCRIPTION,
    BodyMemberJoin,
    BodyMemberLeave,
    BodyMemberList,
    BodyMemberOut,
    DecisionBodyCreate,
    DecisionBodyOut,
    RosterMemberOut,
    RosterOut,
)
from app.api.schemas.common import (
    LIMIT_DESCRIPTION,
    UPDATED_AFTER_DESCRIPTION,
    Date,
    IsoDateTime,
    Line,
    Page,
)
from app.db.body_models import DecisionBodyMember
from app.domain.bodies import BodyKind, Roster
from app.services import bodies as svc
from app.services.etag import etag

PREFIX = "/api/v1/decision-bodies"
router = APIRouter(
    route_class=OneHopRoute, prefix=PREFIX, tags=["decision-bodies"], responses=PROBLEMS
)

IF_MATCH = (
    "Optional: the body's ETag as you read it; 412 when its roster changed since (join and "
    "leave are ordered by the server either way)"
)
IfMatch = Annotated[str | None, Header(max_length=200, description=IF_MATCH)]


def member_out(m: DecisionBodyMember) -> BodyMemberOut:
    return BodyMemberOut.model_validate(m)


def body_out(view: svc.BodyView) -> DecisionBodyOut:
    r = view.row
    return DecisionBodyOut(
        id=r.id,
        name=r.name,
        kind=BodyKind(r.kind),
        org_unit=r.org_unit,
        members_on=view.day,
        members=[member_out(m) for m in view.members],
        version=r.version,
        etag=etag(r.version),
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def roster_out(roster: Roster) -> RosterOut:
    return RosterOut(
        body_id=roster.body_id,
        kind=roster.kind,
        day=roster.day,
        size=roster.size,
        members=[RosterMemberOut.model_validate(m) for m in roster.members],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createDecisionBody",
    summary="Register a decision body (决策机构: 常委会, 党组, 全委会, 部务会)",
)
def create_decision_body(
    body: DecisionBodyCreate, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> DecisionBodyOut:
    """Register a body that decides appointments. Its members join afterwards, each on a date;
    a body with the same name in the same organisation is a 409."""
    view = svc.create(uow, actor, clock, body.model_dump())
    response.headers["Location"] = f"{PREFIX}/{view.row.id}"
    response.headers["ETag"] = etag(view.row.version)
    no_store(response)
    return body_out(view)


@router.get("", operation_id="listDecisionBodies", summary="List decision bodies")
def list_decision_bodies(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    sort: Annotated[str | None, sort_query(svc.ORDERS)] = None,
    kind: Annotated[BodyKind | None, Query(description=KIND_DESCRIPTION)] = None,
    org_unit: Annotated[str, Line(200)] | None = None,
    updated_after: Annotated[
        IsoDateTime | None, Query(description=UPDATED_AFTER_DESCRIPTION)
    ] = None,
) -> Page[DecisionBodyOut]:
    """Bodies in order of registration (or `sort`), each with its members today (China time)."""
    views, nxt = svc.listing(
        uow,
        actor,
        clock,
        cursor=cursor,
        limit=limit,
        sort=sort,
        kind=kind,
        org_unit=org_unit,
        updated_after=updated_after,
    )
    no_store(response)
    return Page[DecisionBodyOut](items=[body_out(v) for v in views], next_cursor=nxt)


@router.get("/{body_id}", operation_id="getDecisionBody", summary="Read a decision body")
def get_decision_body(
    body_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> DecisionBodyOut:
    """A body with its current members (the roster today, China time) and its ETag."""
    view = svc.read(uow, actor, clock, body_id)
    response.headers["ETag"] = etag(view.row.version)
    no_store(response)
    return body_out(view)


@router.post(
    "/{body_id}/members",
    status_code=status.HTTP_201_CREATED,
    operation_id="addDecisionBodyMember",
    summary="A member joins the body (成员任职)",
)
def add_decision_body_member(
    body_id: uuid.UUID,
    body: BodyMemberJoin,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatch = None,
) -> BodyMemberOut:
    """Record that a person joined the body on `joined_on` (a past membership may carry its
    `left_on` too). Dates lie between 1949-10-01 and today (China time); one person's
    memberships of a body must not overlap (DEC-ROSTER): same `candidate_id`, or the same name
    when either has none."""
    member = svc.add_member(uow, actor, clock, body_id, body.model_dump(), if_match)
    response.headers["Location"] = f"{PREFIX}/{body_id}/members/{member.id}"
    no_store(response)
    return member_out(member)


@router.get(
    "/{body_id}/members",
    operation_id="listDecisionBodyMembers",
    summary="Every membership of the body, past and present",
)
def list_decision_body_members(
    body_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> BodyMemberList:
    """The body's membership history in order of joining (a body has at most a few hundred)."""
    rows = svc.members(uow, actor, body_id)
    no_store(response)
    return BodyMemberList(items=[member_out(m) for m in rows])


@router.get(
    "/{body_id}/members/{member_id}",
    operation_id="getDecisionBodyMember",
    summary="Read one membership",
)
def get_decision_body_member(
    body_id: uuid.UUID, member_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> BodyMemberOut:
    member = svc.member(uow, actor, body_id, member_id)
    no_store(response)
    return member_out(member)


@router.post(
    "/{body_id}/members/{member_id}/leave",
    operation_id="decisionBodyMemberLeaves",
    summary="A member leaves the body (成员离任)",
)
def decision_body_member_leaves(
    body_id: uuid.UUID,
    member_id: uuid.UUID,
    body: BodyMemberLeave,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatch = None,
) -> BodyMemberOut:
    """Close the membership: `left_on` is the first day no longer a member, so the member is on
    the roster the day before and not on `left_on`. A member who already left is a 409."""
    member = svc.member_leaves(
        uow, actor, clock, body_id, member_id, body.left_on, body.reason, if_match
    )
    no_store(response)
    return member_out(member)


@router.get(
    "/{body_id}/roster",
    operation_id="getDecisionBodyRoster",
    summary="The roster on a day: who should attend (应到会成员, DEC-ROSTER)",
)
def get_decision_body_roster(
    body_id: uuid.UUID,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    on: Annotated[
        Date | None,
        Query(description="The meeting day, YYYY-MM-DD (default: today, China time)"),
    ] = None,
) -> RosterOut:
    """The members on the roster on `on`: joined on or before it and not left by it. Quorum
    (DEC-QUORUM), majority (DEC-MAJORITY) and reconsideration (DEC-RECONSIDER) count against
    this roster."""
    roster = svc.roster(uow, actor, clock, body_id, on)
    no_store(response)
    return roster_out(roster)
