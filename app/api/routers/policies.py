"""/api/v1/policies: selection policies (central default and local presets)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS
from app.api.schemas.common import Ident, Page, QueryBool
from app.api.schemas.policies import PolicyCreate, PolicyOut, PolicyParameterOut
from app.services import policies as svc

router = APIRouter(prefix="/api/v1/policies", tags=["policies"], responses=PROBLEMS)


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
    name: Annotated[str, Ident(100)] | None = None,
    preset: QueryBool | None = None,
    latest_only: QueryBool = False,
) -> Page[PolicyOut]:
    """All policy versions; `preset=true` lists the shipped presets (central, the seeds' local
    rules); `latest_only=true` keeps the newest version of each name."""
    rows = svc.listing(uow, actor, name=name, preset=preset, latest_only=latest_only)
    return Page[PolicyOut](items=[PolicyOut.model_validate(r) for r in rows])


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
