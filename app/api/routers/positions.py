"""/api/v1/positions: posts and their approved headcount (核定职数)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from app.api.conditional import extend_etag
from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.listing import sort_query
from app.api.responses import PROBLEMS
from app.api.routing import OneHopRoute
from app.api.schemas.common import (
    LIMIT_DESCRIPTION,
    UPDATED_AFTER_DESCRIPTION,
    IsoDateTime,
    Line,
    Page,
    QueryBool,
)
from app.api.schemas.positions import PositionCreate, PositionOut, PositionPatch
from app.domain.enums import RankLevel
from app.domain.errors import InvalidInput
from app.services import positions as svc
from app.services.etag import etag

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/positions", tags=["positions"], responses=PROBLEMS
)


def to_out(view: svc.PositionView) -> PositionOut:
    r = view.row
    return PositionOut.model_validate(
        {
            **{c: getattr(r, c) for c in PositionOut.model_fields if hasattr(r, c)},
            "is_principal": RankLevel(r.rank_level).is_principal,
            "occupants": view.occupants,
            "free_places": view.free_places,
            "etag": etag(r.version),
        }
    )


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createPosition")
def create_position(
    body: PositionCreate, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> PositionOut:
    """Create a position (职位) with its approved headcount and current occupants."""
    view = svc.create(uow, actor, clock, body.model_dump())
    response.headers["Location"] = f"/api/v1/positions/{view.row.id}"
    response.headers["ETag"] = etag(view.row.version)
    return to_out(view)


@router.get("", operation_id="listPositions")
def list_positions(
    uow: UowDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    sort: Annotated[str | None, sort_query(svc.ORDERS)] = None,
    org_unit: Annotated[str, Line(200)] | None = None,
    rank_level: RankLevel | None = None,
    has_vacancy: QueryBool | None = None,
    updated_after: Annotated[
        IsoDateTime | None, Query(description=UPDATED_AFTER_DESCRIPTION)
    ] = None,
) -> Page[PositionOut]:
    """List positions; `has_vacancy=true` keeps those with free places."""
    views, nxt = svc.listing(
        uow,
        actor,
        cursor=cursor,
        limit=limit,
        sort=sort,
        org_unit=org_unit,
        rank_level=rank_level,
        has_vacancy=has_vacancy,
        updated_after=updated_after,
    )
    return Page[PositionOut](items=[to_out(v) for v in views], next_cursor=nxt)


@router.get("/{position_id}", operation_id="getPosition")
def get_position(
    position_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> PositionOut:
    """Read a position with its occupants and free places."""
    view = svc.read(uow, actor, position_id)
    response.headers["ETag"] = etag(view.row.version)
    extend_etag(response)  # occupants change without a new version
    return to_out(view)


@router.patch("/{position_id}", operation_id="updatePosition")
def update_position(
    position_id: uuid.UUID,
    body: PositionPatch,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> PositionOut:
    """Change a position (If-Match required); `occupant_ids` replaces the current occupants."""
    changes = body.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None and k not in {"external_id"})
    if nulls:
        raise InvalidInput(f"these fields cannot be null: {', '.join(nulls)}")
    view = svc.update(uow, actor, clock, position_id, if_match, changes)
    response.headers["ETag"] = etag(view.row.version)
    return to_out(view)
