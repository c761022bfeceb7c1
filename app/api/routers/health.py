"""Liveness and readiness (open, no token)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.api.problems import problem_response

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness: the database answers",
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
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the detail goes to the log, not the client
        return problem_response(
            503, "unavailable", "Not ready", "the database does not answer", request
        )
    return JSONResponse({"status": "ok"})
