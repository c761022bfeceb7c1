"""/api/v1/workflow and /api/v1/rules: the workflow and the rule book, as data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from app.api.deps import ActorDep
from app.api.responses import PROBLEMS
from app.domain import workflow
from app.domain.rules import RULES

router = APIRouter(prefix="/api/v1", tags=["workflow"], responses=PROBLEMS)


@router.get("/workflow", operation_id="getWorkflow", summary="Stages, actions and their rules")
def get_workflow(actor: ActorDep) -> dict[str, Any]:
    """Generated from the same transition table that drives the state machine."""
    return workflow.describe()


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
def list_rules(actor: ActorDep) -> list[dict[str, Any]]:
    """Every rule id the service cites in refusals, with its stage, text and source article."""
    return [
        {"id": r.id, "stage": r.stage, "text": r.text, "source": r.source, "policy": r.policy}
        for r in RULES.values()
    ]
