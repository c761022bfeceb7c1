"""The workflow and the rule book as typed data."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StageOut(BaseModel):
    name: str
    label_zh: str
    terminal: bool


class ActionOut(BaseModel):
    name: str
    from_: list[str] = Field(alias="from", description="Stages the action is offered from")
    to: str
    label_zh: str
    label_en: str
    permission: str
    rules: list[str] = Field(description="Exactly the rules its guard can refuse (+ reason rule)")
    needs_reason: bool
    system: bool = Field(description="Fired by the service as a consequence, never by clients")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class WorkflowOut(BaseModel):
    stages: list[StageOut]
    actions: list[ActionOut]


class RuleOut(BaseModel):
    id: str
    stage: str
    text: str
    source: str
    policy: bool = Field(description="A local rule (P) whose parameters live in a policy")
