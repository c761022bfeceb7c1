"""Nomination (推荐、自荐), reserve pool (后备干部库) and misconduct (DISC-MISCONDUCT) bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from app.api.schemas.common import Date, Line, OutModel, ShortText, StrictModel, Text
from app.domain.enums import MisconductKind
from app.services.nominations import NominationKind, NominationStatus, SelfChannel

Statement = Annotated[str, Text(20000)]
Reason = Annotated[str, Text(2000, 1)]
PolicyRef = Annotated[str, Line(100, 1)]
Votes = Annotated[int, Field(ge=0, le=100000)]


class _Target(StrictModel):
    position_id: uuid.UUID | None = Field(
        default=None, description="The post (职位) aimed at; no vacancy is needed"
    )
    post_aimed_at: ShortText = Field(
        default="", description="Free text when no registered position fits (拟自荐岗位)"
    )


class SelfNominationIn(_Target):
    """Self-nomination (自荐), lodged in writing by the cadre themself (NOM-SELF-CHANNEL).

    The nominee is the author (the principal's cadre record). Lodged with the unit party leader
    (`channel: unit_party_leader`, naming `leader_id`) it waits to be forwarded within the
    policy's `self_nomination_forward_days` working days (NOM-SELF-FORWARD); lodged with the
    organisation department or the main city leader it is received at once.
    """

    kind: Literal["self"]
    channel: SelfChannel
    leader_id: uuid.UUID | None = Field(
        default=None, description="The unit party leader's principal id (channel unit_party_leader)"
    )
    statement: Annotated[str, Text(20000, 1)] = Field(
        description="Why you, for this post (自荐理由)"
    )
    strengths: Statement = Field(default="", description="Own strengths and record (优势特长)")
    policy: PolicyRef | None = Field(
        default=None,
        description="Selection policy (name or id) giving the forward deadline; default central",
    )

    @model_validator(mode="after")
    def _aims_at_a_post(self) -> SelfNominationIn:
        if self.position_id is None and not self.post_aimed_at:
            raise ValueError("name the post: position_id or post_aimed_at")
        return self


class SignedNominationIn(_Target):
    """Signed leader recommendation (领导干部署名推荐, NOM-SIGNED): written material and the
    signer's name, post and signature. Anything missing is refused with the rule NOM-SIGNED."""

    kind: Literal["signed"]
    candidate_id: uuid.UUID
    statement: Statement = Field(default="", description="The written material (推荐材料)")
    signer_name: Annotated[str, Line(100)] = ""
    signer_post: ShortText = ""
    signed: StrictBool = Field(
        default=False, description="The signer has signed the material (署名)"
    )


class OrganisationalNominationIn(_Target):
    """Organisational recommendation (组织推荐)."""

    kind: Literal["organisational"]
    candidate_id: uuid.UUID
    statement: Statement = Field(default="", description="The organisation's reasons")


class FullCommitteeNominationIn(_Target):
    """Full-committee nomination (全委会推荐), with the vote tally if there was a vote."""

    kind: Literal["full_committee"]
    candidate_id: uuid.UUID
    statement: Statement = ""
    votes_for: Votes | None = None
    votes_against: Votes | None = None
    votes_abstain: Votes | None = None

    @model_validator(mode="after")
    def _whole_tally(self) -> FullCommitteeNominationIn:
        given = [v is not None for v in (self.votes_for, self.votes_against, self.votes_abstain)]
        if any(given) and not all(given):
            raise ValueError("the tally has votes_for, votes_against and votes_abstain, or none")
        return self


NominationIn = Annotated[
    SelfNominationIn | SignedNominationIn | OrganisationalNominationIn | FullCommitteeNominationIn,
    Field(discriminator="kind"),
]


class AdmitIn(StrictModel):
    case_id: uuid.UUID = Field(
        description="The case whose candidate pool (人选库) admits the nominee"
    )


class DeclineIn(StrictModel):
    reason: Reason


class AttachmentOut(OutModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the bytes, hex")
    created_at: datetime


class NominationOut(OutModel):
    id: uuid.UUID
    kind: NominationKind
    status: NominationStatus
    candidate_id: uuid.UUID
    position_id: uuid.UUID | None
    post_aimed_at: str
    statement: str
    strengths: str
    channel: SelfChannel | None
    leader_id: uuid.UUID | None
    policy_id: uuid.UUID | None
    forward_deadline: date | None = Field(
        description="Last day (China) to forward a self-nomination lodged with the unit leader"
    )
    deadline_pending: bool = Field(
        description="The forward deadline is not known yet: it falls in a year whose official "
        "schedule is not loaded (see /api/v1/calendar/years); it is filled in when that year "
        "is loaded, and until then the nomination is neither intercepted nor late"
    )
    forwarded_at: datetime | None
    forwarded_late: bool
    signer_name: str | None
    signer_post: str | None
    signed: bool
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    lodged_by: uuid.UUID
    lodged_role: str
    case_id: uuid.UUID | None
    decline_reason: str | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    attachments: list[AttachmentOut]


class InterceptedOut(OutModel):
    """A self-nomination not forwarded by its deadline (NOM-SELF-FORWARD). The nominee is shown
    only to those who may see the nomination itself (NOM-SELF-CONFIDENTIAL); oversight sees
    the leader, the dates and the delay."""

    id: uuid.UUID
    leader_id: uuid.UUID
    leader_name: str
    lodged_at: datetime
    forward_deadline: date
    days_overdue: int = Field(description="Calendar days since the deadline")
    candidate_id: uuid.UUID | None = Field(description="Null when you may not see the nominee")


class CountOut(OutModel):
    count: int


class NominationRecordEntryOut(OutModel):
    seq: int
    action: str
    actor_id: uuid.UUID | None
    actor_name: str
    actor_role: str
    at: datetime
    from_stage: str | None = Field(description="Status before the step")
    to_stage: str | None = Field(description="Status after the step")
    rules: list[str]
    payload: dict[str, object] = Field(
        description="What the step recorded; its keys depend on `action` and are part of the "
        "hashed entry, so they are kept as written"
    )
    prev_hash: str
    hash: str


class NominationRecordOut(OutModel):
    """The nomination's full-process record (纪实): append-only and hash-linked."""

    entries: list[NominationRecordEntryOut]
    verified: bool = Field(description="The hash chain verifies")


# --- reserve pool ---------------------------------------------------------------------------


class PoolAddIn(StrictModel):
    candidate_id: uuid.UUID
    category: Annotated[str, Line(100, 1)] = Field(examples=["担当干部储备库（经济领域）"])
    reason: Annotated[str, Text(200)] = ""


class PoolRemoveIn(StrictModel):
    reason: Reason


class PoolMemberOut(OutModel):
    entry_id: uuid.UUID
    candidate_id: uuid.UUID
    candidate_name: str
    category: str
    reason: str
    added_at: datetime
    removed_at: datetime | None
    removed_reason: str | None
    removed_rule: str | None


# --- misconduct -----------------------------------------------------------------------------


class MisconductIn(StrictModel):
    kind: MisconductKind
    occurred_on: Date = Field(description="When it happened (not in the future)")
    description: Annotated[str, Text(20000, 1)]
    source: Annotated[str, Line(200, 1)] = Field(
        description="Where it came from (report, inspection, letter ...)"
    )


class MisconductRecordOut(OutModel):
    id: uuid.UUID
    candidate_id: uuid.UUID
    kind: MisconductKind
    occurred_on: date
    description: str
    source: str
    recorded_by: uuid.UUID
    recorded_at: datetime


class MisconductRecordedOut(MisconductRecordOut):
    """The record and its consequences, taken in the same transaction (DISC-MISCONDUCT)."""

    affected_case_ids: list[uuid.UUID] = Field(
        description="Open cases where the candidate was disqualified"
    )
    pool_entry_closed: bool = Field(description="The reserve-pool membership was closed")
