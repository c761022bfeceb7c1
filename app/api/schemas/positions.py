"""Position (职位) bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StrictBool

from app.api.schemas.common import Ident, Line, OutModel, StrictModel
from app.domain.enums import FillMethod, RankLevel


class PositionCreate(StrictModel):
    external_id: Annotated[str, Ident(100, 1)] | None = None
    org_unit: Annotated[str, Line(200, 1)] = Field(examples=["市发展和改革委员会"])
    unit_id: uuid.UUID | None = Field(
        default=None,
        description="The organisation unit (/api/v1/units) whose management authority covers "
        "it; default: your own unit. Must lie in your scope",
    )
    title: Annotated[str, Line(200, 1)] = Field(examples=["副主任"])
    rank_level: RankLevel
    fill_method: FillMethod = Field(
        default=FillMethod.APPOINTED,
        description="appointed 委任 (default) / elected 选任 / hired 聘任 (APP-FORM)",
    )
    probation_applies: StrictBool | None = Field(
        default=None,
        description="Probation (试用期, PROB-TERM); default: non-elected posts at bureau level "
        "and below",
    )
    is_party_post: StrictBool = Field(
        default=False, description="A party post (QUAL-PARTY-STANDING)"
    )
    decided_by_full_committee: StrictBool = Field(
        default=False,
        description="Decided by a full-committee vote (全委会票决, DEC-FULL-COMMITTEE): principal "
        "posts of a lower-level party committee and government, e.g. county party secretary",
    )
    headcount: int = Field(ge=1, le=1000, description="Approved headcount (核定职数)")
    occupant_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=1000, description="Candidates holding it now"
    )


class PositionPatch(StrictModel):
    external_id: Annotated[str, Ident(100, 1)] | None = None
    org_unit: Annotated[str, Line(200, 1)] | None = None
    unit_id: uuid.UUID | None = Field(
        default=None, description="Move to another unit in your scope"
    )
    title: Annotated[str, Line(200, 1)] | None = None
    probation_applies: StrictBool | None = None
    is_party_post: StrictBool | None = None
    decided_by_full_committee: StrictBool | None = None
    headcount: int | None = Field(default=None, ge=1, le=1000)
    occupant_ids: list[uuid.UUID] | None = Field(default=None, max_length=1000)


class OccupantOut(OutModel):
    candidate_id: uuid.UUID
    name: str
    since: date


class PositionOut(OutModel):
    id: uuid.UUID
    external_id: str | None
    org_unit: str
    unit_id: uuid.UUID
    title: str
    rank_level: RankLevel
    is_principal: bool
    fill_method: FillMethod
    probation_applies: bool
    is_party_post: bool
    decided_by_full_committee: bool = Field(
        description="Decided by a full-committee vote (全委会票决, DEC-FULL-COMMITTEE)"
    )
    headcount: int
    occupants: list[OccupantOut]
    free_places: int = Field(description="headcount − current occupants (derived, never stored)")
    version: int
    etag: str
    created_at: datetime
    updated_at: datetime
