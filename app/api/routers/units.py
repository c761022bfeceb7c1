"""/api/v1/units, /api/v1/principals, /api/v1/access-log: management authority (干部管理权限) and
separation of duties (三员分立).

The system administrator keeps the unit tree; the security administrator grants roles and
scopes; the auditor reads the grants and the log of confidential reads. None of them reads
personnel data.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import LIMIT_DESCRIPTION, Page
from app.api.schemas.units import AccessLogOut, GrantIn, PrincipalOut, UnitCreate, UnitOut
from app.db.unit_models import AccessLogEntry
from app.domain.enums import RankLevel, Role
from app.services import access_log
from app.services import units as svc

router = APIRouter(route_class=OneHopRoute, tags=["management authority"], responses=PROBLEMS)


@router.get("/api/v1/units", operation_id="listUnits", summary="The organisation-unit tree")
def list_units(uow: UowDep, actor: ActorDep) -> list[UnitOut]:
    """The units of your own subtree, parents before children."""
    return [UnitOut.model_validate(u) for u in svc.listing(uow, actor)]


@router.post(
    "/api/v1/units",
    status_code=status.HTTP_201_CREATED,
    operation_id="createUnit",
    summary="Add an organisation unit (system administrator)",
)
def create_unit(
    body: UnitCreate, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> UnitOut:
    row = svc.create(uow, actor, clock, code=body.code, name=body.name, parent_id=body.parent_id)
    response.headers["Location"] = f"/api/v1/units/{row.id}"
    return UnitOut.model_validate(row)


@router.get("/api/v1/units/{unit_id}", operation_id="getUnit", summary="One organisation unit")
def get_unit(unit_id: uuid.UUID, uow: UowDep, actor: ActorDep) -> UnitOut:
    return UnitOut.model_validate(svc.read(uow, actor, unit_id))


def _principal_out(view: svc.PrincipalView) -> PrincipalOut:
    r = view.row
    return PrincipalOut(
        id=r.id,
        name=r.name,
        org_unit=r.org_unit,
        roles=[Role(str(x)) for x in r.roles],
        unit_id=r.unit_id,
        unit_code=view.unit.code,
        levels=None if r.scope_levels is None else [RankLevel(str(x)) for x in r.scope_levels],
        candidate_id=r.candidate_id,
        created_at=r.created_at,
    )


@router.get(
    "/api/v1/principals",
    operation_id="listPrincipals",
    summary="Principals with their roles and scope (security administrator, auditor)",
)
def list_principals(uow: UowDep, actor: ActorDep, response: Response) -> list[PrincipalOut]:
    no_store(response)
    return [_principal_out(v) for v in svc.principals(uow, actor)]


@router.get(
    "/api/v1/principals/{principal_id}",
    operation_id="getPrincipal",
    summary="One principal with its roles and scope",
)
def get_principal(
    principal_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> PrincipalOut:
    no_store(response)
    return _principal_out(svc.principal(uow, actor, principal_id))


@router.put(
    "/api/v1/principals/{principal_id}/grant",
    operation_id="grantPrincipal",
    summary="Grant roles and a management scope (security administrator)",
)
def grant_principal(
    principal_id: uuid.UUID,
    body: GrantIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> PrincipalOut:
    """Replaces the principal's roles, unit and levels; recorded in the record (纪实). A
    security administrator cannot change their own grant (403)."""
    view = svc.grant(
        uow,
        actor,
        clock,
        principal_id,
        roles=body.roles,
        unit_id=body.unit_id,
        levels=body.levels,
    )
    no_store(response)
    return _principal_out(view)


def _log_out(row: AccessLogEntry) -> AccessLogOut:
    return AccessLogOut(
        id=row.id,
        at=row.at,
        principal_id=row.principal_id,
        principal_name=row.principal_name,
        roles=[r for r in row.roles.split(",") if r],
        what=row.what,
        subject_id=row.subject_id,
        request_id=row.request_id,
    )


@router.get(
    "/api/v1/access-log",
    operation_id="listAccessLog",
    summary="Reads of confidential content (auditor)",
)
def list_access_log(
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    principal_id: uuid.UUID | None = None,
    what: Literal["nomination", "nomination_attachment", "objection_contact"] | None = None,
    subject_id: uuid.UUID | None = None,
) -> Page[AccessLogOut]:
    """Who read which self-nomination, evidence file or objector's contact details, when and in
    which request (`X-Request-Id`), oldest first."""
    rows, nxt = access_log.listing(
        uow,
        actor,
        cursor=cursor,
        limit=limit,
        principal_id=principal_id,
        what=what,
        subject_id=subject_id,
    )
    no_store(response)
    return Page[AccessLogOut](items=[_log_out(r) for r in rows], next_cursor=nxt)
