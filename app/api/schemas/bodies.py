"""Decision body (决策机构) bodies: the body, its dated memberships and its roster on a day."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from app.api.schemas.common import Date, Line, OutModel, StrictModel, Text
from app.domain.bodies import BodyKind

KIND_DESCRIPTION = (
    "standing_committee 党委常委会 / party_group 党组 / full_committee 全委会 / "
    "department_meeting 部务会 / other 其他领导班子会议"
)


class DecisionBodyCreate(StrictModel):
    """Names are shown on rosters and minutes: one line of visible text (see common.Line)."""

    name: Annotated[str, Line(200, 1)] = Field(examples=["中共某市委员会常务委员会"])
    kind: BodyKind = Field(description=KIND_DESCRIPTION)
    org_unit: Annotated[str, Line(200, 1)] = Field(
        description="The organisation the body belongs to", examples=["中共某市委员会"]
    )


class BodyMemberJoin(StrictModel):
    name: Annotated[str, Line(100, 1)] | None = Field(
        default=None,
        description="The member's name; may be left out when `candidate_id` is given (the "
        "registry's name is used, and a different name is refused)",
        examples=["李明"],
    )
    candidate_id: uuid.UUID | None = Field(
        default=None,
        description="The member's id in the cadre registry (干部), so that recusal (DEC-RECUSAL) "
        "can be detected when the member is also a candidate",
    )
    title: Annotated[str, Line(100)] = Field(
        default="",
        description="Title in the body (书记, 副书记, 常委, 委员 ...)",
        examples=["常委"],
    )
    joined_on: Date = Field(
        description="First day as a member (not in the future, not before 1949-10-01)"
    )
    left_on: Date | None = Field(
        default=None,
        description="First day no longer a member, to enter a past membership (after "
        "`joined_on`, not in the future); leave out for a serving member",
    )


class BodyMemberLeave(StrictModel):
    left_on: Date = Field(
        description="First day no longer a member: on the roster the day before, not on this "
        "day (after `joined_on`, not in the future)"
    )
    reason: Annotated[str, Text(2000)] = Field(
        default="", description="Why (换届, 调任, 退休 ...), kept in the record", examples=["调任"]
    )


class BodyMemberOut(OutModel):
    id: uuid.UUID = Field(description="The membership id; meetings name members by it")
    body_id: uuid.UUID
    name: str
    candidate_id: uuid.UUID | None
    title: str
    joined_on: date
    left_on: date | None = Field(description="First day no longer a member (None: serving)")
    created_at: datetime


class DecisionBodyOut(OutModel):
    id: uuid.UUID
    name: str
    kind: BodyKind = Field(description=KIND_DESCRIPTION)
    org_unit: str
    members_on: date = Field(description="The day `members` is the roster of (today, China time)")
    members: list[BodyMemberOut] = Field(description="Members on the roster today")
    version: int
    etag: str
    created_at: datetime
    updated_at: datetime


class RosterMemberOut(OutModel):
    id: uuid.UUID = Field(description="The membership id")
    name: str
    candidate_id: uuid.UUID | None
    title: str


class RosterOut(OutModel):
    """Who should attend (应到会成员) a meeting of the body on `day` (DEC-ROSTER)."""

    body_id: uuid.UUID
    kind: BodyKind = Field(description=KIND_DESCRIPTION)
    day: date
    size: int = Field(description="Members who should attend (应到会人数)")
    members: list[RosterMemberOut]


class BodyMemberList(OutModel):
    items: list[BodyMemberOut] = Field(description="Every membership, past and present")
