"""RFC 9457 problem details: one shape for every error, validation errors included."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.calendar_years import ScheduleInvalid
from app.domain.errors import (
    CalendarNotCovered,
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    RuleViolated,
)
from app.services.calendar import how_to_load
from app.services.errors import Unauthenticated

# Relative (RFC 9457 §3.1.1): resolved against the answer's URL, so it resolves on an intranet;
# the pages are served by app/api/contract.py.
PROBLEM_BASE = "/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("app.errors")


class ViolationOut(BaseModel):
    rule: str = Field(description="Rule id from the rule book, e.g. DEC-MAJORITY")
    article: str = Field(description="Source article of the rule")
    detail: str
    subject: str | None = Field(default=None, description="Id the rule failed for, if any")


class AllowedActionOut(BaseModel):
    action: str
    target: str
    enabled: bool
    blocking: list[ViolationOut] = Field(default_factory=list)


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": PROBLEM_BASE + "rule/DEC-MAJORITY",
                "title": "A rule refuses this step",
                "status": 422,
                "detail": "approvals 5 are not more than half of 10 members who should attend",
                "rule": "DEC-MAJORITY",
                "article": "R2019; seed 001",
                "violations": [
                    {
                        "rule": "DEC-MAJORITY",
                        "article": "R2019; seed 001",
                        "detail": "approvals 5 are not more than half of 10 members",
                    }
                ],
            }
        }
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    rule: str | None = None
    article: str | None = None
    violations: list[ViolationOut] | None = None
    errors: list[FieldError] | None = None
    current_state: str | None = None
    allowed_actions: list[str] | None = None


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _violations(exc: RuleViolated) -> list[dict[str, Any]]:
    return [
        {"rule": v.rule, "article": v.article, "detail": v.detail, "subject": v.subject}
        for v in exc.violations
    ]


def _documented_methods(request: Request) -> set[str]:
    path = request.url.path
    found: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            found.update(m.upper() for m in operations if m != "parameters")
    return found


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RuleViolated)
    async def _rule(request: Request, exc: RuleViolated) -> JSONResponse:
        first = exc.violations[0]
        return problem_response(
            422,
            f"rule/{first.rule}",
            "A rule refuses this step",
            exc.detail,
            request,
            rule=first.rule,
            article=first.article,
            violations=_violations(exc),
        )

    @app.exception_handler(IllegalTransition)
    async def _illegal(request: Request, exc: IllegalTransition) -> JSONResponse:
        return problem_response(
            409,
            "illegal-transition",
            "Action not available in the current stage",
            exc.detail,
            request,
            current_state=exc.stage,
            allowed_actions=exc.allowed,
        )

    simple: dict[type[DomainError], tuple[int, str, str]] = {
        NotFound: (404, "not-found", "Not found"),
        Forbidden: (403, "forbidden", "Your role does not grant this"),
        PreconditionFailed: (412, "precondition-failed", "The resource has changed"),
        PreconditionRequired: (428, "precondition-required", "If-Match is required"),
        CalendarNotCovered: (422, "rule/PUB-DURATION", "Working-day calendar not available"),
    }
    for exc_type, (status, slug, title) in simple.items():

        def _make(status: int, slug: str, title: str) -> Any:
            async def handler(request: Request, exc: DomainError) -> JSONResponse:
                extra: dict[str, Any] = {}
                detail = exc.detail
                if isinstance(exc, CalendarNotCovered):
                    # Counting working days needs the year: say how an operator provides it.
                    extra["rule"] = "PUB-DURATION"
                    detail = f"{detail}; {how_to_load(exc.year)}"
                return problem_response(status, slug, title, detail, request, **extra)

            return handler

        app.add_exception_handler(exc_type, _make(status, slug, title))

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        slug = f"rule/{exc.rule}" if exc.rule else "conflict"
        return problem_response(409, slug, "Conflict", exc.detail, request, rule=exc.rule)

    @app.exception_handler(ScheduleInvalid)
    async def _schedule(request: Request, exc: ScheduleInvalid) -> JSONResponse:
        errors = [{"loc": list(p.loc), "msg": p.msg, "type": p.code} for p in exc.problems]
        return problem_response(
            422,
            "invalid-calendar",
            "The schedule is not valid",
            exc.detail,
            request,
            errors=errors,
        )

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> JSONResponse:
        slug = f"rule/{exc.rule}" if exc.rule else "invalid-input"
        return problem_response(422, slug, "Invalid input", exc.detail, request, rule=exc.rule)

    @app.exception_handler(Unauthenticated)
    async def _unauth(request: Request, exc: Unauthenticated) -> JSONResponse:
        return problem_response(
            401,
            "unauthenticated",
            "Authentication required",
            exc.detail,
            request,
            headers={"WWW-Authenticate": 'Bearer realm="cadre-selection"'},
        )

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        return problem_response(
            412, "precondition-failed", "The resource has changed", "concurrent update", request
        )

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database operational error: %s", exc.orig)
        return problem_response(
            503,
            "busy",
            "Try again",
            "the database is busy",
            request,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(PoolTimeout)
    async def _pool(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every connection stayed busy past the pool timeout: overload, not a fault.
        log.warning("database pool timeout on %s", request.url.path)
        return problem_response(
            503,
            "busy",
            "Try again",
            "no database connection became free in time",
            request,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A unique or foreign-key race lost to a concurrent request: nothing was written.
        log.info("integrity error: %s", exc.orig)
        return problem_response(
            409, "conflict", "Conflict", "a concurrent change conflicts; read and retry", request
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        return problem_response(
            422, "invalid-input", "Invalid input", "a value is out of range", request
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
        return problem_response(
            422, "validation", "The request is not valid", detail, request, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; list all of the path's,
            # as documented (the OpenAPI document is built once and cached).
            methods = _documented_methods(request)
            exc.headers = {"Allow": ", ".join(sorted(methods))} if methods else exc.headers
        titles = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}
        slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
            exc.status_code, "http-error"
        )
        return problem_response(
            exc.status_code,
            slug,
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail),
            request,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "internal", "Internal error", "an unexpected error occurred", request
        )
