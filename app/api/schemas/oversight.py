"""Oversight answers: statistics, promotions with who was responsible, reviews, the work queue."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

SUPPRESSION = (
    "Personal-attribute cells count people. A count of 1 to 4, or any cell of a group of fewer "
    "than 5 newly appointed, is suppressed: `value` null and `suppressed` true."
)


class CountCell(BaseModel):
    value: int | None = Field(description="null when suppressed")
    suppressed: bool


class AverageCell(BaseModel):
    value: float | None = Field(description="years, one decimal; null when suppressed")
    suppressed: bool


class Period(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date


class CaseStats(BaseModel):
    total: int = Field(description="Cases opened (motion) in the period")
    by_stage: dict[str, int] = Field(description="Those cases by their stage now")
    overdue: int = Field(description="Of those, publicity windows or probation terms run out")


class AppointedStats(BaseModel):
    """The newly appointed (任职 dated in the period)."""

    count: int
    women: CountCell
    non_party: CountCell
    ethnic_minorities: CountCell = Field(description="ethnicity other than 汉族")
    average_age: AverageCell = Field(description="age on the day of appointment")
    education: dict[str, CountCell]
    bachelor_or_above: CountCell
    grassroots_experience: CountCell = Field(description="grassroots_years above 0")
    exceptional: CountCell = Field(description="exceptional promotions (破格/越级)")


class ObjectionStats(BaseModel):
    total: int = Field(description="Current objections recorded in the period")
    by_outcome: dict[str, int] = Field(
        description="The current finding of each: appoint, postpone, not_appoint, or pending"
    )


class StatisticsOut(BaseModel):
    period: Period
    org_unit: str | None
    generated_at: datetime
    suppression: str = SUPPRESSION
    cases: CaseStats
    appointments_by_method: dict[str, int]
    appointed: AppointedStats
    objections: ObjectionStats


# --- accountability -----------------------------------------------------------------------------


class ResponsibleOut(BaseModel):
    duty: str = Field(
        description="proposed_motion, organised_recommendation, decided_targets, "
        "approved_exception, inspection_team_leader, inspection_team_member, presided, "
        "recorded_minutes, signed_minutes, investigated_objection, appointment_talk"
    )
    name: str
    fact_id: uuid.UUID | None


class ActorOut(BaseModel):
    name: str
    role: str
    principal_id: uuid.UUID | None


class RecordExcerptOut(BaseModel):
    seq: int
    at: datetime
    action: str
    actor_name: str
    actor_role: str
    from_stage: str | None
    to_stage: str | None
    rules: list[str]
    fact_id: str | None


class StepOut(BaseModel):
    step: str
    label_zh: str
    responsible: list[ResponsibleOut] = Field(description="Persons the facts name (ACC-TRACE)")
    actors: list[ActorOut] = Field(description="Who recorded the step's entries of the 纪实")
    record: list[RecordExcerptOut] = Field(description="The step's entries of the 纪实")


class FlagOut(BaseModel):
    type: Literal["misconduct", "sanction"]
    id: uuid.UUID | None
    kind: str
    found_on: date = Field(description="misconduct: the day recorded; sanction: its start")
    occurred_on: date | None
    description: str
    before_promotion: bool = Field(description="the misconduct happened before the appointment")


class PromotionOut(BaseModel):
    case_id: uuid.UUID
    title: str
    position_id: uuid.UUID
    position_title: str
    org_unit: str
    method: str
    stage: str
    standing: str
    appointed_on: date
    review_window_ends: date
    flagged_for_review: bool
    flags: list[FlagOut]
    steps: list[StepOut]


class ReviewOut(PromotionOut):
    candidate_id: uuid.UUID
    candidate_name: str
    within_years: int


# --- work queue -----------------------------------------------------------------------------------


class WorkItemOut(BaseModel):
    kind: Literal["publicity_closes", "probation_ends", "training_due", "forward_due"]
    date: date
    overdue: bool
    title: str
    case_id: uuid.UUID | None
    nomination_id: uuid.UUID | None
    candidate_id: uuid.UUID | None
    training_deadline_id: uuid.UUID | None
    href: str = Field(description="The case, nomination or training deadline to act on")
