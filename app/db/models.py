"""SQLAlchemy tables. Tables are not API schemas: the api layer has its own pydantic models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, new_id
from app.db.unit_models import ROOT_UNIT_ID

# --- identity -------------------------------------------------------------------------------


class Principal(Base):
    """Someone who acts through the API: a person or an integrating system, with roles."""

    __tablename__ = "principals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    org_unit: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[object]] = mapped_column(JSON)
    # Management scope (干部管理权限): the subtree of this unit, at these rank levels (NULL: all).
    unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_units.id"), default=ROOT_UNIT_ID, server_default=ROOT_UNIT_ID.hex
    )
    scope_levels: Mapped[list[object] | None] = mapped_column(JSON, default=None)
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("candidates.id"), default=None
    )
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token; only its keyed hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    principal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("principals.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The public start of the secret (`cad_` + 8 characters) to name it by; NULL before 0017.
    token_prefix: Mapped[str | None] = mapped_column(String(16), index=True, default=None)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


# --- registry -------------------------------------------------------------------------------


class Candidate(Base):
    """A cadre (干部) with the career data the qualification rules need."""

    __tablename__ = "candidates"
    __table_args__ = (
        CheckConstraint("grassroots_years >= 0", name="grassroots_nonneg"),
        CheckConstraint("training_hours_5y >= 0", name="training_nonneg"),
        # Lists page in (created_at, id) order (app/services/pagination.py).
        Index("ix_candidates_created", "created_at", "id"),
        # The list's sort orders (migration 0016): (columns..., id) serves x and -x.
        Index("ix_candidates_updated_id", "updated_at", "id"),
        Index("ix_candidates_name_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    name: Mapped[str] = mapped_column(String(100))  # (name, id): ix_candidates_name_id
    gender: Mapped[str] = mapped_column(String(16))
    birth_date: Mapped[date] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(50))
    party_membership: Mapped[str] = mapped_column(String(32))
    party_join_date: Mapped[date | None] = mapped_column(Date, default=None)
    work_start_date: Mapped[date] = mapped_column(Date)
    grassroots_years: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    education: Mapped[str] = mapped_column(String(32))
    org_unit: Mapped[str] = mapped_column(String(200), default="")
    # The unit whose management authority covers this cadre (app/services/scope.py).
    unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_units.id"),
        default=ROOT_UNIT_ID,
        server_default=ROOT_UNIT_ID.hex,
        index=True,
    )
    current_title: Mapped[str] = mapped_column(String(200), default="")
    rank_level: Mapped[str | None] = mapped_column(String(32), default=None)
    rank_since: Mapped[date | None] = mapped_column(Date, default=None)
    last_promotion_date: Mapped[date | None] = mapped_column(Date, default=None)
    on_probation: Mapped[bool] = mapped_column(Boolean, default=False)
    training_hours_5y: Mapped[int] = mapped_column(Integer, default=0)
    posts: Mapped[list[object]] = mapped_column(JSON, default=list)
    appraisals: Mapped[list[object]] = mapped_column(JSON, default=list)
    sanctions: Mapped[list[object]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReservePoolEntry(Base):
    """Membership of the reserve pool (后备干部库); removal closes the row, never deletes it."""

    __tablename__ = "reserve_pool_entries"
    __table_args__ = (
        Index("ix_reserve_pool_open", "candidate_id", "removed_at"),
        Index("ix_reserve_pool_added", "added_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"))
    category: Mapped[str] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime]
    added_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("principals.id"))
    removed_at: Mapped[datetime | None] = mapped_column(default=None)
    removed_reason: Mapped[str | None] = mapped_column(Text, default=None)
    removed_rule: Mapped[str | None] = mapped_column(String(40), default=None)


class MisconductRecord(Base):
    """Misconduct on the cadre's file (DISC-MISCONDUCT). Append-only."""

    __tablename__ = "misconduct_records"
    __table_args__ = (
        Index("ix_misconduct_candidate_recorded", "candidate_id", "recorded_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("principals.id"))
    recorded_at: Mapped[datetime]


class Position(Base):
    """A post with its approved headcount (核定职数). Free places are derived from occupants."""

    __tablename__ = "positions"
    __table_args__ = (
        CheckConstraint("headcount >= 1", name="headcount_positive"),
        Index("ix_positions_created", "created_at", "id"),
        # The list's sort orders (migration 0016): (columns..., id) serves x and -x.
        Index("ix_positions_updated_id", "updated_at", "id"),
        Index("ix_positions_title_id", "title", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    org_unit: Mapped[str] = mapped_column(String(200), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_units.id"),
        default=ROOT_UNIT_ID,
        server_default=ROOT_UNIT_ID.hex,
        index=True,
    )
    title: Mapped[str] = mapped_column(String(200))
    rank_level: Mapped[str] = mapped_column(String(32))
    fill_method: Mapped[str] = mapped_column(String(16))
    probation_applies: Mapped[bool] = mapped_column(Boolean)
    is_party_post: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by_full_committee: Mapped[bool] = mapped_column(default=False, server_default=false())
    headcount: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PositionOccupant(Base):
    """Who holds a place of a position; `until` closes the tenure (history is kept)."""

    __tablename__ = "position_occupants"
    __table_args__ = (Index("ix_occupants_open", "position_id", "until"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    position_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("positions.id"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"), index=True)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, default=None)
    case_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class SelectionPolicy(Base):
    """A named, immutable, versioned set of local parameters (central floor or tighter)."""

    __tablename__ = "selection_policies"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        # The list's sort orders (migration 0016).
        Index("ix_selection_policies_created_id", "created_at", "id"),
        Index("ix_selection_policies_name_version_id", "name", "version", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    preset: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("principals.id"), default=None)


# --- accountability ---------------------------------------------------------------------------


class RecordEntry(Base):
    """The full-process record (纪实, REC-RECORD): append-only, hash-linked per subject."""

    __tablename__ = "record_entries"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "seq"),
        Index("ix_record_case", "case_id", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    seq: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    nomination_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    action: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    from_stage: Mapped[str | None] = mapped_column(String(32), default=None)
    to_stage: Mapped[str | None] = mapped_column(String(32), default=None)
    rules: Mapped[list[object]] = mapped_column(JSON, default=list)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # 1: unkeyed SHA-256 (entries written before migration 0011); 2: HMAC-SHA256 with the
    # record key over every shown field (app/services/audit.py).
    hash_version: Mapped[int] = mapped_column(Integer, default=2, server_default="1")


class IdempotencyKey(Base):
    """One Idempotency-Key of one principal: reserved before its request runs, marked in the
    request's own transaction when that commits, then holding the answer to replay.

    state: `pending` (reserved, the request runs; another attempt may take the key over once
    `lease_until` has passed, which is safe: the request's commit marks the row, so a request
    whose commit did not mark it changed nothing), `executed` (committed; answer not stored yet,
    or lost in a crash: never run again), `completed` (the answer is stored).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("scope", "key"),
        CheckConstraint("state IN ('pending', 'executed', 'completed')", name="state_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The principal's id: one principal never sees another's keys, whichever token it uses.
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    # The reservation that holds the key; a new one when an expired reservation is taken over.
    attempt: Mapped[uuid.UUID] = mapped_column()
    # The principal's roles when the request ran: a replay needs them still.
    roles: Mapped[list[object]] = mapped_column(JSON, default=list)
    lease_until: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    response_headers: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)


# --- selection cases --------------------------------------------------------------------------


class SelectionCase(Base):
    """One selection (选拔任用工作) for one or more places of a position, under one policy.

    `stage` is written only by the workflow service through the state machine.
    """

    __tablename__ = "selection_cases"
    __table_args__ = (
        CheckConstraint("places >= 1", name="places_positive"),
        # The case list pages in (created_at, id) order, often filtered by stage.
        Index("ix_selection_cases_created", "created_at", "id"),
        Index("ix_selection_cases_stage_created", "stage", "created_at", "id"),
        # The list's sort orders (migration 0016): (columns..., id) serves x and -x.
        Index("ix_selection_cases_updated_id", "updated_at", "id"),
        Index("ix_selection_cases_title_id", "title", "id"),
        Index("ix_selection_cases_stage_updated", "stage", "updated_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    title: Mapped[str] = mapped_column(String(200))
    position_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("positions.id"), index=True)
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("selection_policies.id"))
    method: Mapped[str] = mapped_column(String(32), index=True)
    places: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(40), index=True)
    motion: Mapped[dict[str, object]] = mapped_column(JSON)
    # stage -> ISO instant the current pass entered it (CASE-TIMELINE anchors fact dates here).
    stage_entered: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    closes_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    closed_reason: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column()
    # The head of the case's record (seq and hash of its last entry), written with every entry:
    # a truncated record no longer reaches it (REC-RECORD).
    record_head_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    record_head_hash: Mapped[str | None] = mapped_column(String(64), default=None)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseCandidate(Base):
    """A candidate's standing inside a case (pool → … → appointed, or out with a rule id)."""

    __tablename__ = "case_candidates"
    __table_args__ = (
        UniqueConstraint("case_id", "candidate_id"),
        Index("ix_case_candidates_case_added", "case_id", "added_at", "id"),
        # Statistics and promotions read the appointees of a period (migration 0018).
        Index("ix_case_candidates_appointed_on", "appointed_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("selection_cases.id"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"), index=True)
    nomination_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    standing: Mapped[str] = mapped_column(String(32))
    out_rule: Mapped[str | None] = mapped_column(String(40), default=None)
    out_reason: Mapped[str | None] = mapped_column(Text, default=None)
    exceptional: Mapped[bool] = mapped_column(Boolean, default=False)
    training_deferred: Mapped[bool] = mapped_column(Boolean, default=False)
    training_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    appointed_on: Mapped[date | None] = mapped_column(Date, default=None)
    probation_ends: Mapped[date | None] = mapped_column(Date, default=None)
    # The rank held before this case appointed them, restored on removal (PROB-OUTCOME).
    previous_rank_level: Mapped[str | None] = mapped_column(String(32), default=None)
    previous_rank_since: Mapped[date | None] = mapped_column(Date, default=None)
    previous_org_unit: Mapped[str | None] = mapped_column(String(200), default=None)
    previous_title: Mapped[str | None] = mapped_column(String(200), default=None)
    previous_promotion_date: Mapped[date | None] = mapped_column(Date, default=None)
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseFact(Base):
    """A fact recorded in a stage (round, report, meeting, notice, objection, ...).

    The value is a typed document (app/domain/facts.py) with its schema version, checked on
    read. Rows are append-only (a trigger refuses UPDATE and DELETE): a correction is a new
    row whose `supersedes_id` names the fact it replaces.
    """

    __tablename__ = "case_facts"
    __table_args__ = (
        Index("ix_case_facts_case_kind", "case_id", "kind"),
        UniqueConstraint("case_id", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("selection_cases.id"))
    seq: Mapped[int] = mapped_column(Integer)  # order of recording within the case
    kind: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    schema_version: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(default=None, unique=True)
    correction_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


from app.db import (  # noqa: F401,E402
    body_models,
    cadre_file_models,
    calendar_models,
    event_models,
    nomination_models,
    training_models,
    unit_models,
)
