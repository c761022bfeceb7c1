"""Qualifications and exclusions of a nominee (任职资格, 破格/越级, 不得列为考察对象).

Pure checks of QUAL-*, EXC-*, EXCL-* and RES-POOL-REQUIRED. Every failing rule is reported, not
only the first, so the organisation department sees the whole picture at once.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.domain.enums import (
    Appraisal,
    Education,
    MisconductKind,
    PartyMembership,
    RankLevel,
    SanctionKind,
)
from app.domain.errors import Violation
from app.domain.policy import PolicyParams

MIN_SERVICE_YEARS = 5  # QUAL-SERVICE, R2019 Art 8(1)
MIN_GRASSROOTS_YEARS = Decimal(2)
DEPUTY_TO_PRINCIPAL_YEARS = 2  # QUAL-TENURE, R2019 Art 8(3)
PRINCIPAL_TO_UPPER_DEPUTY_YEARS = 3
MIN_POSTS_BELOW = 2  # QUAL-LOWER-POSTS, R2019 Art 8(2)
# EXCL-APPRAISAL: 近三年 is the three calendar years before the current year of the case's clock
# (as_of 2026-03-02 -> 2023, 2024, 2025); the current year's grade is not final yet.
APPRAISAL_YEARS = 3
_FAILING_APPRAISALS = (Appraisal.BASICALLY_COMPETENT, Appraisal.INCOMPETENT)


def add_months(d: date, n: int) -> date:
    """`d` moved by `n` months, clamped to the month's last day (Jan 31 + 1 → Feb 28/29)."""
    months = d.year * 12 + (d.month - 1) + n
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def full_years(start: date, as_of: date) -> int:
    """Completed years from `start` to `as_of`: the anniversary itself counts (Feb 29 → Feb 28)."""
    years = as_of.year - start.year
    if years > 0 and add_months(start, 12 * years) > as_of:
        years -= 1
    return max(years, 0)


@dataclass(frozen=True)
class PostRecord:
    unit: str
    title: str
    level: RankLevel
    start: date
    end: date | None  # None: still held


@dataclass(frozen=True)
class SanctionRecord:
    kind: SanctionKind
    start: date
    end: date  # last day of the influence period (影响期), inclusive


@dataclass(frozen=True)
class MisconductRecord:
    kind: MisconductKind
    occurred_on: date


@dataclass(frozen=True)
class CandidateProfile:
    birth_date: date
    work_start_date: date  # 参加工作时间, start of 工龄
    grassroots_years: Decimal  # 基层工作经历, in years
    education: Education
    party_membership: PartyMembership
    # Start of party standing (党龄). Party Constitution Art 7: it counts from becoming a full
    # member (转正), not from joining as a probationary member.
    party_join_date: date | None
    rank_level: RankLevel | None  # None: no leadership rank yet
    rank_since: date | None
    posts: tuple[PostRecord, ...]
    appraisals: Mapping[int, Appraisal]  # year → grade
    training_hours_5y: int
    sanctions: tuple[SanctionRecord, ...]
    misconduct: tuple[MisconductRecord, ...]
    in_reserve_pool: bool
    on_probation: bool
    last_promotion_date: date | None


@dataclass(frozen=True)
class TargetPost:
    level: RankLevel
    is_party_post: bool


@dataclass(frozen=True)
class ExceptionApprovals:
    """Written approvals of the upper organisation department on file (EXC-APPROVAL)."""

    service: bool = False  # break of QUAL-SERVICE
    tenure: bool = False  # break of QUAL-TENURE
    skip_level: bool = False  # 越级, one level skipped
    reason: str | None = None  # stated in the publicity (PUB-EXCEPTION-REASON)


@dataclass
class QualificationResult:
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    # An approved break or skip: exceptional promotion (破格/越级); publicity states the reason.
    exceptional: bool = False
    skip_levels: int = 0
    # QUAL-TRAINING not met: not a refusal; a deadline 1 year after appointment is created.
    training_deferred: bool = False

    @property
    def ok(self) -> bool:
        return not self.violations


def _v(rule: str, detail: str) -> Violation:
    return Violation(rule=rule, detail=detail)


