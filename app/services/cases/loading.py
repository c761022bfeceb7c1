"""Load a case once per request and build the snapshot the rules judge.

`load` runs the queries; `snapshot` is pure and cheap, so after a change the response is built
from the same loaded rows (re-snapshotted in memory), never from a second load.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

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
from app.domain.errors import NotFound
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
from app.services import policies
from app.services.cases import codec
from app.services.context import Clock


@dataclass
class Loaded:
    case: SelectionCase
    position: Position
    policy_row: SelectionPolicy
    policy: PolicyParams
    members: list[tuple[CaseCandidate, Candidate]]
    facts: list[Fact]
    in_pool: set[uuid.UUID]
    misconduct: dict[uuid.UUID, list[MisconductRecord]]
    occupied: int
    now: datetime
    snap: CaseSnapshot = field(init=False)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> CaseSnapshot:
        """Rebuild the snapshot from the loaded rows as they are now (no SQL)."""
        self.snap = snapshot(self)
        return self.snap

    def row(self, candidate_id: object) -> tuple[CaseCandidate, Candidate]:
        key = str(candidate_id)
        return next((cc, c) for cc, c in self.members if str(cc.candidate_id) == key)


def get(uow: UnitOfWork, case_id: uuid.UUID, *, lock: bool) -> SelectionCase:
    found = repo.case(uow.session, case_id, lock=lock, postgres=uow.is_postgres)
    if found is None:
        raise NotFound(f"case {case_id} not found")
    return found


def load(uow: UnitOfWork, case: SelectionCase, clock: Clock) -> Loaded:
    s = uow.session
    position, policy_row = repo.position_and_policy(s, case)
    members = repo.members(s, case.id)
    ids = [c.id for _, c in members]
    return Loaded(
        case=case,
        position=position,
        policy_row=policy_row,
        policy=policies.params_of(policy_row),
        members=members,
        facts=codec.decode_all(repo.facts(s, case.id)),
        in_pool=repo.in_pool(s, ids) if ids else set(),
        misconduct=repo.misconduct(s, ids) if ids else {},
        occupied=repo.occupied(s, position.id),
        now=clock.now(),
    )


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
                profile=profile(c, c.id in ld.in_pool, ld.misconduct.get(c.id, [])),
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
