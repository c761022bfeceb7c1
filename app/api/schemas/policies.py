"""Selection policy (选拔任用政策) bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints

from app.api.schemas.common import Ident, OutModel, ShortText, StrictModel, Text
from app.domain.policy import CENTRAL, FloorDirection, ParameterFloor, param_to_json
from app.domain.rules import RULES

Weight = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class PolicyParamsIn(StrictModel):
    """Parameters to set; those left out come from the base policy (default: central)."""

    publicity_working_days: int | None = Field(
        default=None, ge=1, le=60, description="PUB-DURATION 任前公示 working days (floor 5)"
    )
    publicity_calendar_days: int | None = Field(
        default=None, ge=1, le=90, description="PUB-DURATION also at least N calendar days"
    )
    secret_ballot: StrictBool | None = Field(
        default=None, description="DEC-SECRET-BALLOT 无记名投票"
    )
    recommendation_majority_required: StrictBool | None = Field(
        default=None, description="REC-MAJORITY: a nominee needs a majority of participants"
    )
    competitive_weights: list[Weight] | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description="COMP-SCORE weights: written exam, interview, democratic evaluation",
    )
    dissatisfaction_cutoff: (
        Annotated[Decimal, Field(gt=0, le=1, max_digits=6, decimal_places=4)] | None
    ) = Field(default=None, description="COMP-DISSATISFACTION: rate above this excludes")
    shortlist_size: int | None = Field(default=None, ge=1, le=50, description="COMP-SHORTLIST")
    previous_unit_inspection: StrictBool | None = Field(
        default=None, description="INS-PREVIOUS-UNIT"
    )
    previous_unit_years: int | None = Field(default=None, ge=1, le=20)
    reserve_pool_required: StrictBool | None = Field(
        default=None, description="RES-POOL-REQUIRED 后备干部"
    )
    self_nomination_forward_days: int | None = Field(
        default=None, ge=1, le=60, description="NOM-SELF-FORWARD working days"
    )
    probation_months: int | None = Field(
        default=None, ge=1, le=60, description="PROB-TERM 试用期 (floor 12)"
    )
    probation_for_all_competitive: StrictBool | None = None
    misconduct_influence_months: int | None = Field(
        default=None, ge=1, le=120, description="EXCL-DISCIPLINE influence period"
    )
    training_hours_required: int | None = Field(
        default=None, ge=0, le=10000, description="QUAL-TRAINING hours in 5 years"
    )
    party_standing_years_township: int | None = Field(default=None, ge=0, le=60)
    party_standing_years_county: int | None = Field(default=None, ge=0, le=60)
    party_standing_years_bureau: int | None = Field(default=None, ge=0, le=60)
    party_standing_years_provincial: int | None = Field(default=None, ge=0, le=60)
    recommendation_participation: Annotated[str, Ident(20, 1)] | None = Field(
        default=None, description='REC-PARTICIPATION share, e.g. "3/4" (floor 2/3)'
    )
    tenure_applies_to_township: StrictBool | None = Field(
        default=None, description="QUAL-TENURE also for township-level (乡科级) posts"
    )


class PolicyCreate(StrictModel):
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$"), Ident(100, 1)] = Field(
        description="Slug; reusing a name makes a new version"
    )
    title: ShortText = ""
    description: Annotated[str, Text(4000)] = ""
    source: ShortText = ""
    base: Annotated[str, Ident(100, 1)] | None = Field(
        default=None, description="Start from this policy's latest version (default: central)"
    )
    params: PolicyParamsIn = Field(default_factory=PolicyParamsIn)


class PolicyParamsOut(BaseModel):
    """Every parameter of a policy version as stored: decimals and fractions as strings
    ("0.30", "2/3"), weights a list of strings; null where nothing is set. The meaning of each
    is in PolicyParamsIn and listPolicyParameters."""

    publicity_working_days: int | None = None
    publicity_calendar_days: int | None = None
    secret_ballot: bool | None = None
    recommendation_majority_required: bool | None = None
    competitive_weights: list[str] | None = None
    dissatisfaction_cutoff: str | None = None
    shortlist_size: int | None = None
    previous_unit_inspection: bool | None = None
    previous_unit_years: int | None = None
    reserve_pool_required: bool | None = None
    self_nomination_forward_days: int | None = None
    probation_months: int | None = None
    probation_for_all_competitive: bool | None = None
    misconduct_influence_months: int | None = None
    training_hours_required: int | None = None
    party_standing_years_township: int | None = None
    party_standing_years_county: int | None = None
    party_standing_years_bureau: int | None = None
    party_standing_years_provincial: int | None = None
    recommendation_participation: str | None = None
    tenure_applies_to_township: bool | None = None


class PolicyOut(OutModel):
    id: uuid.UUID
    name: str
    version: int
    title: str
    description: str
    source: str
    preset: bool = Field(description="Shipped with the service (from the seeds)")
    params: PolicyParamsOut
    created_at: datetime


# A parameter value as JSON: decimals and fractions are strings ("0.30", "2/3"), the competitive
# weights a list of strings, an unset value null; exactly as in PolicyOut.params.
ParamJson = bool | int | str | list[str] | None


class PolicyParameterOut(BaseModel):
    """One policy parameter and its central floor (POL-FLOORS)."""

    name: str = Field(description="The key in `params`")
    rule: str = Field(description="The rule it belongs to; cited with POL-FLOORS when loosened")
    article: str = Field(description="Source of that rule")
    central_value: ParamJson = Field(
        description="The central value (the floor); null: nothing is required centrally"
    )
    default_value: ParamJson = Field(
        description="Its value in the central preset; may be stricter than the central value"
    )
    direction: FloorDirection = Field(
        description="What tightens it: higher, lower, true; none for a purely local choice"
    )
    applies_when: str | None = Field(
        default=None, description="The floor binds only while this boolean parameter is on"
    )
    justification: str | None = Field(
        default=None, description="Direction none: why no setting is laxer than another"
    )
    description: str

    @classmethod
    def of(cls, floor: ParameterFloor) -> PolicyParameterOut:
        return cls(
            name=floor.name,
            rule=floor.rule,
            article=RULES[floor.rule].source,
            central_value=param_to_json(floor.central),
            default_value=param_to_json(getattr(CENTRAL, floor.name)),
            direction=floor.direction,
            applies_when=floor.applies_when,
            justification=floor.justification or None,
            description=floor.description,
        )
