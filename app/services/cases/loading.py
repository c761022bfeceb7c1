"""Load a case once per request and build the snapshot the rules judge.

`load` runs the queries; `snapshot` is pure and cheap, so after a change the response is built
from the same loaded rows (re-snapshotted in memory), never from a second load.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.db import cases_repo as repo
from app.db.models import (
    Candidate,
    CaseCandidate,
    MisconductRecord,
    Position,
    SelectionCase,
    SelectionPolicy,
)
from app.db.uow import UnitOfWork
from app.domain.enums import (
    Appraisal,
    Education,
    FillMethod,
    MisconductKind,
    PartyMembership,
    RankLevel,
    SanctionKind,
    SelectionMethod,
)
from app.domain.errors import Conflict, NotFound
from app.domain.facts import ExceptionApproval, Fact
from app.domain.policy import PolicyParams
from app.domain.qualification import (
    CandidateProfile,
    ExceptionApprovals,
    PostRecord,
    SanctionRecord,
    TargetPost,
)
from app.domain.qualification import MisconductRecord as MisconductFact
from app.domain.snapshot import CaseSnapshot, Member, StageEntry
from app.domain.workflow import Standing
from app.services import audit, policies, scope
from app.services.cases import codec
from app.services.context import Actor, Clock


@dataclass(frozen=True)
class PolicyRef:
    """A selection policy as a case uses it. Policies are immutable: cached per process."""

    id: uuid.UUID
    name: str
    version: int
    params: PolicyParams


_POLICIES: dict[uuid.UUID, PolicyRef] = {}

# Stages whose guards judge qualifications, which need the reserve pool and misconduct on file
# (QUAL-*, EXC-*, EXCL-*, RES-POOL-REQUIRED): elsewhere those two queries are skipped.
QUALIFYING_STAGES = frozenset({"recommendation", "decision"})


@dataclass
class Loaded:
    case: SelectionCase
    position: Position
    policy_row: PolicyRef
    members: list[tuple[CaseCandidate, Candidate]]
    facts: list[Fact]
    occupied: int
    now: datetime
    session: Session
    in_pool: set[uuid.UUID] | None = None
    misconduct: dict[uuid.UUID, list[MisconductRecord]] | None = None
    snap: CaseSnapshot = field(init=False)

    def __post_init__(self) -> None:
        self.refresh()

    @property
    def policy(self) -> PolicyParams:
        return self.policy_row.params

    def refresh(self, *, qualifying: bool = False) -> CaseSnapshot:
        """Rebuild the snapshot from the loaded rows as they are now. SQL runs only the first
        time the stage (or the caller) needs the qualification data."""
        if (qualifying or self.case.stage in QUALIFYING_STAGES) and self.in_pool is None:
            ids = [c.id for _, c in self.members]
            self.in_pool = repo.in_pool(self.session, ids) if ids else set()
            self.misconduct = repo.misconduct(self.session, ids) if ids else {}
        self.snap = snapshot(self)
        return self.snap

    def row(self, candidate_id: object) -> tuple[CaseCandidate, Candidate]:
        key = str(candidate_id)
        return next((cc, c) for cc, c in self.members if str(cc.candidate_id) == key)


def get(
    uow: UnitOfWork, case_id: uuid.UUID, *, actor: Actor | None, lock: bool, verify: bool = True
) -> SelectionCase:
    """The case, if it lies in the actor's scope (the unit of its position); else the same 404
    as a missing id. `actor` None: a cascade the rules drive (a cadre leaves every open case,
    whoever manages those cases), never a caller's request."""
    found = repo.case(uow.session, case_id, lock=lock, postgres=uow.is_postgres)
    if found is None:
        raise NotFound(f"case {case_id} not found")
    if actor is not None:
        scope.require(uow.session, actor, SelectionCase, case_id)
    if verify:
        # REC-RECORD: the stage and record head on the row against the record's last entry; a
        # case changed behind the application's back is refused, not acted on or shown as sound.
        problem = audit.head_problem(uow.session, found)
        if problem is not None:
            raise Conflict(
                f"case {case_id}: {problem}; see GET /api/v1/record/verification",
                rule="REC-RECORD",
            )
    return found


def policy_ref(session: Session, policy_id: uuid.UUID) -> PolicyRef:
    found = _POLICIES.get(policy_id)
    if found is None:
        row = session.get(SelectionPolicy, policy_id)
        assert row is not None
        found = PolicyRef(row.id, row.name, row.version, policies.params_of(row))
        _POLICIES[policy_id] = found
    return found


