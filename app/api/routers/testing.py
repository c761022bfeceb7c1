"""Test-only clock control, mounted only with CADRE_ENVIRONMENT=test (never in production).

End-to-end tests drive a real server through a publicity window and a probation year without
sleeping; this moves the server's injectable clock.
"""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Request

from app.api.deps import ActorDep
from app.api.routing import OneHopRoute
from app.api.schemas.common import AwareDateTime, StrictModel
from app.domain.enums import Role
from app.domain.errors import Forbidden

router = APIRouter(route_class=OneHopRoute, prefix="/api/v1/_test", include_in_schema=False)


class ClockIn(StrictModel):
    now: AwareDateTime


@router.put("/clock")
def set_clock(body: ClockIn, request: Request, actor: ActorDep) -> dict[str, str]:
    if not actor.has(Role.ADMIN):
        raise Forbidden("only an admin may move the test clock")
    clock = request.app.state.clock
    wanted = body.now if body.now.tzinfo else body.now.replace(tzinfo=UTC)
    clock.offset_seconds = 0.0
    clock.offset_seconds = (wanted - clock.now()).total_seconds()
    return {"now": clock.now().isoformat()}
