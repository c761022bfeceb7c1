"""Selection cases: the motion, facts recorded in their stage, and transitions.

Request flow (DESIGN.md): lock the case, check the ETag, gather the facts into a snapshot, run
the pure guards, fire the one shared machine, write the 纪实 entry, commit — one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from app.db.models import (
    Candidate,
    CaseCandidate,
    CaseFact,
    MisconductRecord,
    Position,
    PositionOccupant,
    ReservePoolEntry,
    SelectionCase,
    SelectionPolicy,
)
from app.db.uow import UnitOfWork
from app.domain import guards
from app.domain.calendar import CHINA_TZ, publicity_window
from app.domain.competitive import Competitor, rank
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
from app.domain.errors import (
    AllowedAction,
    Conflict,
    InvalidInput,
    NotFound,
    RuleViolated,
    Violation,
    raise_if,
)
from app.domain.guards import CaseSnapshot, Fact, Member
from app.domain.policy import PolicyParams
from app.domain.qualification import (
    CandidateProfile,
    ExceptionApprovals,
    PostRecord,
    SanctionRecord,
    TargetPost,
    add_months,
)
from app.domain.qualification import (
    MisconductRecord as MisconductFact,
)
from app.domain.workflow import (
    ACTION_BY_NAME,
    Stage,
    Standing,
    actions_from,
    fire,
)
from app.services import audit, case_members, policies
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.pagination import encode_cursor, paginate
from app.services.positions import occupied
from app.services.retry import retry_transaction

# --- loading ------------------------------------------------------------------------------------


@dataclass
class Loaded:
    case: SelectionCase
    position: Position
    policy_row: SelectionPolicy
    policy: PolicyParams
    members: list[Any]  # rows of (CaseCandidate, Candidate)
    facts: list[CaseFact]
    snapshot: CaseSnapshot
    extra: dict[str, Any] = field(default_factory=dict)


def _date(v: object) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _profile(
    c: Candidate,
    in_pool: bool,
    misconduct: list[MisconductRecord],
) -> CandidateProfile:
    posts = tuple(
        PostRecord(
            unit=str(p["unit"]),
            title=str(p["title"]),
            level=RankLevel(p["level"]) if p.get("level") else RankLevel.TOWNSHIP_DEPUTY,
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


def _approvals(facts: list[CaseFact], candidate_id: uuid.UUID) -> ExceptionApprovals:
    kinds: set[str] = set()
    reasons: list[str] = []
    for f in facts:
        if f.kind == "exception_approval" and f.candidate_id == candidate_id:
            kinds.update(str(k) for k in f.data.get("kinds", []))  # type: ignore[attr-defined]
            reasons.append(str(f.data.get("reason", "")))
    return ExceptionApprovals(
        service="service" in kinds,
        tenure="tenure" in kinds,
        skip_level="skip_level" in kinds,
        reason="; ".join(r for r in reasons if r) or None,
    )


def load(uow: UnitOfWork, case: SelectionCase, clock: Clock) -> Loaded:
    s = uow.session
    position = s.get(Position, case.position_id)
    policy_row = s.get(SelectionPolicy, case.policy_id)
    assert position is not None
    assert policy_row is not None
    params = policies.params_of(policy_row)
    members = list(
        s.execute(
            select(CaseCandidate, Candidate)
            .join(Candidate, Candidate.id == CaseCandidate.candidate_id)
            .where(CaseCandidate.case_id == case.id)
            .order_by(CaseCandidate.added_at, CaseCandidate.id)
        ).all()
    )
    facts = list(
        s.scalars(select(CaseFact).where(CaseFact.case_id == case.id).order_by(CaseFact.seq))
    )
    ids = [c.id for _, c in members]
    pool = set(
        s.scalars(
            select(ReservePoolEntry.candidate_id).where(
                ReservePoolEntry.candidate_id.in_(ids), ReservePoolEntry.removed_at.is_(None)
            )
        )
    )
    misconduct: dict[uuid.UUID, list[MisconductRecord]] = {i: [] for i in ids}
    for m in s.scalars(select(MisconductRecord).where(MisconductRecord.candidate_id.in_(ids))):
        misconduct[m.candidate_id].append(m)
    snap = CaseSnapshot(
        case_id=str(case.id),
        stage=case.stage,
        method=SelectionMethod(case.method),
        places=case.places,
        position_id=str(position.id),
        target=TargetPost(RankLevel(position.rank_level), position.is_party_post),
        fill_method=FillMethod(position.fill_method),
        probation_applies=position.probation_applies,
        free_places=position.headcount - occupied(uow, position.id),
        motion=case.motion,
        policy=params,
        today=clock.today(),
        now=clock.now(),
        members=tuple(
            Member(
                candidate_id=str(c.id),
                name=c.name,
                standing=Standing(cc.standing),
                profile=_profile(c, c.id in pool, misconduct[c.id]),
                approvals=_approvals(facts, c.id),
                current_post_since=_current_post_since(c),
                probation_ends=cc.probation_ends,
            )
            for cc, c in members
        ),
        facts=tuple(
            Fact(
                id=str(f.id),
                kind=f.kind,
                candidate_id=str(f.candidate_id) if f.candidate_id else None,
                data=f.data,
                status=f.status,
                created_at=f.created_at,
            )
            for f in facts
        ),
    )
    return Loaded(case, position, policy_row, params, members, facts, snap)


def get_case(uow: UnitOfWork, case_id: uuid.UUID) -> SelectionCase:
    case = uow.session.get(SelectionCase, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


# --- allowed actions ------------------------------------------------------------------------


def allowed_actions(snap: CaseSnapshot) -> list[AllowedAction]:
    out: list[AllowedAction] = []
    for spec in actions_from(snap.stage):
        guard = guards.GUARDS.get(spec.name, guards.g_none)
        blocking = guard(snap)
        out.append(AllowedAction(spec.name, spec.dest.value, not blocking, blocking))
    return out


# --- create and motion ----------------------------------------------------------------------


@retry_transaction
def create(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> Loaded:
    role = actor.role_for("cases.write")
    now = clock.now()
    position = uow.session.get(Position, data["position_id"])
    if position is None:
        raise InvalidInput(f"position {data['position_id']} does not exist")
    policy_row = policies.resolve(uow.session, data.pop("policy", None))
    free = position.headcount - occupied(uow, position.id)
    if data["places"] > free:
        raise RuleViolated.one(
            "HEADCOUNT",
            f"{data['places']} places asked; {free} of the approved headcount "
            f"{position.headcount} are free",
        )
    pool_ids: list[uuid.UUID] = data.pop("candidate_ids", []) or []
    case = SelectionCase(
        title=data["title"],
        position_id=position.id,
        policy_id=policy_row.id,
        method=data["method"],
        places=data["places"],
        stage=Stage.motion.value,
        motion=_jsonable(data["motion"]),
        created_by=actor.principal_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(case)
    uow.session.flush()
    audit.case_entry(
        uow.session,
        case,
        action="case.created",
        actor=actor,
        role=role,
        at=now,
        from_stage=None,
        rules=["MOT-PLAN", "HEADCOUNT"],
        payload={
            "position_id": str(position.id),
            "places": case.places,
            "method": case.method,
            "policy": f"{policy_row.name} v{policy_row.version}",
            "motion": case.motion,
        },
    )
    _ensure_candidates(uow, pool_ids)
    for cid in pool_ids:
        case_members.add_to_pool(uow, actor, role, case, cid, now)
    uow.session.flush()
    loaded = load(uow, case, clock)
    uow.commit()
    return loaded


def _ensure_candidates(uow: UnitOfWork, ids: list[uuid.UUID]) -> None:
    if len(set(ids)) != len(ids):
        raise InvalidInput("candidate_ids has duplicates")
    known = set(uow.session.scalars(select(Candidate.id).where(Candidate.id.in_(ids))))
    missing = [str(i) for i in ids if i not in known]
    if missing:
        raise InvalidInput(f"unknown candidates: {', '.join(missing)}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


@retry_transaction
def update_motion(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    if_match: str | None,
    changes: dict[str, Any],
) -> Loaded:
    role = actor.role_for("cases.write")
    case = case_members.lock_case(uow, case_id)
    require_match(if_match, case.version)
    if case.stage != Stage.motion:
        raise Conflict("the motion can be changed only in the motion stage", rule="MOT-PLAN")
    if "title" in changes:
        case.title = changes.pop("title")
    if "places" in changes:
        position = uow.session.get(Position, case.position_id)
        assert position is not None
        free = position.headcount - occupied(uow, position.id)
        if changes["places"] > free:
            raise RuleViolated.one(
                "HEADCOUNT", f"{changes['places']} places asked; {free} are free"
            )
        case.places = changes.pop("places")
    if "motion" in changes:
        case.motion = {**case.motion, **_jsonable(changes.pop("motion"))}
    now = clock.now()
    case.updated_at = now
    audit.case_entry(
        uow.session,
        case,
        action="motion.updated",
        actor=actor,
        role=role,
        at=now,
        rules=["MOT-PLAN", "HEADCOUNT"],
        payload={"motion": case.motion, "places": case.places, "title": case.title},
    )
    uow.session.flush()
    loaded = load(uow, case, clock)
    uow.commit()
    return loaded


@retry_transaction
def add_pool_member(
    uow: UnitOfWork, actor: Actor, clock: Clock, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> Loaded:
    role = actor.role_for("cases.write")
    case = case_members.lock_case(uow, case_id)
    _ensure_candidates(uow, [candidate_id])
    now = clock.now()
    case_members.add_to_pool(uow, actor, role, case, candidate_id, now)
    case.updated_at = now
    uow.session.flush()
    loaded = load(uow, case, clock)
    uow.commit()
    return loaded


# --- facts ----------------------------------------------------------------------------------

Preparer = Callable[[Loaded, dict[str, Any]], tuple[dict[str, Any], uuid.UUID | None, str | None]]


@dataclass(frozen=True)
class FactKind:
    stages: frozenset[str]
    permission: str
    prepare: Preparer
    rules: tuple[str, ...]
    after: Callable[[UnitOfWork, Actor, str, Loaded, CaseFact, datetime], None] | None = None


def _member_row(loaded: Loaded, candidate_id: uuid.UUID | str) -> CaseCandidate:
    for cc, _ in loaded.members:
        if str(cc.candidate_id) == str(candidate_id):
            row: CaseCandidate = cc
            return row
    raise InvalidInput(f"candidate {candidate_id} is not in this case")


def _require_standing(loaded: Loaded, cid: object, *standings: Standing, what: str) -> None:
    cc = _member_row(loaded, str(cid))
    if Standing(cc.standing) not in standings:
        raise InvalidInput(f"candidate {cid} is {cc.standing}, not {what}")


def _prep_round(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, str | None]:
    if d["participants"] > d["scope_size"]:
        raise InvalidInput("participants cannot exceed the scope size")
    seen: set[str] = set()
    for r in d["results"]:
        cid = str(r["candidate_id"])
        if cid in seen:
            raise InvalidInput(f"candidate {cid} appears twice in the results")
        seen.add(cid)
        _require_standing(
            loaded, cid, Standing.POOL, Standing.RECOMMENDED, what="in the candidate pool"
        )
        if r["votes_for"] + r["votes_against"] + r["votes_abstain"] > d["participants"]:
            raise InvalidInput(f"votes for {cid} exceed the {d['participants']} participants")
    counted = guards.round_counts(d["scope_size"], d["participants"], loaded.policy)
    d["counted"] = counted
    d["rule"] = None if counted else "REC-PARTICIPATION"
    d.setdefault("position_id", str(loaded.position.id))
    if d["position_id"] is None:
        d["position_id"] = str(loaded.position.id)
    return d, None, None


def _after_round(
    uow: UnitOfWork, actor: Actor, role: str, loaded: Loaded, fact: CaseFact, now: datetime
) -> None:
    if not fact.data.get("counted"):
        return
    for r in fact.data["results"]:  # type: ignore[attr-defined]
        cc = _member_row(loaded, r["candidate_id"])
        if cc.standing == Standing.POOL and int(r["votes_for"]) > 0:
            cc.standing = Standing.RECOMMENDED
            cc.updated_at = now


def _prep_scores(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    if loaded.case.method != SelectionMethod.COMPETITIVE:
        raise Conflict("scores are recorded only in competitive selection", rule="COMP-SCORE")
    competitors = []
    for s in d["scores"]:
        _member_row(loaded, s["candidate_id"])
        competitors.append(
            Competitor(
                key=str(s["candidate_id"]),
                written=Decimal(str(s["written"])),
                interview=Decimal(str(s["interview"])),
                evaluation=Decimal(str(s["evaluation"])),
                dissatisfaction=Decimal(str(s["dissatisfaction_percent"])) / 100,
                canvassing=bool(s.get("canvassing")),
            )
        )
    ranked = rank(competitors, loaded.policy)
    d["ranking"] = [
        {
            "candidate_id": r.key,
            "total": str(r.total_display),
            "rank": r.rank,
            "excluded_rule": r.excluded_rule,
            "shortlisted": r.shortlisted,
            "detail": r.detail,
        }
        for r in ranked
    ]
    return d, None, None


def _prep_approval(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], uuid.UUID, None]:
    _member_row(loaded, d["candidate_id"])
    return d, uuid.UUID(str(d["candidate_id"])), None


def _prep_targets(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    ids = [str(c) for c in d["candidate_ids"]]
    if len(set(ids)) != len(ids):
        raise InvalidInput("candidate_ids has duplicates")
    raise_if(guards.target_violations(loaded.snapshot, d))
    return d, None, None


def _prep_notice(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    targets = {m.candidate_id for m in loaded.snapshot.in_standing(Standing.TARGET)}
    if not d.get("candidate_ids"):
        d["candidate_ids"] = sorted(targets)
    unknown = [str(c) for c in d["candidate_ids"] if str(c) not in targets]
    if unknown:
        raise InvalidInput(f"not inspection targets: {', '.join(unknown)}")
    if d["period_end"] < d["period_start"]:
        raise InvalidInput("period_end is before period_start")
    return d, None, None


def _prep_team(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    targets = {m.candidate_id for m in loaded.snapshot.in_standing(Standing.TARGET)}
    problems: list[Violation] = []
    active = [m for m in d["members"] if not m.get("recused")]
    if len(active) < 2:
        problems.append(
            Violation("INS-TEAM", f"{len(active)} active team members; at least 2 are needed")
        )
    for m in active:
        related = [str(c) for c in m.get("related_candidate_ids", []) if str(c) in targets]
        if related:
            problems.append(
                Violation(
                    "INS-TEAM",
                    f"{m['name']} is related to a target and must recuse",
                    subject=related[0],
                )
            )
    raise_if(problems)
    return d, None, None


def _prep_report(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], uuid.UUID, None]:
    _require_standing(loaded, d["candidate_id"], Standing.TARGET, what="an inspection target")
    return d, uuid.UUID(str(d["candidate_id"])), None


def _prep_proposal(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    if not d["candidate_ids"]:
        raise InvalidInput("propose at least one candidate")
    for cid in d["candidate_ids"]:
        _require_standing(
            loaded, cid, Standing.INSPECTED, Standing.PROPOSED, what="an inspected target"
        )
    for cid in d.get("dual_managed_ids", []):
        if cid not in d["candidate_ids"]:
            raise InvalidInput(f"dual_managed_ids: {cid} is not proposed")
    return d, None, None


def _after_proposal(
    uow: UnitOfWork, actor: Actor, role: str, loaded: Loaded, fact: CaseFact, now: datetime
) -> None:
    chosen = {str(c) for c in fact.data["candidate_ids"]}  # type: ignore[attr-defined]
    for cc, _ in loaded.members:
        if cc.standing in {Standing.INSPECTED, Standing.PROPOSED}:
            cc.standing = (
                Standing.PROPOSED if str(cc.candidate_id) in chosen else Standing.INSPECTED
            )
            cc.updated_at = now


def _prep_consultation(
    loaded: Loaded, d: dict[str, Any]
) -> tuple[dict[str, Any], uuid.UUID | None, None]:
    cid = d.get("candidate_id")
    if d["party"] != "leaders" and cid is None:
        raise InvalidInput(
            "a consultation of the united front or co-managing side names the candidate"
        )
    if cid is not None:
        _member_row(loaded, cid)
    return d, uuid.UUID(str(cid)) if cid else None, None


def _prep_meeting(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    problems: list[Violation] = []
    if d["members_present"] > d["members_expected"]:
        raise InvalidInput("members_present exceeds members_expected")
    policy = loaded.policy
    if policy.secret_ballot and d["voting_method"] != "secret_ballot":
        problems.append(
            Violation("DEC-SECRET-BALLOT", "this policy requires an anonymous secret ballot")
        )
    recused = len(d.get("recusals", []))
    voters = d["members_present"] - recused
    if voters < 0:
        raise InvalidInput("more recusals than members present")
    proposed = {m.candidate_id for m in loaded.snapshot.in_standing(Standing.PROPOSED)}
    seen: set[str] = set()
    for r in d["results"]:
        cid = str(r["candidate_id"])
        if cid not in proposed:
            raise InvalidInput(f"candidate {cid} was not proposed for this decision")
        if cid in seen:
            raise InvalidInput(f"candidate {cid} appears twice")
        seen.add(cid)
        if r["votes_for"] + r["votes_against"] + r["votes_abstain"] > voters:
            raise InvalidInput(
                f"votes for {cid} exceed the {voters} members present and not recused"
            )
    for member_cid in d.get("member_candidate_ids", []):
        if str(member_cid) in proposed and not any(
            str(x.get("candidate_id")) == str(member_cid) for x in d.get("recusals", [])
        ):
            problems.append(
                Violation(
                    "DEC-RECUSAL",
                    "a member who is a candidate must withdraw",
                    subject=str(member_cid),
                )
            )
    raise_if(problems)
    expected, present = d["members_expected"], d["members_present"]
    d["quorum_met"] = present * 3 >= expected * 2
    for r in d["results"]:
        r["passed"] = d["quorum_met"] and r["votes_for"] * 2 > expected
    return d, None, None


def _prep_reconsideration(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    if d["votes_for"] > d["members_expected"]:
        raise InvalidInput("votes_for exceeds members_expected")
    return d, None, None


def _prep_publicity(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], None, None]:
    if any(
        f.kind == "publicity_notice" and _after_last_reconsider(loaded, f) for f in loaded.facts
    ):
        raise Conflict("the publicity notice is already published", rule="PUB-DURATION")
    window = publicity_window(
        _date(d["start_date"]),
        loaded.policy.publicity_working_days,
        loaded.policy.publicity_calendar_days,
    )
    reasons = {str(k): v for k, v in (d.get("exception_reasons") or {}).items()}
    problems: list[Violation] = []
    approved = loaded.snapshot.in_standing(Standing.APPROVED)
    exceptional = {str(cc.candidate_id) for cc, _ in loaded.members if cc.exceptional}
    for m in approved:
        if m.candidate_id in exceptional and not str(reasons.get(m.candidate_id) or "").strip():
            problems.append(
                Violation(
                    "PUB-EXCEPTION-REASON",
                    "an exceptional promotion must state its reason in the notice",
                    subject=m.candidate_id,
                )
            )
    raise_if(problems)
    d["exception_reasons"] = reasons
    d["end_date"] = window.end.isoformat()
    d["closes_at"] = window.closes_at.isoformat()
    d["working_days"] = window.working_days
    return d, None, None


def _after_last_reconsider(loaded: Loaded, f: CaseFact) -> bool:
    recons = [x.created_at for x in loaded.facts if x.kind == "reconsideration"]
    return not recons or f.created_at > max(recons)


def _after_publicity(
    uow: UnitOfWork, actor: Actor, role: str, loaded: Loaded, fact: CaseFact, now: datetime
) -> None:
    loaded.case.closes_at = datetime.fromisoformat(str(fact.data["closes_at"]))
    for cc, _ in loaded.members:
        if cc.standing == Standing.APPROVED:
            cc.standing = Standing.PUBLICISED
            cc.updated_at = now


def _prep_objection(
    loaded: Loaded, d: dict[str, Any]
) -> tuple[dict[str, Any], uuid.UUID | None, str]:
    cid = d.get("candidate_id")
    if cid is not None:
        _require_standing(loaded, cid, Standing.PUBLICISED, what="publicised")
    status = "open" if d.get("has_specific_leads", True) else "noted"
    return d, uuid.UUID(str(cid)) if cid else None, status


def _prep_appointment(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], uuid.UUID, None]:
    _require_standing(loaded, d["candidate_id"], Standing.PUBLICISED, what="publicised")
    if d["form"] != loaded.position.fill_method:
        raise RuleViolated.one(
            "APP-FORM",
            f"the position is filled by {loaded.position.fill_method}, not {d['form']}",
            subject=str(d["candidate_id"]),
        )
    if any(
        f.kind == "appointment" and str(f.candidate_id) == str(d["candidate_id"])
        for f in loaded.facts
    ):
        raise Conflict("the appointment of this candidate is already recorded", rule="APP-FORM")
    return d, uuid.UUID(str(d["candidate_id"])), None


def _prep_assessment(loaded: Loaded, d: dict[str, Any]) -> tuple[dict[str, Any], uuid.UUID, None]:
    _require_standing(loaded, d["candidate_id"], Standing.APPOINTED, what="on probation")
    if any(
        f.kind == "probation_assessment" and str(f.candidate_id) == str(d["candidate_id"])
        for f in loaded.facts
    ):
        raise Conflict("this appointee is already assessed", rule="PROB-OUTCOME")
    return d, uuid.UUID(str(d["candidate_id"])), None


S = Stage
FACT_KINDS: dict[str, FactKind] = {
    "recommendation_round": FactKind(
        frozenset({S.recommendation}),
        "cases.write",
        _prep_round,
        ("REC-PARTICIPATION", "REC-SEPARATE-TALLY"),
        _after_round,
    ),
    "competitive_scores": FactKind(
        frozenset({S.recommendation}),
        "cases.write",
        _prep_scores,
        ("COMP-SCORE", "COMP-DISSATISFACTION", "COMP-SHORTLIST", "COMP-CANVASSING"),
    ),
    "exception_approval": FactKind(
        frozenset({S.motion, S.recommendation, S.inspection, S.deliberation}),
        "cases.write",
        _prep_approval,
        ("EXC-APPROVAL",),
    ),
    "target_decision": FactKind(
        frozenset({S.recommendation}),
        "cases.write",
        _prep_targets,
        ("REC-NOT-VOTES", *guards.QUALIFICATION_RULES, "INS-MORE-THAN-PLACES", "REC-MAJORITY"),
    ),
    "inspection_notice": FactKind(
        frozenset({S.inspection}), "cases.write", _prep_notice, ("INS-NOTICE",)
    ),
    "inspection_team": FactKind(
        frozenset({S.inspection}), "cases.write", _prep_team, ("INS-TEAM",)
    ),
    "inspection_report": FactKind(
        frozenset({S.inspection}),
        "cases.write",
        _prep_report,
        ("INS-REPORT", "INS-FOUR-MUSTS", "INS-PREVIOUS-UNIT"),
    ),
    "proposal": FactKind(
        frozenset({S.deliberation}),
        "cases.write",
        _prep_proposal,
        ("DEL-CONSULT",),
        _after_proposal,
    ),
    "consultation": FactKind(
        frozenset({S.deliberation, S.deliberation_held}),
        "cases.write",
        _prep_consultation,
        ("DEL-CONSULT",),
    ),
    "decision_meeting": FactKind(
        frozenset({S.decision}),
        "cases.decide",
        _prep_meeting,
        ("DEC-QUORUM", "DEC-MAJORITY", "DEC-SECRET-BALLOT", "DEC-RECUSAL", "DEC-MINUTES"),
    ),
    "reconsideration": FactKind(
        frozenset({S.publicity}), "cases.decide", _prep_reconsideration, ("DEC-RECONSIDER",)
    ),
    "publicity_notice": FactKind(
        frozenset({S.publicity}),
        "cases.write",
        _prep_publicity,
        ("PUB-DURATION", "PUB-EXCEPTION-REASON"),
        _after_publicity,
    ),
    "objection": FactKind(
        frozenset({S.publicity, S.appointment_postponed}),
        "cases.write",
        _prep_objection,
        ("PUB-OBJECTIONS",),
    ),
    "appointment": FactKind(
        frozenset({S.publicity}), "cases.write", _prep_appointment, ("APP-FORM",)
    ),
    "probation_assessment": FactKind(
        frozenset({S.probation}), "cases.write", _prep_assessment, ("PROB-OUTCOME",)
    ),
}


@retry_transaction
def record_fact(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    kind: str,
    data: dict[str, Any],
) -> tuple[Loaded, CaseFact]:
    spec = FACT_KINDS[kind]
    role = actor.role_for(spec.permission)
    case = case_members.lock_case(uow, case_id)
    if case.stage not in spec.stages:
        raise Conflict(
            f"{kind} is recorded in stage {' or '.join(sorted(spec.stages))}; "
            f"the case is in {case.stage}"
        )
    loaded = load(uow, case, clock)
    prepared, candidate_id, status = spec.prepare(loaded, _jsonable(data))
    now = clock.now()
    fact = CaseFact(
        case_id=case.id,
        seq=next_fact_seq(uow, case.id),
        kind=kind,
        stage=case.stage,
        candidate_id=candidate_id,
        data=_jsonable(prepared),
        status=status,
        created_by=actor.principal_id,
        created_at=now,
    )
    uow.session.add(fact)
    uow.session.flush()
    if spec.after is not None:
        spec.after(uow, actor, role, loaded, fact, now)
    case.updated_at = now
    audit.case_entry(
        uow.session,
        case,
        action=f"fact.{kind}",
        actor=actor,
        role=role,
        at=now,
        rules=list(spec.rules),
        payload={"fact_id": str(fact.id), **_redacted(kind, fact.data)},
    )
    uow.session.flush()
    result = load(uow, case, clock)
    uow.commit()
    return result, fact


def next_fact_seq(uow: UnitOfWork, case_id: uuid.UUID) -> int:
    """Facts are ordered by this, never by time (many facts share a timestamp)."""
    last = uow.session.scalar(select(func.max(CaseFact.seq)).where(CaseFact.case_id == case_id))
    return int(last or 0) + 1


def _redacted(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the record keeps of a fact: objection contact details stay out of the 纪实."""
    if kind == "objection":
        return {k: v for k, v in data.items() if k != "contact"}
    return dict(data)


