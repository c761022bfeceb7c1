"""Liveness and readiness (open, no token)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from app.api.problems import problem_response
from app.db.uow import UnitOfWork
from app.services import calendar
from app.services.context import Clock

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    status: Literal["ok"]
    warnings: list[str] = Field(
        description="Ready, but an operator should act: e.g. from 1 November, the official "
        "working-day schedule of the next year is not loaded (`cadre calendar load FILE`)"
    )


@router.get("/healthz", operation_id="healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness: the database answers (with warnings an operator should act on)",
    response_model=Readiness,
    responses={
        503: {
            "description": "The database does not answer",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    },
)
def readyz(request: Request) -> JSONResponse:
    """200 while the database answers. A missing calendar year does not make the service unready
    (only windows and deadlines reaching into it fail): it is a warning. The probe also re-reads
    the loaded calendar years, so a year replaced through another process reaches this one."""
    clock: Clock = request.app.state.clock
    try:
        with UnitOfWork(request.app.state.session_factory, read_only=True) as uow:
            uow.session.execute(text("SELECT 1"))
            warnings = calendar.warnings(uow.session, clock.today())
    except Exception:  # any failure means not ready; the detail goes to the log, not the client
        return problem_response(
            503, "unavailable", "Not ready", "the database does not answer", request
        )
    return JSONResponse(Readiness(status="ok", warnings=warnings).model_dump())