def load(uow: UnitOfWork, case: SelectionCase, clock: Clock, *, qualifying: bool = False) -> Loaded:
    """Everything the rules of the case's stage need, in one pass (`qualifying`: also the
    qualification data whatever the stage, e.g. for misconduct consequences)."""
    s = uow.session
    position = s.get(Position, case.position_id)
    assert position is not None
    ld = Loaded(
        case=case,
        position=position,
        policy_row=policy_ref(s, case.policy_id),
        members=repo.members(s, case.id),
        facts=codec.decode_all(repo.facts(s, case.id)),
        occupied=repo.occupied(s, position.id),
        now=clock.now(),
        session=s,
    )
    if qualifying:
        ld.refresh(qualifying=True)
    return ld


def _date(v: object) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def profile(c: Candidate, in_pool: bool, misconduct: list[MisconductRecord]) -> CandidateProfile:
    posts = tuple(
        PostRecord(
            unit=str(p["unit"]),
            title=str(p["title"]),
            level=RankLevel(p["level"]),
            start=_date(p["start"]),
            end=_date(p["end"]) if p.get("end") else None,
        )
        for p in c.posts
        if isinstance(p, dict) and p.get("level")
    )
    return CandidateProfile(
        birth_date=c.birth_date,
        work_start_date=c.work_start_date,
        grassroots_years=Decimal(c.grassroots_years),
        education=Education(c.education),
        party_membership=PartyMembership(c.party_membership),
        party_join_date=c.party_join_date,
        rank_level=RankLevel(c.rank_level) if c.rank_level else None,
        rank_since=c.rank_since,
        posts=posts,
        appraisals={
            int(a["year"]): Appraisal(a["grade"]) for a in c.appraisals if isinstance(a, dict)
        },
        training_hours_5y=c.training_hours_5y,
        sanctions=tuple(
            SanctionRecord(SanctionKind(s["kind"]), _date(s["start"]), _date(s["end"]))
            for s in c.sanctions
            if isinstance(s, dict)
        ),
        misconduct=tuple(MisconductFact(MisconductKind(m.kind), m.occurred_on) for m in misconduct),
        in_reserve_pool=in_pool,
        on_probation=c.on_probation,
        last_promotion_date=c.last_promotion_date,
    )


def _current_post_since(c: Candidate) -> date | None:
    open_posts = [p for p in c.posts if isinstance(p, dict) and not p.get("end")]
    if open_posts:
        return max(_date(p["start"]) for p in open_posts)
    return c.rank_since


def _approvals(facts: list[Fact], candidate_id: uuid.UUID) -> ExceptionApprovals:
    found = [
        f.value
        for f in facts
        if f.current
        and isinstance(f.value, ExceptionApproval)
        and f.value.candidate_id == candidate_id
    ]
    kinds = {k for a in found for k in a.kinds}
    return ExceptionApprovals(
        service="service" in kinds,
        tenure="tenure" in kinds,
        skip_level="skip_level" in kinds,
        reason="; ".join(a.reason for a in found if a.reason) or None,
    )


def _entry(stored: object) -> StageEntry:
    if isinstance(stored, dict):
        return StageEntry(at=datetime.fromisoformat(str(stored["at"])), seq=int(stored["seq"]))
    return StageEntry(at=datetime.fromisoformat(str(stored)), seq=0)  # before facts had seqs


def entry(at: datetime, facts: list[Fact]) -> dict[str, object]:
    """What `stage_entered` stores for a stage entered now."""
    return {"at": at.isoformat(), "seq": max((f.seq for f in facts), default=0)}


def snapshot(ld: Loaded) -> CaseSnapshot:
    case, position = ld.case, ld.position
    entered = {k: _entry(v) for k, v in (case.stage_entered or {}).items()}
    return CaseSnapshot(
        case_id=str(case.id),
        stage=case.stage,
        method=SelectionMethod(case.method),
        places=case.places,
        position_id=str(position.id),
        target=TargetPost(RankLevel(position.rank_level), position.is_party_post),
        fill_method=FillMethod(position.fill_method),
        probation_applies=position.probation_applies,
        full_committee_post=bool(getattr(position, "decided_by_full_committee", False)),
        free_places=position.headcount - ld.occupied,
        motion=case.motion,
        policy=ld.policy,
        now=ld.now,
        members=tuple(
            Member(
                candidate_id=str(c.id),
                name=c.name,
                standing=Standing(cc.standing),
                profile=profile(c, c.id in (ld.in_pool or ()), (ld.misconduct or {}).get(c.id, [])),
                approvals=_approvals(ld.facts, c.id),
                current_post_since=_current_post_since(c),
                exceptional=cc.exceptional,
                training_deferred=cc.training_deferred,
                appointed_on=cc.appointed_on,
                probation_ends=cc.probation_ends,
            )
            for cc, c in ld.members
        ),
        facts=tuple(ld.facts),
        created_at=case.created_at,
        stage_entered=entered,
    )