@retry_transaction
def record_finding(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    objection_id: uuid.UUID,
    data: dict[str, Any],
) -> Loaded:
    role = actor.role_for("cases.write")
    case = case_members.lock_case(uow, case_id)
    if case.stage not in {S.publicity, S.appointment_postponed}:
        raise Conflict(f"findings are recorded during publicity; the case is in {case.stage}")
    fact = uow.session.get(CaseFact, objection_id)
    if fact is None or fact.case_id != case.id or fact.kind != "objection":
        raise NotFound(f"objection {objection_id} not found")
    if fact.status not in {"open", "noted"}:
        raise Conflict("this objection already has a finding", rule="PUB-OBJECTIONS")
    now = clock.now()
    fact.status = data["finding"]
    fact.data = {**fact.data, "investigation": _jsonable(data)}
    case.updated_at = now
    audit.case_entry(
        uow.session,
        case,
        action="objection.finding",
        actor=actor,
        role=role,
        at=now,
        rules=["PUB-OBJECTIONS"],
        payload={"objection_id": str(fact.id), **_jsonable(data)},
    )
    uow.session.flush()
    loaded = load(uow, case, clock)
    uow.commit()
    return loaded


# --- transitions ------------------------------------------------------------------------------


@dataclass
class TransitionOutcome:
    loaded: Loaded
    action: str
    from_stage: str
    to_stage: str
    executed: bool
    violations: list[Violation]


