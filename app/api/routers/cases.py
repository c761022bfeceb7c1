"""/api/v1/cases: selection cases, their facts, transitions, record and dossier."""

# No `from __future__ import annotations` here: the fact endpoints are built in a loop and
# FastAPI must see their body models as real classes, not strings.

import uuid
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Response, status

from app.api.conditional import extend_etag
from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.listing import sort_query
from app.api.problems import ViolationOut
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.case_facts import FACT_BODIES, FactIn, FindingIn
from app.api.schemas.cases import (
    FACT_OUT,
    CaseCreate,
    CaseOut,
    CasePatch,
    CaseSummaryOut,
    PoolAdd,
    RecordOut,
    TransitionIn,
    ValidationOut,
)
from app.api.schemas.common import (
    LIMIT_DESCRIPTION,
    UPDATED_AFTER_DESCRIPTION,
    Ident,
    IsoDateTime,
    Page,
    QueryBool,
)
from app.api.schemas.dossier import DossierOut
from app.db.uow import UnitOfWork
from app.domain.enums import Role, SelectionMethod
from app.domain.facts import Fact, Objection
from app.domain.workflow import Stage
from app.domain.workflow.fact_kinds import FACT_KINDS
from app.services import access_log, ops_metrics
from app.services import dossier as dossier_svc
from app.services.cases import create as svc_create
from app.services.cases import facts as svc_facts
from app.services.cases import loading as svc_load
from app.services.cases import read as svc_read
from app.services.cases import transition as svc_transition
from app.services.context import Actor
from app.services.etag import etag

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/cases", tags=["cases"], responses=PROBLEMS
)


def _privileged(actor: Actor) -> bool:
    """Who may see nomination links and objectors' contact details (the organisation
    department only; 三员分立: not the system administrator)."""
    return actor.has(Role.ORG_DEPARTMENT)


def _log_contacts(uow: UnitOfWork, actor: Actor, facts: Iterable[Fact]) -> None:
    """Objectors' contact details shown to the caller are confidential reads: logged."""
    if _privileged(actor):
        shown = [f.id for f in facts if isinstance(f.value, Objection) and f.value.contact]
        access_log.log_reads(uow, actor, access_log.OBJECTION_CONTACT, shown)


def to_out(loaded: svc_load.Loaded, actor: Actor) -> CaseOut:
    return CaseOut.model_validate(dossier_svc.case_view(loaded, privileged=_privileged(actor)))


