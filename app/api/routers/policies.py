"""/api/v1/policies: selection policies (central default and local presets)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.listing import sort_query
from app.api.responses import PROBLEMS
from app.api.routing import OneHopRoute
from app.api.schemas.common import (
    LIMIT_DESCRIPTION,
    UPDATED_AFTER_DESCRIPTION,
    Ident,
    IsoDateTime,
    Page,
    QueryBool,
)
from app.api.schemas.policies import PolicyCreate, PolicyOut, PolicyParameterOut
from app.services import policies as svc

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/policies", tags=["policies"], responses=PROBLEMS
)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createPolicy")
def create_policy(
    body: PolicyCreate, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> PolicyOut:
    """Create a policy (or the next version of one). Loosening a central floor is refused
    with the parameter's rule id and POL-FLOORS (e.g. PUB-DURATION for fewer than 5 working
    days); every loosened parameter is listed in `violations`. See listPolicyParameters."""
    data = body.model_dump(exclude={"params"})
    data["params"] = body.params.model_dump(exclude_none=True, mode="json")
    row = svc.create(uow, actor, clock, data)
    response.headers["Location"] = f"/api/v1/policies/{row.id}"
    return PolicyOut.model_validate(row)


@router.get("", operation_id="listPolicies")
def list_policies(
    uow: UowDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    sort: Annotated[
        str | None,
        sort_query(
            svc.ORDERS,
            "`name` orders by name, then version. Versions never change: "
            "`updated_at` is `created_at`.",
        ),
    ] = None,
    name: Annotated[str, Ident(100)] | None = None,
    preset: QueryBool | None = None,
    latest_only: QueryBool = False,
    updated_after: Annotated[
        IsoDateTime | None, Query(description=UPDATED_AFTER_DESCRIPTION)
    ] = None,
) -> Page[PolicyOut]:
    """All policy versions; `preset=true` lists the shipped presets (central, the seeds' local
    rules); `latest_only=true` keeps the newest version of each name."""
    rows, nxt = svc.listing(
        uow,
        actor,
        name=name,
        preset=preset,
        latest_only=latest_only,
        cursor=cursor,
        limit=limit,
        sort=sort,
        updated_after=updated_after,
    )
    return Page[PolicyOut](items=[PolicyOut.model_validate(r) for r in rows], next_cursor=nxt)


# Declared before /{policy_id}: routes match in order, and "parameters" is not a policy id.
@router.get("/parameters", operation_id="listPolicyParameters")
def list_policy_parameters(actor: ActorDep) -> Page[PolicyParameterOut]:
    """Every policy parameter: its rule, central value (the floor) and the direction that
    tightens it. A policy that moves one the other way is refused with POL-FLOORS and the
    parameter's rule."""
    return Page[PolicyParameterOut](items=[PolicyParameterOut.of(f) for f in svc.parameters(actor)])


@router.get("/{policy_id}", operation_id="getPolicy")
def get_policy(policy_id: uuid.UUID, uow: UowDep, actor: ActorDep) -> PolicyOut:
    """Read one policy version."""
    return PolicyOut.model_validate(svc.get(uow, actor, policy_id))