@retry_transaction
def transition(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    action: str,
    reason: str | None,
    if_match: str | None,
    validate_only: bool,
) -> TransitionOutcome:
    case = case_members.lock_case(uow, case_id)
    spec = ACTION_BY_NAME.get(action)
    if spec is None or case.stage not in {s.value for s in spec.sources}:
        from app.domain.errors import IllegalTransition

        raise IllegalTransition(action, case.stage, [a.name for a in actions_from(case.stage)])
    role = actor.role_for(spec.permission)
    if not validate_only:
        require_match(if_match, case.version)
    loaded = load(uow, case, clock)
    violations = guards.GUARDS.get(action, guards.g_none)(loaded.snapshot)
    if spec.needs_reason and not (reason or "").strip():
        violations = [
            *violations,
            Violation(spec.rules[0] if spec.rules else "REC-RECORD", f"{action} needs a reason"),
        ]
    if validate_only:
        return TransitionOutcome(loaded, action, case.stage, spec.dest.value, False, violations)
    raise_if(violations)
    now = clock.now()
    effects = _apply_effects(uow, actor, role, loaded, action, reason, now)
    before, after = fire(case, action)
    if after in {s.value for s in (S.withdrawn, S.void, S.not_appointed)}:
        case.closed_reason = reason
    case.updated_at = now
    audit.case_entry(
        uow.session,
        case,
        action=f"transition.{action}",
        actor=actor,
        role=role,
        at=now,
        from_stage=before,
        to_stage=after,
        rules=list(spec.rules),
        payload={"reason": reason, **effects},
    )
    uow.session.flush()
    result = load(uow, case, clock)
    uow.commit()
    return TransitionOutcome(result, action, before, after, True, [])