def _headers(response: Response, loaded: svc_load.Loaded) -> None:
    response.headers["ETag"] = etag(loaded.case.version)
    no_store(response)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createCase",
    summary="Start a selection case with its motion (动议)",
)
def create_case(
    body: CaseCreate, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> CaseOut:
    """Creates the case in stage `motion`, bound to a policy; HEADCOUNT is checked now."""
    loaded = svc_create.create(uow, actor, clock, body.model_dump())
    response.headers["Location"] = f"/api/v1/cases/{loaded.case.id}"
    _headers(response, loaded)
    return to_out(loaded, actor)


@router.get("", operation_id="listCases", summary="List cases")
def list_cases(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    sort: Annotated[str | None, sort_query(svc_read.ORDERS)] = None,
    stage: Annotated[
        list[Stage] | None,
        Query(description="Any of these stages (repeat the parameter: stage=a&stage=b)"),
    ] = None,
    external_id: Annotated[
        Annotated[str, Ident(100)] | None,
        Query(description="The case with this id in your HR system (unique)"),
    ] = None,
    position_id: uuid.UUID | None = None,
    candidate_id: uuid.UUID | None = None,
    method: SelectionMethod | None = None,
    updated_after: Annotated[
        IsoDateTime | None, Query(description=UPDATED_AFTER_DESCRIPTION)
    ] = None,
    due: Annotated[
        QueryBool | None,
        Query(
            description="Only cases whose publicity window or probation term has run out "
            "and that wait for an action"
        ),
    ] = None,
) -> Page[CaseSummaryOut]:
    rows, nxt = svc_read.listing(
        uow,
        actor,
        cursor=cursor,
        limit=limit,
        sort=sort,
        stage=stage,
        external_id=external_id,
        position_id=position_id,
        candidate_id=candidate_id,
        method=method,
        updated_after=updated_after,
        due=due,
        now=clock.now(),
    )
    items = [CaseSummaryOut.model_validate({**_summary(r), "etag": etag(r.version)}) for r in rows]
    return Page[CaseSummaryOut](items=items, next_cursor=nxt)


def _summary(r: Any) -> dict[str, Any]:
    return {k: getattr(r, k) for k in CaseSummaryOut.model_fields if hasattr(r, k)}


@router.get("/{case_id}", operation_id="getCase", summary="Read a case with its allowed actions")
def get_case(
    case_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> CaseOut:
    loaded = svc_read.read(uow, actor, clock, case_id)
    _headers(response, loaded)
    extend_etag(response)  # allowed actions move with the clock and the candidates' data
    _log_contacts(uow, actor, loaded.snap.facts)
    return to_out(loaded, actor)


@router.patch("/{case_id}", operation_id="updateMotion", summary="Change the motion")
def update_motion(
    case_id: uuid.UUID,
    body: CasePatch,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> CaseOut:
    """Only in stage `motion`; If-Match required. `stage` cannot be written here."""
    changes = body.model_dump(exclude_unset=True)
    if "motion" in changes and changes["motion"] is not None:
        changes["motion"] = {k: v for k, v in changes["motion"].items() if v is not None}
    changes = {k: v for k, v in changes.items() if v is not None}
    loaded = svc_create.update_motion(uow, actor, clock, case_id, if_match, changes)
    _headers(response, loaded)
    return to_out(loaded, actor)


@router.post(
    "/{case_id}/pool",
    status_code=status.HTTP_201_CREATED,
    operation_id="addToPool",
    summary="Add a candidate to the candidate pool (人选)",
)
def add_to_pool(
    case_id: uuid.UUID,
    body: PoolAdd,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> CaseOut:
    loaded = svc_create.add_pool_member(uow, actor, clock, case_id, body.candidate_id)
    _headers(response, loaded)
    return to_out(loaded, actor)


FACT_TITLES: dict[str, tuple[str, str]] = {
    # kind: (operationId noun, summary)
    "scope_amendment": ("ScopeAmendment", "amendment of the recommendation scope (REC-SCOPE)"),
    "recommendation_round": ("RecommendationRound", "democratic recommendation round (民主推荐)"),
    "competitive_scores": ("CompetitiveScores", "competitive selection scores (竞争上岗成绩)"),
    "exception_approval": ("ExceptionApproval", "upper approval of an exception (破格/越级审批)"),
    "target_decision": ("TargetDecision", "decision fixing the inspection targets (确定考察对象)"),
    "inspection_notice": ("InspectionNotice", "inspection notice (考察预告)"),
    "inspection_team": ("InspectionTeam", "inspection team (考察组)"),
    "inspection_report": ("InspectionReport", "target's inspection report (考察材料, 凡提四必)"),
    "proposal": ("Proposal", "proposal of candidates for the decision (拟任人选)"),
    "consultation": ("Consultation", "consultation (酝酿)"),
    "decision_meeting": ("DecisionMeeting", "decision meeting (讨论决定)"),
    "reconsideration": ("Reconsideration", "reconsideration vote (复议)"),
    "publicity_notice": ("PublicityNotice", "pre-appointment notice (任前公示)"),
    "objection": ("Objection", "objection (公示反映)"),
    "objection_finding": ("ObjectionFinding", "investigation finding of an objection (调查核实)"),
    "appointment": ("Appointment", "appointment (任职)"),
    "probation_assessment": ("ProbationAssessment", "probation assessment (试用期考核)"),
}


def fact_out(fact: Fact, ld: svc_load.Loaded, privileged: bool) -> Any:
    return dossier_svc.fact_view(fact, ld, privileged=privileged)


def _record_endpoint(kind: str, model: type[FactIn]) -> Callable[..., Any]:
    path = FACT_KINDS[kind].path

    def endpoint(
        case_id: uuid.UUID,
        uow: UowDep,
        actor: ActorDep,
        clock: ClockDep,
        response: Response,
        body: Any = Body(),
    ) -> Any:
        data = body.model_dump(exclude={"supersedes", "correction_reason"})
        ld, fact = svc_facts.record_fact(
            uow,
            actor,
            clock,
            case_id,
            kind,
            data,
            supersedes=body.supersedes,
            correction_reason=body.correction_reason,
        )
        response.headers["Location"] = f"/api/v1/cases/{case_id}/{path}/{fact.id}"
        _headers(response, ld)
        return fact_out(fact, ld, _privileged(actor))

    endpoint.__annotations__["body"] = model
    return endpoint


def _list_endpoint(kind: str) -> Callable[..., Any]:
    def endpoint(
        case_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
    ) -> Any:
        ld, found = svc_facts.listing(uow, actor, clock, case_id, kind)
        _log_contacts(uow, actor, found)
        no_store(response)
        return [fact_out(x, ld, _privileged(actor)) for x in found]

    return endpoint


def _read_endpoint(kind: str) -> Callable[..., Any]:
    def endpoint(
        case_id: uuid.UUID,
        fact_id: uuid.UUID,
        uow: UowDep,
        actor: ActorDep,
        clock: ClockDep,
        response: Response,
    ) -> Any:
        ld, fact = svc_facts.read(uow, actor, clock, case_id, kind, fact_id)
        _log_contacts(uow, actor, [fact])
        no_store(response)
        return fact_out(fact, ld, _privileged(actor))

    return endpoint


for _kind, (_noun, _title) in FACT_TITLES.items():
    _spec = FACT_KINDS[_kind]
    _out = FACT_OUT[_kind]
    router.add_api_route(
        f"/{{case_id}}/{_spec.path}",
        _record_endpoint(_kind, FACT_BODIES[_kind]),
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        operation_id=f"record{_noun}",
        summary=f"Record a {_title}",
        description=(FACT_BODIES[_kind].__doc__ or "")
        + f"\n\nRecorded in stage(s): {', '.join(sorted(_spec.stages))}; otherwise 409. "
        f"Rules: {', '.join(_spec.rules)}. Answers the fact itself, with `Location` of its own "
        "URL. To correct a fact, post a new one with `supersedes` and `correction_reason`.",
        response_model=_out,
        responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}},
    )
    router.add_api_route(
        f"/{{case_id}}/{_spec.path}",
        _list_endpoint(_kind),
        methods=["GET"],
        operation_id=f"list{_noun}s",
        summary=f"List every {_title} of the case, superseded ones flagged",
        response_model=list[_out],  # type: ignore[valid-type]
    )
    router.add_api_route(
        f"/{{case_id}}/{_spec.path}/{{fact_id}}",
        _read_endpoint(_kind),
        methods=["GET"],
        operation_id=f"get{_noun}",
        summary=f"Read one {_title}",
        response_model=_out,
    )


@router.post(
    "/{case_id}/objections/{objection_id}/finding",
    status_code=status.HTTP_201_CREATED,
    operation_id="recordObjectionFindingFor",
    summary="Record the investigation finding of an objection (调查核实)",
    response_model=FACT_OUT["objection_finding"],
)
def record_finding(
    case_id: uuid.UUID,
    objection_id: uuid.UUID,
    body: FindingIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> Any:
    """appoint / postpone / not_appoint (PUB-OBJECTIONS); the same as POST
    .../objection-findings with this objection_id."""
    data = {
        "objection_id": objection_id,
        **body.model_dump(exclude={"supersedes", "correction_reason"}),
    }
    ld, fact = svc_facts.record_fact(
        uow,
        actor,
        clock,
        case_id,
        "objection_finding",
        data,
        supersedes=body.supersedes,
        correction_reason=body.correction_reason,
    )
    response.headers["Location"] = f"/api/v1/cases/{case_id}/objection-findings/{fact.id}"
    _headers(response, ld)
    return fact_out(fact, ld, _privileged(actor))


@router.post(
    "/{case_id}/transitions",
    operation_id="transitionCase",
    summary="Move the case along the workflow",
)
def transition_case(
    case_id: uuid.UUID,
    body: TransitionIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
    validate_only: Annotated[
        QueryBool, Query(description="Evaluate the guards and answer without acting")
    ] = False,
) -> CaseOut | ValidationOut:
    """The stage changes only here. A refusal is a 422 problem listing every failing rule; an
    action not offered from the current stage is a 409 with `allowed_actions`. If-Match is
    required unless `validate_only=true`."""
    outcome = svc_transition.transition(
        uow, actor, clock, case_id, body.action, body.reason, if_match, validate_only
    )
    _headers(response, outcome.loaded)
    if not outcome.executed:
        return ValidationOut(
            action=outcome.action,
            from_stage=outcome.from_stage,
            to_stage=outcome.to_stage,
            enabled=not outcome.violations,
            violations=[
                ViolationOut(rule=v.rule, article=v.article, detail=v.detail, subject=v.subject)
                for v in outcome.violations
            ],
        )
    ops_metrics.count_transition(outcome.action)
    return to_out(outcome.loaded, actor)


@router.get(
    "/{case_id}/record",
    operation_id="getCaseRecord",
    summary="The full-process record (纪实) of the case",
)
def get_record(
    case_id: uuid.UUID,
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    limit: Annotated[
        int, Query(ge=1, le=200, description="Entries per page (default 100, at most 200)")
    ] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    verify: Annotated[
        Literal["page", "chain"],
        Query(
            description="`page` (default): this page's entries and the record's head are "
            "verified, at a cost independent of the record's length; `chain`: the whole chain "
            "as well"
        ),
    ] = "page",
) -> RecordOut:
    """Append-only, one entry per fact and per transition, hash-linked (REC-RECORD), in
    order of `seq`, one page at a time."""
    no_store(response)
    return RecordOut.model_validate(
        dossier_svc.record(
            uow,
            actor,
            case_id,
            privileged=_privileged(actor),
            cursor=cursor,
            limit=limit,
            whole_chain=verify == "chain",
        )
    )


@router.get(
    "/{case_id}/dossier",
    operation_id="getCaseDossier",
    summary="The case archive (干部选拔任用工作档案, REC-ARCHIVE) as one JSON document",
)
def get_dossier(
    case_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> DossierOut:
    no_store(response)
    return DossierOut.model_validate(
        dossier_svc.dossier(uow, actor, clock, case_id, privileged=_privileged(actor))
    )
