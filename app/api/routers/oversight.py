"""Oversight: statistics (JSON, XLSX, SVG), promotions and reviews (ACC-TRACE), the work queue,
and the pictures of the workflow and of a case (SVG)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response

from app.api.deps import ActorDep, ClockDep, SettingsDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import Date, Line
from app.api.schemas.oversight import (
    PromotionOut,
    ReviewOut,
    StatisticsOut,
    WorkItemOut,
)
from app.domain import pictures as pictures_domain
from app.services import accountability, pictures, statistics, statistics_xlsx, work_queue
from app.services.statistics import Cell, Statistics

router = APIRouter(route_class=OneHopRoute, tags=["oversight"], responses=PROBLEMS)

SVG = "image/svg+xml"
# An SVG is a document a browser renders: no scripts, no outside resources, no framing.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
XLSX = statistics_xlsx.CONTENT_TYPE

FromQ = Annotated[Date | None, Query(alias="from", description="First day (default: 1 January)")]
ToQ = Annotated[Date | None, Query(description="Last day, included (default: today in China)")]
UnitQ = Annotated[
    Annotated[str, Line(200, 1)] | None,
    Query(description="Only cases of positions of this organisation unit"),
]


def _svg(body: str) -> Response:
    return Response(
        content=body.encode(),
        media_type=SVG,
        headers={
            "Content-Security-Policy": SVG_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _cell(c: Cell) -> dict[str, Any]:
    return {"value": c.value, "suppressed": c.suppressed}


def statistics_out(st: Statistics) -> StatisticsOut:
    return StatisticsOut.model_validate(
        {
            "period": {"from": st.period_from, "to": st.period_to},
            "org_unit": st.org_unit,
            "generated_at": st.generated_at,
            "cases": {
                "total": st.cases_total,
                "by_stage": st.cases_by_stage,
                "overdue": st.cases_overdue,
            },
            "appointments_by_method": st.appointments_by_method,
            "appointed": {
                "count": st.appointed_count,
                "women": _cell(st.women),
                "non_party": _cell(st.non_party),
                "ethnic_minorities": _cell(st.ethnic_minorities),
                "average_age": _cell(st.average_age),
                "education": {k: _cell(v) for k, v in st.education.items()},
                "bachelor_or_above": _cell(st.bachelor_or_above),
                "grassroots_experience": _cell(st.grassroots_experience),
                "exceptional": _cell(st.exceptional),
            },
            "objections": {"total": st.objections_total, "by_outcome": st.objection_outcomes},
        }
    )


def _xlsx(st: Statistics) -> Response:
    name = f"statistics-{st.period_from}-{st.period_to}.xlsx"
    return Response(
        content=statistics_xlsx.to_xlsx(st),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/api/v1/statistics",
    operation_id="getStatistics",
    summary="Statistics of selection and appointment (干部选拔任用工作统计)",
    responses={200: {"content": {XLSX: {}}}},
)
def get_statistics(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    date_from: FromQ = None,
    to: ToQ = None,
    org_unit: UnitQ = None,
    accept: Annotated[str | None, Header()] = None,
) -> StatisticsOut:
    """Aggregates only; personal-attribute cells under 5 are suppressed (`null` +
    `suppressed`). With `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`
    the same as an XLSX workbook with charts (also at `/api/v1/statistics.xlsx`)."""
    st = statistics.compute(uow, actor, clock, date_from=date_from, date_to=to, org_unit=org_unit)
    if accept and XLSX in accept:
        return _xlsx(st)  # type: ignore[return-value]
    no_store(response)
    return statistics_out(st)


@router.get(
    "/api/v1/statistics.xlsx",
    operation_id="getStatisticsXlsx",
    summary="The statistics as an XLSX workbook with charts",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def get_statistics_xlsx(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    date_from: FromQ = None,
    to: ToQ = None,
    org_unit: UnitQ = None,
) -> Response:
    return _xlsx(
        statistics.compute(uow, actor, clock, date_from=date_from, date_to=to, org_unit=org_unit)
    )


@router.get(
    "/api/v1/statistics.svg",
    operation_id="getStatisticsChart",
    summary="One chart of the statistics as SVG",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}},
)
def get_statistics_chart(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    chart: Literal["stages", "methods", "education", "objections"] = "stages",
    date_from: FromQ = None,
    to: ToQ = None,
    org_unit: UnitQ = None,
) -> Response:
    st = statistics.compute(uow, actor, clock, date_from=date_from, date_to=to, org_unit=org_unit)
    span = f"{st.period_from} – {st.period_to}"
    bars: list[tuple[str, float | None]]
    if chart == "stages":
        bars = [(k, v) for k, v in st.cases_by_stage.items()]
    elif chart == "methods":
        bars = [(k, v) for k, v in st.appointments_by_method.items()]
    elif chart == "education":
        bars = [(k, v.value) for k, v in st.education.items()]
    else:
        bars = [(k, v) for k, v in st.objection_outcomes.items()]
    return _svg(pictures_domain.bar_chart_svg(f"{chart} {span}", bars))


@router.get(
    "/api/v1/candidates/{candidate_id}/promotions",
    operation_id="listPromotions",
    summary="Every case that promoted the cadre, with who was responsible per step (ACC-TRACE)",
)
def list_promotions(
    candidate_id: uuid.UUID,
    uow: UowDep,
    actor: ActorDep,
    settings: SettingsDep,
    response: Response,
) -> list[PromotionOut]:
    """Oldest appointment first. `flagged_for_review`: misconduct or a sanction was found
    within `CADRE_ACCOUNTABILITY_YEARS` after the appointment."""
    found = accountability.promotions(uow, actor, candidate_id, settings.accountability_years)
    no_store(response)
    return [PromotionOut.model_validate(p) for p in found]


@router.get(
    "/api/v1/oversight/reviews",
    operation_id="listPromotionReviews",
    summary="Promotions flagged for review by discipline inspection (带病提拔, ACC-TRACE)",
)
def list_reviews(
    uow: UowDep,
    actor: ActorDep,
    settings: SettingsDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReviewOut]:
    """Each promoting case whose appointee had misconduct or a sanction found within
    `CADRE_ACCOUNTABILITY_YEARS` after the appointment, latest finding first, with the persons
    responsible and the record excerpt of every step."""
    found = accountability.reviews(uow, actor, settings.accountability_years, limit)
    no_store(response)
    return [ReviewOut.model_validate(r) for r in found]


def _href(item: work_queue.Item) -> str:
    if item.nomination_id is not None:
        return f"/api/v1/nominations/{item.nomination_id}"
    if item.training_deadline_id is not None:
        return f"/api/v1/training-deadlines/{item.training_deadline_id}"
    return f"/api/v1/cases/{item.case_id}"


@router.get(
    "/api/v1/work-queue",
    operation_id="getWorkQueue",
    summary="The organisation department's work queue, soonest first",
)
def get_work_queue(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    within_days: Annotated[
        int | None,
        Query(ge=0, le=3660, description="Only items dated up to today + this (overdue ones too)"),
    ] = None,
    kind: Annotated[
        list[Literal["publicity_closes", "probation_ends", "training_due", "forward_due"]] | None,
        Query(description="Only these kinds (repeat the parameter)"),
    ] = None,
) -> list[WorkItemOut]:
    """Publicity windows closing (the last day of the window), probation terms ending, training
    deadlines and forward deadlines of self-nominations, each with its date and link."""
    items = work_queue.queue(
        uow, actor, clock, within_days=within_days, kinds=frozenset(kind) if kind else None
    )
    no_store(response)
    return [WorkItemOut.model_validate({**i.__dict__, "href": _href(i)}) for i in items]


@router.get(
    "/api/v1/workflow.svg",
    operation_id="getWorkflowSvg",
    summary="The workflow diagram as SVG",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}},
)
def get_workflow_svg(actor: ActorDep) -> Response:
    return _svg(pictures.workflow(actor))


@router.get(
    "/api/v1/cases/{case_id}/workflow.svg",
    operation_id="getCaseWorkflowSvg",
    summary="The workflow diagram with the case's current stage highlighted (SVG)",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}},
)
def get_case_workflow_svg(case_id: uuid.UUID, uow: UowDep, actor: ActorDep) -> Response:
    return _svg(pictures.case_workflow(uow, actor, case_id))


@router.get(
    "/api/v1/cases/{case_id}/timeline.svg",
    operation_id="getCaseTimelineSvg",
    summary="The case's timeline as SVG: stages with dates, facts, refusals, holds",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}},
)
def get_case_timeline_svg(case_id: uuid.UUID, uow: UowDep, actor: ActorDep) -> Response:
    return _svg(pictures.timeline(uow, actor, case_id))
