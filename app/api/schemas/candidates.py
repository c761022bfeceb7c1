"""Candidate (干部) request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StrictBool, model_validator

from app.api.schemas.common import (
    Date,
    Ident,
    Line,
    Name,
    OutModel,
    ShortText,
    StrictModel,
    Text,
    Years,
)
from app.api.schemas.training import TrainingDeadlineBriefOut
from app.domain.enums import (
    Appraisal,
    Education,
    Gender,
    MisconductKind,
    PartyMembership,
    RankLevel,
    SanctionKind,
)


class PostIn(StrictModel):
    """A post held (任职经历)."""

    unit: Annotated[str, Line(200, 1)]
    title: Annotated[str, Line(200, 1)]
    level: RankLevel | None = None
    start: Date
    end: Date | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> PostIn:
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class AppraisalIn(StrictModel):
    """Annual appraisal (年度考核) of one year."""

    year: int = Field(ge=1950, le=2100)
    grade: Appraisal


class SanctionIn(StrictModel):
    """A disciplinary or organisational sanction and its influence period (影响期)."""

    kind: SanctionKind
    start: Date
    end: Date
    description: Annotated[str, Text(200)] = ""

    @model_validator(mode="after")
    def _end_not_before_start(self) -> SanctionIn:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class ReservePoolIn(StrictModel):
    category: Annotated[str, Line(100, 1)]
    reason: Annotated[str, Text(200)] = ""


class CandidateFields(StrictModel):
    external_id: Annotated[str, Ident(100, 1)] | None = Field(
        default=None, description="The HR system's own id (unique)"
    )
    name: Name
    gender: Gender
    birth_date: Date
    ethnicity: Annotated[str, Line(50, 1)] = Field(examples=["汉族"])
    party_membership: PartyMembership
    party_join_date: Date | None = None
    work_start_date: Date = Field(description="Start of service (参加工作时间), for 工龄")
    grassroots_years: Years = Field(description="Years of grassroots experience (基层工作经历)")
    education: Education
    org_unit: ShortText = ""
    unit_id: uuid.UUID | None = Field(
        default=None,
        description="The organisation unit (/api/v1/units) whose management authority covers "
        "it; default: your own unit. Must lie in your scope",
    )
    current_title: ShortText = ""
    rank_level: RankLevel | None = Field(default=None, description="Current rank (职务层次)")
    rank_since: Date | None = None
    is_principal: StrictBool | None = Field(
        default=None,
        description="Optional check: principal (正职) or deputy (副职); must agree with rank_level",
    )
    last_promotion_date: Date | None = None
    on_probation: StrictBool = False
    training_hours_5y: int = Field(default=0, ge=0, le=100000)
    posts: list[PostIn] = Field(default_factory=list, max_length=100)
    appraisals: list[AppraisalIn] = Field(default_factory=list, max_length=100)
    sanctions: list[SanctionIn] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _principal_agrees(self) -> CandidateFields:
        agrees = self.rank_level is not None and self.rank_level.is_principal == self.is_principal
        if self.is_principal is not None and not agrees:
            raise ValueError("is_principal does not agree with rank_level")
        return self


class CandidateCreate(CandidateFields):
    """A new cadre. `reserve_pool` enrols them in the reserve pool (后备干部库) at once."""

    reserve_pool: ReservePoolIn | None = None


class CandidatePatch(StrictModel):
    """Fields to change; absent fields are kept. Send If-Match with the ETag you read."""

    external_id: Annotated[str, Ident(100, 1)] | None = None
    name: Name | None = None
    gender: Gender | None = None
    birth_date: Date | None = None
    ethnicity: Annotated[str, Line(50, 1)] | None = None
    party_membership: PartyMembership | None = None
    party_join_date: Date | None = None
    work_start_date: Date | None = None
    grassroots_years: Years | None = None
    education: Education | None = None
    org_unit: ShortText | None = None
    unit_id: uuid.UUID | None = Field(
        default=None, description="Move to another unit in your scope"
    )
    current_title: ShortText | None = None
    rank_level: RankLevel | None = None
    rank_since: Date | None = None
    last_promotion_date: Date | None = None
    on_probation: StrictBool | None = None
    training_hours_5y: int | None = Field(default=None, ge=0, le=100000)
    posts: list[PostIn] | None = Field(default=None, max_length=100)
    appraisals: list[AppraisalIn] | None = Field(default=None, max_length=100)
    sanctions: list[SanctionIn] | None = Field(default=None, max_length=100)


NON_NULLABLE_PATCH = {
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "party_membership",
    "work_start_date",
    "grassroots_years",
    "education",
    "org_unit",
    "unit_id",
    "current_title",
    "on_probation",
    "training_hours_5y",
    "posts",
    "appraisals",
    "sanctions",
}


class PoolMembershipOut(OutModel):
    category: str
    reason: str
    added_at: datetime


class MisconductOut(OutModel):
    id: uuid.UUID
    kind: MisconductKind
    occurred_on: date
    description: str
    source: str
    recorded_at: datetime


class PostOut(OutModel):
    unit: str
    title: str
    level: RankLevel | None = None
    start: date
    end: date | None = None


class CandidateOut(OutModel):
    id: uuid.UUID
    external_id: str | None
    name: str
    gender: Gender
    birth_date: date
    ethnicity: str
    party_membership: PartyMembership
    party_join_date: date | None
    work_start_date: date
    grassroots_years: Years
    education: Education
    org_unit: str
    unit_id: uuid.UUID
    current_title: str
    rank_level: RankLevel | None
    is_principal: bool | None = Field(
        description="Principal (正职) or deputy (副职), from rank_level"
    )
    rank_since: date | None
    last_promotion_date: date | None
    on_probation: bool
    training_hours_5y: int
    posts: list[PostOut]
    appraisals: list[AppraisalIn]
    sanctions: list[SanctionIn]
    reserve_pool: PoolMembershipOut | None
    misconduct: list[MisconductOut]
    training_deadlines: list[TrainingDeadlineBriefOut] = Field(
        default_factory=list,
        description="Outstanding training deadlines (提任后一年内完成培训, QUAL-TRAINING-DUE): "
        "open, due soon and overdue, soonest first",
    )
    version: int
    etag: str
    created_at: datetime
    updated_at: datetime
