"""Organisation units, principals' grants (roles and scope), and the log of confidential reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.api.schemas.common import Ident, Line, Name, OutModel, StrictModel
from app.domain.enums import RankLevel, Role


class UnitCreate(StrictModel):
    code: Annotated[str, Ident(40, 1)] = Field(
        description="Stable short code: a-z, 0-9 and '-', starting with a letter or digit; unique",
        examples=["city-drc"],
    )
    name: Annotated[str, Line(200, 1)] = Field(examples=["市发展和改革委员会"])
    parent_id: uuid.UUID = Field(description="The parent unit (the root unit's id at first)")


class UnitOut(OutModel):
    id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None
    path: str = Field(description="Codes from the root, e.g. /root/city/city-drc/")
    created_at: datetime


class GrantIn(StrictModel):
    """A principal's roles and management scope (干部管理权限), replacing the current ones."""

    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    unit_id: uuid.UUID = Field(description="The unit whose subtree the principal manages")
    levels: list[RankLevel] | None = Field(
        default=None,
        max_length=len(RankLevel),
        description="The rank levels it manages (null: every level)",
    )


class PrincipalOut(OutModel):
    id: uuid.UUID
    name: Name
    org_unit: str
    roles: list[Role]
    unit_id: uuid.UUID
    unit_code: str
    levels: list[RankLevel] | None
    candidate_id: uuid.UUID | None
    created_at: datetime


class AccessLogOut(OutModel):
    id: uuid.UUID
    at: datetime
    principal_id: uuid.UUID | None
    principal_name: str
    roles: list[str]
    what: str = Field(description="nomination, nomination_attachment or objection_contact")
    subject_id: uuid.UUID
    request_id: str | None
