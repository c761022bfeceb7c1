"""Yearly statistics of selection and appointment (干部选拔任用工作统计, seed 001), aggregates only.

Per period and organisation unit (the position's `org_unit`): cases by current stage and
overdue, appointments by selection method, and for the newly appointed (任职 dated in the
period): count, women, non-party, ethnic minorities, average age at appointment, education,
grassroots experience, exceptional promotions; publicity objections and their outcomes.

Small cells (personal attributes): a count of 1 to 4 could point at a person, so it is shown as
`null` with `suppressed: true`; when fewer than 5 were appointed at all, every personal cell is
suppressed (even 0 would then describe each of them). Totals, stages, methods and objection
outcomes describe the work, not a person's attributes, and are shown as they are.

Every query goes through `_scoped`: the caller's management authority (app/services/scope.py)
and the `org_unit` filter apply there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, select

from app.db.models import Candidate, CaseCandidate, CaseFact, Position, SelectionCase
from app.db.uow import UnitOfWork
from app.domain.calendar import CHINA_TZ
from app.domain.enums import Education, Gender, PartyMembership, SelectionMethod
from app.domain.errors import InvalidInput
from app.domain.workflow import Stage
from app.services import scope
from app.services.context import Actor, Clock

SUPPRESS_BELOW = 5
S = TypeVar("S", bound=Select[*tuple[Any, ...]])
# Ethnicity is free text on the cadre (e.g. 汉族); these spellings are the majority.
HAN = frozenset({"汉族", "汉", "han", "han chinese"})
DUE_STAGES = (Stage.publicity.value, Stage.probation.value)
FINDINGS = ("appoint", "postpone", "not_appoint")
MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class Cell:
    """A count of people with an attribute, or None when suppressed."""

    value: int | float | None
    suppressed: bool


@dataclass
class Statistics:
    period_from: date
    period_to: date
    org_unit: str | None
    generated_at: datetime
    cases_by_stage: dict[str, int]
    cases_total: int
    cases_overdue: int
    appointments_by_method: dict[str, int]
    appointed_count: int
    women: Cell
    non_party: Cell
    ethnic_minorities: Cell
    average_age: Cell
    education: dict[str, Cell]
    bachelor_or_above: Cell
    grassroots_experience: Cell
    exceptional: Cell
    objections_total: int
    objection_outcomes: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _cell(n: int, total: int) -> Cell:
    if total < SUPPRESS_BELOW or 0 < n < SUPPRESS_BELOW:
        return Cell(None, True)
    return Cell(n, False)


def _scoped(stmt: S, actor: Actor, org_unit: str | None) -> S:
    """The statement (which joins Position) narrowed to the caller's management authority
    (app/services/scope.py) and to the positions of `org_unit` when one is asked for."""
    cond = scope.clause(actor, Position)
    if cond is not None:
        stmt = stmt.where(cond)
    if org_unit:
        stmt = stmt.where(Position.org_unit == org_unit)
    return stmt


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA_TZ)


def period(clock: Clock, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """Default: the current year in China up to today."""
    today = clock.today()
    start = date_from or date(today.year, 1, 1)
    end = date_to or today
    if end < start:
        raise InvalidInput(f"to ({end.isoformat()}) is before from ({start.isoformat()})")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput("a period spans at most ten years")
    return start, end


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def compute(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    org_unit: str | None = None,
) -> Statistics:
    actor.role_for("statistics.read")
    start, end = period(clock, date_from, date_to)
    s = uow.session
    now = clock.now()
    lo, hi = _start(start), _start(end + timedelta(days=1))

    # Cases opened in the period, by their stage now; overdue: window or term run out.
    case_rows = s.execute(
        _scoped(
            select(SelectionCase.id, SelectionCase.stage, SelectionCase.closes_at)
            .join(Position, Position.id == SelectionCase.position_id)
            .where(SelectionCase.created_at >= lo, SelectionCase.created_at < hi),
            actor,
            org_unit,
        )
    ).all()
    by_stage = Counter(str(r.stage) for r in case_rows)
    overdue = sum(
        1
        for r in case_rows
        if r.stage in DUE_STAGES and r.closes_at is not None and r.closes_at <= now
    )

    # The newly appointed: appointment dated in the period.
    appointed = s.execute(
        _scoped(
            select(CaseCandidate, Candidate, SelectionCase.method)
            .join(Candidate, Candidate.id == CaseCandidate.candidate_id)
            .join(SelectionCase, SelectionCase.id == CaseCandidate.case_id)
            .join(Position, Position.id == SelectionCase.position_id)
            .where(CaseCandidate.appointed_on >= start, CaseCandidate.appointed_on <= end),
            actor,
            org_unit,
        )
    ).all()
    total = len(appointed)
    methods = Counter(str(r.method) for r in appointed)
    people = [(cc, c) for cc, c, _ in appointed]
    edu = Counter(c.education for _, c in people)
    ages = [age_on(c.birth_date, cc.appointed_on) for cc, c in people if cc.appointed_on]
    higher = {Education.BACHELOR.value, Education.MASTER.value, Education.DOCTORATE.value}
    avg = Cell(None, True)
    if total >= SUPPRESS_BELOW and ages:
        avg = Cell(round(sum(ages) / len(ages), 1), False)

    outcomes, objections = _objections(uow, actor, org_unit, lo, hi)
    return Statistics(
        period_from=start,
        period_to=end,
        org_unit=org_unit,
        generated_at=now,
        cases_by_stage={st.value: by_stage.get(st.value, 0) for st in Stage},
        cases_total=len(case_rows),
        cases_overdue=overdue,
        appointments_by_method={m.value: methods.get(m.value, 0) for m in SelectionMethod},
        appointed_count=total,
        women=_cell(sum(1 for _, c in people if c.gender == Gender.FEMALE.value), total),
        non_party=_cell(
            sum(1 for _, c in people if c.party_membership == PartyMembership.NON_PARTY.value),
            total,
        ),
        ethnic_minorities=_cell(sum(1 for _, c in people if _minority(c.ethnicity)), total),
        average_age=avg,
        education={e.value: _cell(edu.get(e.value, 0), total) for e in Education},
        bachelor_or_above=_cell(sum(1 for _, c in people if c.education in higher), total),
        grassroots_experience=_cell(sum(1 for _, c in people if c.grassroots_years > 0), total),
        exceptional=_cell(sum(1 for cc, _ in people if cc.exceptional), total),
        objections_total=objections,
        objection_outcomes=outcomes,
    )


def _minority(ethnicity: str) -> bool:
    value = ethnicity.strip().lower()
    return bool(value) and value not in HAN


def _objections(
    uow: UnitOfWork, actor: Actor, org_unit: str | None, lo: datetime, hi: datetime
) -> tuple[dict[str, int], int]:
    """Current objections recorded in the period, by the outcome of their current finding."""
    rows = list(
        uow.session.scalars(
            _scoped(
                select(CaseFact)
                .join(SelectionCase, SelectionCase.id == CaseFact.case_id)
                .join(Position, Position.id == SelectionCase.position_id)
                .where(CaseFact.kind.in_(("objection", "objection_finding"))),
                actor,
                org_unit,
            )
        )
    )
    superseded = {r.supersedes_id for r in rows if r.supersedes_id is not None}
    current = [r for r in rows if r.id not in superseded]
    findings: dict[str, str] = {}
    for r in sorted((r for r in current if r.kind == "objection_finding"), key=lambda r: r.seq):
        findings[str(r.data.get("objection_id"))] = str(r.data.get("finding"))
    counted = Counter[str]()
    total = 0
    for r in current:
        if r.kind != "objection" or not lo <= r.created_at < hi:
            continue
        total += 1
        counted[findings.get(str(r.id), "pending")] += 1
    return {k: counted.get(k, 0) for k in (*FINDINGS, "pending")}, total
