"""/api/v1/candidates: the cadre registry (干部信息库)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from app.api.conditional import extend_etag
from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.listing import sort_query
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.candidates import (
    NON_NULLABLE_PATCH,
    CandidateCreate,
    CandidateOut,
    CandidatePatch,
)
from app.api.schemas.common import (
    LIMIT_DESCRIPTION,
    UPDATED_AFTER_DESCRIPTION,
    Ident,
    IsoDateTime,
    Line,
    Page,
    QueryBool,
)
from app.domain.enums import Education, RankLevel
from app.domain.errors import InvalidInput
from app.services import candidates as svc
from app.services.etag import etag

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/candidates", tags=["candidates"], responses=PROBLEMS
)


def to_out(view: svc.CandidateView) -> CandidateOut:
    r = view.row
    return CandidateOut.model_validate(
        {
            **{c: getattr(r, c) for c in CandidateOut.model_fields if hasattr(r, c)},
            "is_principal": RankLevel(r.rank_level).is_principal if r.rank_level else None,
            "reserve_pool": view.pool,
            "misconduct": view.misconduct,
            "training_deadlines": view.training_deadlines,
            "etag": etag(r.version),
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createCandidate",
    summary="Register a cadre (登记干部)",
)
def create_candidate(
    body: CandidateCreate, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> CandidateOut:
    view = svc.create(uow, actor, clock, body.model_dump(exclude={"is_principal"}))
    response.headers["Location"] = f"/api/v1/candidates/{view.row.id}"
    response.headers["ETag"] = etag(view.row.version)
    no_store(response)
    return to_out(view)


@router.get("", operation_id="listCandidates", summary="List cadres")
def list_candidates(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    sort: Annotated[str | None, sort_query(svc.ORDERS)] = None,
    name: Annotated[Annotated[str, Line(100)] | None, Query(description="Name contains")] = None,
    external_id: Annotated[str, Ident(100)] | None = None,
    rank_level: RankLevel | None = None,
    education: Education | None = None,
    org_unit: Annotated[str, Line(200)] | None = None,
    in_reserve_pool: QueryBool | None = None,
    updated_after: Annotated[
        IsoDateTime | None, Query(description=UPDATED_AFTER_DESCRIPTION)
    ] = None,
) -> Page[CandidateOut]:
    views, nxt = svc.listing(
        uow,
        actor,
        cursor=cursor,
        limit=limit,
        sort=sort,
        name=name,
        external_id=external_id,
        rank_level=rank_level,
        education=education,
        org_unit=org_unit,
        in_reserve_pool=in_reserve_pool,
        updated_after=updated_after,
        clock=clock,
    )
    no_store(response)
    return Page[CandidateOut](items=[to_out(v) for v in views], next_cursor=nxt)


@router.get("/{candidate_id}", operation_id="getCandidate", summary="Read a cadre")
def get_candidate(
    candidate_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> CandidateOut:
    view = svc.read(uow, actor, candidate_id, clock=clock)
    response.headers["ETag"] = etag(view.row.version)
    extend_etag(response)  # misconduct, pool and deadlines change without a new version
    no_store(response)
    return to_out(view)


@router.patch(
    "/{candidate_id}",
    operation_id="updateCandidate",
    summary="Change a cadre's data (If-Match required)",
)
def update_candidate(
    candidate_id: uuid.UUID,
    body: CandidatePatch,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> CandidateOut:
    changes = body.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k in NON_NULLABLE_PATCH)
    if nulls:
        raise InvalidInput(f"these fields cannot be null: {', '.join(nulls)}")
    view = svc.update(uow, actor, clock, candidate_id, if_match, changes)
    response.headers["ETag"] = etag(view.row.version)
    no_store(response)
    return to_out(view)