def _set(
    cc: CaseCandidate,
    standing: Standing,
    now: datetime,
    rule: str | None = None,
    reason: str | None = None,
) -> None:
    cc.standing = standing
    cc.updated_at = now
    if rule:
        cc.out_rule = rule
        cc.out_reason = reason


def _apply_effects(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    loaded: Loaded,
    action: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Standings, occupants and deadlines that follow from a transition (same transaction)."""
    snap = loaded.snapshot
    effects: dict[str, Any] = {}
    members = {str(cc.candidate_id): (cc, c) for cc, c in loaded.members}
    if action == "start_inspection":
        decision = snap.latest("target_decision")
        assert decision is not None
        targets = {str(x) for x in decision.data["candidate_ids"]}
        for cid, (cc, _) in members.items():
            if Standing(cc.standing).is_out:
                continue
            if cid in targets:
                m = snap.member(cid)
                assert m is not None
                _, exceptional, deferred = guards.qualification_result_for(snap, m)
                cc.exceptional, cc.training_deferred = exceptional, deferred
                _set(cc, Standing.TARGET, now)
            else:
                _set(cc, Standing.ELIMINATED, now, "REC-NOT-VOTES", "not chosen as a target")
        effects["targets"] = sorted(targets)
    elif action == "start_deliberation":
        for cc, _ in members.values():
            if cc.standing == Standing.TARGET:
                _set(cc, Standing.INSPECTED, now)
    elif action == "submit_for_decision":
        for cc, _ in members.values():
            if cc.standing == Standing.INSPECTED:
                _set(cc, Standing.ELIMINATED, now, "DEL-CONSULT", "not proposed for the decision")
    elif action == "approve":
        meeting = snap.latest("decision_meeting")
        assert meeting is not None
        outcome = guards.meeting_outcome(snap, meeting)
        for cid, (cc, _) in members.items():
            if cc.standing != Standing.PROPOSED:
                continue
            if outcome.get(cid):
                _set(cc, Standing.APPROVED, now)
            else:
                _set(cc, Standing.ELIMINATED, now, "DEC-MAJORITY", "not approved at the decision")
        effects["approved"] = sorted(c for c, ok in outcome.items() if ok)
    elif action == "reconsider":
        for cc, _ in members.values():
            if cc.standing in {Standing.APPROVED, Standing.PUBLICISED}:
                _set(cc, Standing.PROPOSED, now)
        loaded.case.closes_at = None
    elif action == "reject_after_publicity":
        for cc, _ in members.values():
            if cc.standing == Standing.PUBLICISED:
                _set(cc, Standing.NOT_APPOINTED, now, "PUB-OBJECTIONS", reason)
        loaded.case.closes_at = None
    elif action == "appoint":
        effects.update(_appoint(uow, loaded, now))
    elif action == "begin_probation":
        for cc, c in members.values():
            if cc.standing == Standing.APPOINTED and cc.appointed_on is not None:
                cc.probation_ends = add_months(cc.appointed_on, loaded.policy.probation_months)
                c.on_probation = True
                c.updated_at = now
        ends = [cc.probation_ends for cc, _ in members.values() if cc.probation_ends]
        if ends:
            loaded.case.closes_at = datetime.combine(max(ends), time(), CHINA_TZ)
        effects["probation_months"] = loaded.policy.probation_months
    elif action in {"confirm", "fail_probation"}:
        loaded.case.closes_at = None
        assessed = {f.candidate_id: f for f in snap.facts_of("probation_assessment")}
        for cid, (cc, c) in members.items():
            if cc.standing != Standing.APPOINTED:
                continue
            c.on_probation = False
            c.updated_at = now
            if assessed.get(cid) and assessed[cid].data.get("competent"):
                _set(cc, Standing.CONFIRMED, now)
            else:
                _set(cc, Standing.REMOVED, now, "PROB-OUTCOME", "not competent in probation")
                _vacate(uow, loaded, cc, c, now, restore=True)
    elif action == "declare_void":
        for cc, c in members.values():
            if cc.standing == Standing.APPOINTED:
                _vacate(uow, loaded, cc, c, now, restore=True)
        loaded.case.closes_at = None
    elif action in {"withdraw", "postpone_appointment"}:
        loaded.case.closes_at = None if action == "withdraw" else loaded.case.closes_at
    return effects


def _appoint(uow: UnitOfWork, loaded: Loaded, now: datetime) -> dict[str, Any]:
    snap = loaded.snapshot
    to_appoint = {m.candidate_id for m in guards.appointable(snap)}
    refused = {o.candidate_id for o in snap.facts_of("objection") if o.status == "not_appoint"}
    appointments = {f.candidate_id: f for f in snap.facts_of("appointment")}
    position = loaded.position
    appointed: list[str] = []
    for cc, c in loaded.members:
        cid = str(cc.candidate_id)
        if cid in refused and cc.standing == Standing.PUBLICISED:
            _set(cc, Standing.NOT_APPOINTED, now, "PUB-OBJECTIONS", "publicity finding")
            continue
        if cid not in to_appoint:
            continue
        fact = appointments[cid]
        on = date.fromisoformat(str(fact.data["appointed_on"]))
        cc.appointed_on = on
        if cc.training_deferred:
            cc.training_deadline = add_months(on, 12)
        _set(cc, Standing.APPOINTED, now)
        uow.session.add(
            PositionOccupant(
                position_id=position.id, candidate_id=c.id, since=on, case_id=loaded.case.id
            )
        )
        previous = {"rank_level": c.rank_level, "rank_since": c.rank_since}
        fact_row = next(f for f in loaded.facts if str(f.id) == fact.id)
        fact_row.data = {**fact_row.data, "previous": _jsonable(previous)}
        if c.rank_level != position.rank_level:
            c.last_promotion_date = on
        c.rank_level, c.rank_since = position.rank_level, on
        c.org_unit, c.current_title = position.org_unit, position.title
        c.updated_at = now
        appointed.append(cid)
    loaded.case.closes_at = None
    return {"appointed": sorted(appointed)}


def _vacate(
    uow: UnitOfWork,
    loaded: Loaded,
    cc: CaseCandidate,
    c: Candidate,
    now: datetime,
    restore: bool,
) -> None:
    """Close the tenure this case created; back to the former rank (PROB-OUTCOME, DISC-VOID)."""
    for occ in uow.session.scalars(
        select(PositionOccupant).where(
            PositionOccupant.case_id == loaded.case.id,
            PositionOccupant.candidate_id == c.id,
            PositionOccupant.until.is_(None),
        )
    ):
        occ.until = now.date()
    if restore:
        fact = next(
            (f for f in loaded.facts if f.kind == "appointment" and f.candidate_id == c.id), None
        )
        prev = fact.data.get("previous") if fact else None
        if isinstance(prev, dict):
            c.rank_level = prev.get("rank_level")
            rs = prev.get("rank_since")
            c.rank_since = date.fromisoformat(str(rs)) if rs else None
        c.on_probation = False
        c.updated_at = now


# --- reading --------------------------------------------------------------------------------


def read(uow: UnitOfWork, actor: Actor, clock: Clock, case_id: uuid.UUID) -> Loaded:
    actor.role_for("cases.read")
    return load(uow, get_case(uow, case_id), clock)


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    stage: str | None = None,
    position_id: uuid.UUID | None = None,
    candidate_id: uuid.UUID | None = None,
    method: str | None = None,
    updated_after: datetime | None = None,
    due: bool | None = None,
    now: datetime | None = None,
) -> tuple[list[SelectionCase], str | None]:
    actor.role_for("cases.read")
    stmt = select(SelectionCase)
    if stage:
        stmt = stmt.where(SelectionCase.stage == stage)
    if position_id:
        stmt = stmt.where(SelectionCase.position_id == position_id)
    if method:
        stmt = stmt.where(SelectionCase.method == method)
    if updated_after:
        stmt = stmt.where(SelectionCase.updated_at > updated_after)
    if candidate_id:
        stmt = stmt.where(
            SelectionCase.id.in_(
                select(CaseCandidate.case_id).where(CaseCandidate.candidate_id == candidate_id)
            )
        )
    if due and now is not None:
        # Publicity windows that have closed and probation terms that have run out.
        stmt = stmt.where(
            SelectionCase.closes_at.is_not(None),
            SelectionCase.closes_at <= now,
            SelectionCase.stage.in_([Stage.publicity.value, Stage.probation.value]),
        )
    rows = list(
        uow.session.scalars(
            paginate(stmt, SelectionCase.created_at, SelectionCase.id, cursor, limit)
        )
    )
    nxt = (
        encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    )
    return rows[:limit], nxt
