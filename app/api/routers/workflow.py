"""/api/v1/workflow and /api/v1/rules: the workflow and the rule book, as data."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from app.api.deps import ActorDep
from app.api.responses import PROBLEMS
from app.api.routing import OneHopRoute
from app.api.schemas.workflow import RuleOut, WorkflowOut
from app.domain.rules import RULES
from app.domain.workflow import describe as workflow

router = APIRouter(route_class=OneHopRoute, prefix="/api/v1", tags=["workflow"], responses=PROBLEMS)


@router.get(
    "/workflow",
    operation_id="getWorkflow",
    summary="Stages, actions and their rules",
    response_model_by_alias=True,
)
def get_workflow(actor: ActorDep) -> WorkflowOut:
    """Generated from the same action table that builds the state machine."""
    return WorkflowOut.model_validate(workflow.describe())


@router.get(
    "/workflow/diagram",
    operation_id="getWorkflowDiagram",
    summary="The workflow as a Mermaid state diagram",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def get_diagram(actor: ActorDep) -> str:
    return workflow.mermaid()


@router.get("/rules", operation_id="listRules", summary="The rule book (ids, sources)")
def list_rules(actor: ActorDep) -> list[RuleOut]:
    """Every rule id the service cites in refusals, with its stage, text and source article."""
    return [
        RuleOut(id=r.id, stage=r.stage, text=r.text, source=r.source, policy=r.policy)
        for r in RULES.values()
    ]
