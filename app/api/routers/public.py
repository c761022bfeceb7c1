"""/api/v1/public: pre-appointment notices and objections, open without a token."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field, StrictBool

from app.api.deps import ClockDep, UowDep
from app.api.problems import problem_response
from app.api.responses import PROBLEMS
from app.api.routing import OneHopRoute
from app.api.schemas.common import Line, StrictModel, Text
from app.domain.enums import Education, Gender
from app.services import public as svc

log = logging.getLogger(__name__)
router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/public", tags=["public"], responses=PROBLEMS
)


class PublicCandidate(BaseModel):
    candidate_id: uuid.UUID
    name: str
    gender: Gender
    birth_year_month: str = Field(examples=["1980-05"])
    education: Education
    current_post: str
    proposed_post: str
    exceptional_promotion_reason: str | None


class PublicNotice(BaseModel):
    """What a pre-appointment notice (任前公示) shows, and nothing else."""

    notice_id: uuid.UUID
    start_date: date
    end_date: date
    closes_at: datetime
    how_to_object: str
    contact: str
    candidates: list[PublicCandidate]


class PublicObjectionIn(StrictModel):
    candidate_id: uuid.UUID | None = None
    content: Annotated[str, Text(5000, 1)]
    has_specific_leads: StrictBool = True
    contact: Annotated[str, Line(200)] | None = Field(
        default=None, description="Optional; kept confidential"
    )


class ObjectionReceipt(BaseModel):
    objection_id: uuid.UUID
    status: str = "received"


def _limiter(request: Request) -> MovingWindowRateLimiter:
    """One limiter per application instance, kept on its state; its counters live in
    CADRE_RATE_LIMIT_STORAGE (shared by the workers when that is e.g. Redis)."""
    state = request.app.state
    limiter: MovingWindowRateLimiter | None = getattr(state, "objection_limiter", None)
    if limiter is None:
        limiter = MovingWindowRateLimiter(storage_from_string(state.settings.rate_limit_storage))
        state.objection_limiter = limiter
    return limiter


def _allowed(request: Request, item: RateLimitItem, client: str) -> bool:
    """A hit on the limiter. When the shared store does not answer, the objection is taken
    (a channel for the public must not close because a counter is unavailable) and logged."""
    try:
        return _limiter(request).hit(item, "objection", client)
    except Exception as exc:  # the storage's own errors (redis ConnectionError, timeouts...)
        log.warning("rate-limit storage unavailable, objection accepted unlimited: %r", exc)
        return True


@router.get("/notices", operation_id="listPublicNotices", summary="Open notices (公示)")
def list_notices(uow: UowDep, clock: ClockDep) -> list[PublicNotice]:
    return [PublicNotice.model_validate(n) for n in svc.list_notices(uow, clock)]


@router.post(
    "/notices/{notice_id}/objections",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="lodgePublicObjection",
    summary="Lodge an objection to an open notice (反映)",
    responses={429: PROBLEMS[503] | {"description": "Too many objections from this address"}},
    response_model=ObjectionReceipt,
)
def lodge_objection(
    notice_id: uuid.UUID,
    body: PublicObjectionIn,
    request: Request,
    uow: UowDep,
    clock: ClockDep,
) -> ObjectionReceipt | Response:
    """Anyone may object; contact details are optional and confidential. Rate-limited per
    client address."""
    item = parse(request.app.state.settings.public_objection_rate)
    client = request.client.host if request.client else "unknown"
    if not _allowed(request, item, client):
        return problem_response(
            429,
            "rate-limited",
            "Too many requests",
            "too many objections from this address; try again later",
            request,
            headers={"Retry-After": str(item.get_expiry())},
        )
    oid = svc.lodge_objection(uow, clock, notice_id, body.model_dump(), client)
    return ObjectionReceipt(objection_id=oid)