def check_qualifications(
    profile: CandidateProfile,
    target: TargetPost,
    policy: PolicyParams,
    as_of: date,
    approvals: ExceptionApprovals,
) -> QualificationResult:
    """Check a nominee against the target post on `as_of`. Violations carry subject=None."""
    res = QualificationResult()
    # Breaks needing upper approval, approved or not: the EXC-LIMITS limits bind either way, so
    # an approval would not help and both are reported.
    attempted: list[str] = []

    if target.level.county_or_above:
        _check_service(profile, as_of, approvals, res, attempted)
        _check_lower_posts(profile, target, res)
    _check_level_step(profile, target, policy, as_of, approvals, res, attempted)
    if attempted:
        _check_exception_limits(profile, as_of, attempted, res)
    _check_education(profile, target, res)
    _check_training(profile, policy, res)
    if target.is_party_post:
        _check_party_standing(profile, target, policy, as_of, res)
    _check_appraisals(profile, as_of, res)
    _check_discipline(profile, policy, as_of, res)
    if policy.reserve_pool_required and not profile.in_reserve_pool:
        res.violations.append(
            _v("RES-POOL-REQUIRED", "the policy admits only reserve-pool cadres; not in the pool")
        )
    return res


def _check_service(
    p: CandidateProfile,
    as_of: date,
    approvals: ExceptionApprovals,
    res: QualificationResult,
    attempted: list[str],
) -> None:
    service = full_years(p.work_start_date, as_of)
    gaps = []
    if service < MIN_SERVICE_YEARS:
        gaps.append(f"{service} full years of service (< {MIN_SERVICE_YEARS})")
    if p.grassroots_years < MIN_GRASSROOTS_YEARS:
        gaps.append(f"{p.grassroots_years} years of grassroots experience (< 2)")
    if not gaps:
        return
    attempted.append("service")
    if approvals.service:
        res.exceptional = True
        return
    res.violations.append(
        _v(
            "QUAL-SERVICE",
            f"{' and '.join(gaps)} for a county-level or higher post; a break needs the upper "
            "organisation department's written approval (EXC-APPROVAL), none on file",
        )
    )


def _check_lower_posts(p: CandidateProfile, target: TargetPost, res: QualificationResult) -> None:
    below = list(RankLevel)[target.level.order - 1]
    held = sum(1 for post in p.posts if post.level is below)
    if held < MIN_POSTS_BELOW:
        res.warnings.append(
            _v(
                "QUAL-LOWER-POSTS",
                f"{held} post(s) at {below.value} on file; generally >= {MIN_POSTS_BELOW}",
            )
        )


def _check_level_step(
    p: CandidateProfile,
    target: TargetPost,
    policy: PolicyParams,
    as_of: date,
    approvals: ExceptionApprovals,
    res: QualificationResult,
    attempted: list[str],
) -> None:
    # No leadership rank yet counts as one step below township deputy.
    current = p.rank_level.order if p.rank_level is not None else -1
    steps = target.level.order - current
    if steps >= 2:
        res.skip_levels = steps - 1
        attempted.append("skip-level")
        if steps >= 3:
            res.violations.append(
                _v(
                    "EXC-LIMITS",
                    f"{_rank_name(p.rank_level)} → {target.level.value} skips {steps - 1} "
                    "levels; at most one level may ever be skipped",
                )
            )
        elif approvals.skip_level:
            res.exceptional = True
        else:
            res.violations.append(
                _v(
                    "EXC-APPROVAL",
                    f"{_rank_name(p.rank_level)} → {target.level.value} skips one level (越级); "
                    "the upper organisation department's written approval is not on file",
                )
            )
        # The skip itself is the exception: the tenure of the level never held cannot apply.
        return
    if steps != 1 or p.rank_level is None:
        return  # lateral move, demotion, or first leadership post
    # QUAL-TENURE: R2019 Art 8(3) sets the years for county level (县处级) and above only;
    # a township post needs them only when the policy extends the rule.
    if not (target.level.county_or_above or policy.tenure_applies_to_township):
        return
    if p.rank_level.is_principal:
        required, kind = PRINCIPAL_TO_UPPER_DEPUTY_YEARS, "lower-tier principal → upper deputy"
    else:
        required, kind = DEPUTY_TO_PRINCIPAL_YEARS, "deputy → principal"
    if p.rank_since is None:
        held, shown = 0, "unknown (rank_since not on file)"
    else:
        held = full_years(p.rank_since, as_of)
        shown = f"{held} full years since {p.rank_since.isoformat()}"
    if held >= required:
        return
    attempted.append("tenure")
    if approvals.tenure:
        res.exceptional = True
        return
    res.violations.append(
        _v(
            "QUAL-TENURE",
            f"{kind} needs >= {required} years at {p.rank_level.value}; held {shown}; a break "
            "needs the upper organisation department's written approval (EXC-APPROVAL), "
            "none on file",
        )
    )


def _rank_name(level: RankLevel | None) -> str:
    return level.value if level is not None else "no leadership rank"


def _check_exception_limits(
    p: CandidateProfile, as_of: date, attempted: list[str], res: QualificationResult
) -> None:
    what = f"exceptional promotion ({', '.join(attempted)})"
    if p.on_probation:
        res.violations.append(_v("EXC-LIMITS", f"{what} is not allowed during probation"))
    if p.last_promotion_date is not None:
        allowed_from = add_months(p.last_promotion_date, 12)
        if as_of < allowed_from:
            res.violations.append(
                _v(
                    "EXC-LIMITS",
                    f"{what} within 1 year of the last promotion on "
                    f"{p.last_promotion_date.isoformat()}; allowed from {allowed_from.isoformat()}",
                )
            )


def _check_education(p: CandidateProfile, target: TargetPost, res: QualificationResult) -> None:
    # No approval waives it (the COD Q&A: decided locally, 从严掌握), so it is a plain gate.
    required = Education.BACHELOR if target.level.bureau_or_above else Education.COLLEGE
    if p.education.order < required.order:
        res.violations.append(
            _v(
                "QUAL-EDUCATION",
                f"education {p.education.value}; {target.level.value} needs "
                f"{required.value} or higher",
            )
        )


def _check_training(p: CandidateProfile, policy: PolicyParams, res: QualificationResult) -> None:
    if p.training_hours_5y < policy.training_hours_required:
        res.training_deferred = True
        res.warnings.append(
            _v(
                "QUAL-TRAINING",
                f"{p.training_hours_5y} training hours in the last 5 years "
                f"(< {policy.training_hours_required}); must be completed within 1 year "
                "after appointment",
            )
        )


def _check_party_standing(
    p: CandidateProfile,
    target: TargetPost,
    policy: PolicyParams,
    as_of: date,
    res: QualificationResult,
) -> None:
    required = policy.party_standing_years(target.level.tier)
    if p.party_membership is not PartyMembership.CPC_MEMBER:
        res.violations.append(
            _v(
                "QUAL-PARTY-STANDING",
                f"a party post needs a full CPC member; membership is {p.party_membership.value}",
            )
        )
        return
    if p.party_join_date is None:
        if required > 0:
            res.violations.append(
                _v(
                    "QUAL-PARTY-STANDING",
                    f"party standing unknown (no date on file); {required} years required",
                )
            )
        return
    standing = full_years(p.party_join_date, as_of)
    if standing < required:
        res.violations.append(
            _v(
                "QUAL-PARTY-STANDING",
                f"{standing} full years of party standing; a {target.level.tier}-level "
                f"party post needs >= {required}",
            )
        )


def appraisal_window(as_of: date) -> range:
    """The years EXCL-APPRAISAL looks at: the three calendar years before `as_of`'s year."""
    return range(as_of.year - APPRAISAL_YEARS, as_of.year)


def _check_appraisals(p: CandidateProfile, as_of: date, res: QualificationResult) -> None:
    # Grades outside the window do not count either way: the current year's (not final until
    # the year's appraisal) and older ones.
    window = appraisal_window(as_of)
    shown = f"{window[0]}–{window[-1]}"
    bad = [
        f"{y}: {p.appraisals[y].value}"
        for y in window
        if y in p.appraisals and p.appraisals[y] in _FAILING_APPRAISALS
    ]
    if bad:
        res.violations.append(
            _v(
                "EXCL-APPRAISAL",
                f"basically competent or lower in the appraisals of {shown} ({', '.join(bad)})",
            )
        )
    # A missing grade is not evidence of a failing one, so it is shown, not held against them.
    missing = [str(y) for y in window if y not in p.appraisals]
    if missing:
        res.warnings.append(
            _v(
                "EXCL-APPRAISAL",
                f"no annual appraisal on file for {', '.join(missing)} (window {shown}); "
                "check the personnel file",
            )
        )


def _check_discipline(
    p: CandidateProfile, policy: PolicyParams, as_of: date, res: QualificationResult
) -> None:
    for s in p.sanctions:
        if s.start <= as_of <= s.end:
            res.violations.append(
                _v(
                    "EXCL-DISCIPLINE",
                    f"{s.kind.value} sanction in force {s.start.isoformat()}–{s.end.isoformat()}",
                )
            )
    months = policy.misconduct_influence_months
    for m in p.misconduct:
        until = add_months(m.occurred_on, months)
        if m.occurred_on <= as_of < until:
            res.violations.append(
                _v(
                    "EXCL-DISCIPLINE",
                    f"recorded misconduct ({m.kind.value}) on {m.occurred_on.isoformat()}; "
                    f"bars inspection until {until.isoformat()} ({months} months)",
                )
            )
