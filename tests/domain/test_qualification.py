from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.domain.enums import (
    Appraisal,
    Education,
    MisconductKind,
    PartyMembership,
    RankLevel,
    SanctionKind,
)
from app.domain.policy import CENTRAL, PolicyParams
from app.domain.qualification import (
    CandidateProfile,
    ExceptionApprovals,
    MisconductRecord,
    PostRecord,
    QualificationResult,
    SanctionRecord,
    TargetPost,
    add_months,
    appraisal_window,
    check_qualifications,
    full_years,
)

AS_OF = date(2025, 6, 30)
DAY = timedelta(days=1)
NONE = ExceptionApprovals(service=False, tenure=False, skip_level=False, reason=None)
ALL = ExceptionApprovals(service=True, tenure=True, skip_level=True, reason="special need")
COUNTY_PRINCIPAL_PARTY = TargetPost(level=RankLevel.COUNTY_PRINCIPAL, is_party_post=True)


def years_before(n: int, d: date = AS_OF) -> date:
    return add_months(d, -12 * n)


def posts(level: RankLevel, n: int = 2) -> tuple[PostRecord, ...]:
    return tuple(
        PostRecord(f"unit {i}", f"post {i}", level, date(2015 + i, 1, 1), None) for i in range(n)
    )


# A county deputy who qualifies for a county principal party post on AS_OF.
BASE = CandidateProfile(
    birth_date=date(1980, 5, 1),
    work_start_date=date(2003, 7, 1),
    grassroots_years=Decimal(5),
    education=Education.BACHELOR,
    party_membership=PartyMembership.CPC_MEMBER,
    party_join_date=date(2002, 7, 1),
    rank_level=RankLevel.COUNTY_DEPUTY,
    rank_since=date(2022, 6, 30),
    posts=posts(RankLevel.COUNTY_DEPUTY),
    appraisals={2022: Appraisal.COMPETENT, 2023: Appraisal.EXCELLENT, 2024: Appraisal.COMPETENT},
    training_hours_5y=600,
    sanctions=(),
    misconduct=(),
    in_reserve_pool=False,
    on_probation=False,
    last_promotion_date=date(2022, 6, 30),
)


def check(
    profile: CandidateProfile = BASE,
    target: TargetPost = COUNTY_PRINCIPAL_PARTY,
    approvals: ExceptionApprovals = NONE,
    as_of: date = AS_OF,
    policy: PolicyParams = CENTRAL,
) -> QualificationResult:
    return check_qualifications(profile, target, policy, as_of, approvals)


def rules(res: QualificationResult) -> list[str]:
    return sorted(v.rule for v in res.violations)


def warning_rules(res: QualificationResult) -> list[str]:
    return sorted(v.rule for v in res.warnings)


def test_qualified_baseline() -> None:
    res = check()
    assert res.violations == []
    assert res.warnings == []
    assert res.ok
    assert not res.exceptional
    assert res.skip_levels == 0
    assert not res.training_deferred
    assert all(v.subject is None for v in res.violations)


# --- helpers ------------------------------------------------------------------------------


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 2) == date(2026, 1, 15)
    assert add_months(date(2025, 1, 15), -1) == date(2024, 12, 15)


def test_full_years_is_anniversary_based() -> None:
    assert full_years(date(2020, 6, 30), date(2025, 6, 30)) == 5
    assert full_years(date(2020, 6, 30), date(2025, 6, 29)) == 4
    assert full_years(date(2020, 2, 29), date(2025, 2, 28)) == 5
    assert full_years(date(2020, 2, 29), date(2025, 2, 27)) == 4
    assert full_years(date(2026, 1, 1), date(2025, 1, 1)) == 0


# --- QUAL-SERVICE -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "ok"),
    [
        (years_before(5), True),  # exactly 5 years on the anniversary
        (years_before(5) + DAY, False),  # one day short
        (years_before(5) - DAY, True),
    ],
)
def test_service_years_limit(start: date, ok: bool) -> None:
    res = check(replace(BASE, work_start_date=start))
    assert ("QUAL-SERVICE" not in rules(res)) is ok


@pytest.mark.parametrize(
    ("grassroots", "ok"),
    [(Decimal(2), True), (Decimal("1.99"), False), (Decimal("2.01"), True)],
)
def test_grassroots_years_limit(grassroots: Decimal, ok: bool) -> None:
    res = check(replace(BASE, grassroots_years=grassroots))
    assert ("QUAL-SERVICE" not in rules(res)) is ok


def test_unapproved_service_break_names_exc_approval() -> None:
    res = check(replace(BASE, work_start_date=years_before(4), grassroots_years=Decimal(1)))
    assert rules(res) == ["QUAL-SERVICE"]
    detail = res.violations[0].detail
    assert "4 full years" in detail
    assert "EXC-APPROVAL" in detail
    assert "grassroots" in detail
    assert not res.exceptional


def test_approved_service_break_is_exceptional() -> None:
    approvals = replace(NONE, service=True, reason="urgent special task")
    res = check(replace(BASE, work_start_date=years_before(4)), approvals=approvals)
    assert res.violations == []
    assert res.exceptional


def test_service_is_not_required_below_county_level() -> None:
    young = replace(
        BASE,
        work_start_date=years_before(1),
        grassroots_years=Decimal(0),
        rank_level=RankLevel.TOWNSHIP_DEPUTY,
        rank_since=years_before(2),
        posts=(),
    )
    res = check(young, TargetPost(RankLevel.TOWNSHIP_PRINCIPAL, is_party_post=False))
    assert res.violations == []
    assert res.warnings == []


# --- QUAL-LOWER-POSTS ---------------------------------------------------------------------


@pytest.mark.parametrize(("n", "warned"), [(1, True), (2, False), (3, False)])
def test_lower_posts_is_a_warning_only(n: int, warned: bool) -> None:
    res = check(replace(BASE, posts=posts(RankLevel.COUNTY_DEPUTY, n)))
    assert res.violations == []
    assert ("QUAL-LOWER-POSTS" in warning_rules(res)) is warned


def test_lower_posts_counts_only_the_level_just_below() -> None:
    res = check(replace(BASE, posts=posts(RankLevel.TOWNSHIP_PRINCIPAL, 3)))
    assert warning_rules(res) == ["QUAL-LOWER-POSTS"]
    assert "0 post(s)" in res.warnings[0].detail


# --- QUAL-TENURE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "ok"),
    [(years_before(2), True), (years_before(2) + DAY, False), (years_before(2) - DAY, True)],
)
def test_deputy_to_principal_needs_two_years(since: date, ok: bool) -> None:
    res = check(replace(BASE, rank_since=since))
    assert ("QUAL-TENURE" not in rules(res)) is ok


@pytest.mark.parametrize(
    ("since", "ok"),
    [(years_before(3), True), (years_before(3) + DAY, False), (years_before(3) - DAY, True)],
)
def test_principal_to_upper_deputy_needs_three_years(since: date, ok: bool) -> None:
    profile = replace(
        BASE,
        rank_level=RankLevel.TOWNSHIP_PRINCIPAL,
        rank_since=since,
        posts=posts(RankLevel.TOWNSHIP_PRINCIPAL),
    )
    res = check(profile, TargetPost(RankLevel.COUNTY_DEPUTY, is_party_post=False))
    assert ("QUAL-TENURE" not in rules(res)) is ok
    if not ok:
        assert "EXC-APPROVAL" in res.violations[0].detail


def test_approved_tenure_break_is_exceptional() -> None:
    res = check(replace(BASE, rank_since=years_before(1)), approvals=replace(ALL, service=False))
    assert res.violations == []
    assert res.exceptional
    assert res.skip_levels == 0


def test_unknown_rank_date_fails_tenure() -> None:
    res = check(replace(BASE, rank_since=None))
    assert rules(res) == ["QUAL-TENURE"]
    assert "unknown" in res.violations[0].detail


TOWNSHIP_DEPUTY_NEW = replace(
    BASE,
    work_start_date=years_before(1),
    grassroots_years=Decimal(0),
    rank_level=RankLevel.TOWNSHIP_DEPUTY,
    posts=(),
    last_promotion_date=None,
)
TOWNSHIP_PRINCIPAL_POST = TargetPost(RankLevel.TOWNSHIP_PRINCIPAL, is_party_post=False)


@pytest.mark.parametrize(
    "since", [years_before(2) + DAY, years_before(1), AS_OF - DAY, years_before(2)]
)
def test_tenure_does_not_bind_township_posts_centrally(since: date) -> None:
    res = check(replace(TOWNSHIP_DEPUTY_NEW, rank_since=since), TOWNSHIP_PRINCIPAL_POST)
    assert res.violations == []
    assert not res.exceptional


def test_tenure_does_not_bind_township_posts_even_when_unknown() -> None:
    res = check(replace(TOWNSHIP_DEPUTY_NEW, rank_since=None), TOWNSHIP_PRINCIPAL_POST)
    assert res.violations == []


@pytest.mark.parametrize(
    ("since", "ok"),
    [(years_before(2), True), (years_before(2) + DAY, False), (years_before(2) - DAY, True)],
)
def test_policy_extends_tenure_to_township_posts(since: date, ok: bool) -> None:
    policy = replace(CENTRAL, tenure_applies_to_township=True)
    profile = replace(TOWNSHIP_DEPUTY_NEW, rank_since=since)
    res = check(profile, TOWNSHIP_PRINCIPAL_POST, policy=policy)
    assert ("QUAL-TENURE" not in rules(res)) is ok
    if not ok:
        # A break of the extended rule is still an exception needing upper approval.
        assert rules(res) == ["QUAL-TENURE"]
        assert "EXC-APPROVAL" in res.violations[0].detail
        approved = check(
            profile,
            TOWNSHIP_PRINCIPAL_POST,
            approvals=replace(NONE, tenure=True, reason="x"),
            policy=policy,
        )
        assert approved.violations == []
        assert approved.exceptional


def test_township_to_county_deputy_is_county_level_and_always_checked() -> None:
    # The target post decides: a township principal stepping up to county deputy needs 3 years.
    profile = replace(
        BASE,
        rank_level=RankLevel.TOWNSHIP_PRINCIPAL,
        rank_since=years_before(3) + DAY,
        posts=posts(RankLevel.TOWNSHIP_PRINCIPAL),
    )
    assert rules(check(profile, TargetPost(RankLevel.COUNTY_DEPUTY, False))) == ["QUAL-TENURE"]


def test_township_extension_leaves_other_rules_alone() -> None:
    # QUAL-SERVICE and QUAL-LOWER-POSTS stay county-level rules under the extended policy.
    policy = replace(CENTRAL, tenure_applies_to_township=True)
    profile = replace(TOWNSHIP_DEPUTY_NEW, rank_since=years_before(2))
    res = check(profile, TOWNSHIP_PRINCIPAL_POST, policy=policy)
    assert res.violations == []
    assert res.warnings == []
    # And at county level the extension changes nothing.
    assert check(policy=policy).violations == []
    short = replace(BASE, rank_since=years_before(2) + DAY)
    assert rules(check(short, policy=policy)) == rules(check(short)) == ["QUAL-TENURE"]


def test_lateral_move_has_no_tenure_check() -> None:
    res = check(
        replace(BASE, rank_since=AS_OF - DAY),
        TargetPost(RankLevel.COUNTY_DEPUTY, is_party_post=True),
    )
    assert res.violations == []


# --- skip-level, EXC-APPROVAL and EXC-LIMITS ----------------------------------------------


def test_skipping_one_level_needs_approval() -> None:
    target = TargetPost(RankLevel.BUREAU_DEPUTY, is_party_post=False)
    profile = replace(BASE, posts=posts(RankLevel.COUNTY_PRINCIPAL))
    res = check(profile, target)
    assert rules(res) == ["EXC-APPROVAL"]
    assert res.skip_levels == 1
    assert not res.exceptional

    approved = check(profile, target, approvals=replace(NONE, skip_level=True, reason="x"))
    assert approved.violations == []
    assert approved.exceptional
    assert approved.skip_levels == 1


def test_skipping_two_levels_never_passes_even_with_every_approval() -> None:
    target = TargetPost(RankLevel.BUREAU_PRINCIPAL, is_party_post=False)
    res = check(replace(BASE, posts=posts(RankLevel.BUREAU_DEPUTY)), target, approvals=ALL)
    assert rules(res) == ["EXC-LIMITS"]
    assert res.skip_levels == 2
    assert not res.exceptional


def test_first_leadership_post() -> None:
    newcomer = replace(BASE, rank_level=None, rank_since=None, last_promotion_date=None)
    deputy = check(newcomer, TargetPost(RankLevel.TOWNSHIP_DEPUTY, is_party_post=False))
    assert deputy.violations == []
    assert deputy.skip_levels == 0
    principal = check(newcomer, TargetPost(RankLevel.TOWNSHIP_PRINCIPAL, is_party_post=False))
    assert rules(principal) == ["EXC-APPROVAL"]
    assert principal.skip_levels == 1
    county = check(
        replace(newcomer, posts=posts(RankLevel.TOWNSHIP_PRINCIPAL)),
        TargetPost(RankLevel.COUNTY_DEPUTY, is_party_post=False),
        approvals=ALL,
    )
    assert rules(county) == ["EXC-LIMITS"]
    assert county.skip_levels == 2


def test_no_exceptional_promotion_on_probation() -> None:
    profile = replace(BASE, rank_since=years_before(1), on_probation=True)
    res = check(profile, approvals=ALL)
    assert rules(res) == ["EXC-LIMITS"]
    assert "probation" in res.violations[0].detail
    # An unapproved break is refused for both reasons: approval alone would not help.
    assert rules(check(profile)) == ["EXC-LIMITS", "QUAL-TENURE"]


def test_ordinary_promotion_on_probation_is_not_limited() -> None:
    assert check(replace(BASE, on_probation=True)).violations == []


@pytest.mark.parametrize(
    ("last", "ok"),
    [(years_before(1), True), (years_before(1) + DAY, False), (years_before(1) - DAY, True)],
)
def test_no_exceptional_promotion_within_a_year_of_the_last(last: date, ok: bool) -> None:
    profile = replace(BASE, rank_since=years_before(1), last_promotion_date=last)
    res = check(profile, approvals=ALL)
    assert ("EXC-LIMITS" not in rules(res)) is ok


def test_exceptional_promotion_is_flagged_for_the_publicity_reason() -> None:
    # The reason itself is required by the notice (PUB-EXCEPTION-REASON, tested through the API).
    res = check(replace(BASE, rank_since=years_before(1)), approvals=replace(ALL, reason=" "))
    assert res.violations == []
    assert res.exceptional is True


# --- QUAL-EDUCATION -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "education", "ok"),
    [
        (RankLevel.COUNTY_PRINCIPAL, Education.COLLEGE, True),
        (RankLevel.COUNTY_PRINCIPAL, Education.BELOW_COLLEGE, False),
        (RankLevel.BUREAU_DEPUTY, Education.COLLEGE, False),
        (RankLevel.BUREAU_DEPUTY, Education.BACHELOR, True),
        (RankLevel.BUREAU_DEPUTY, Education.DOCTORATE, True),
    ],
)
def test_education(level: RankLevel, education: Education, ok: bool) -> None:
    profile = replace(BASE, education=education, rank_level=RankLevel.COUNTY_PRINCIPAL)
    res = check(profile, TargetPost(level, is_party_post=False), approvals=ALL)
    assert ("QUAL-EDUCATION" not in rules(res)) is ok


# --- QUAL-TRAINING ------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "deferred"), [(549, True), (550, False), (551, False)])
def test_training_shortfall_defers_not_refuses(hours: int, deferred: bool) -> None:
    res = check(replace(BASE, training_hours_5y=hours))
    assert res.violations == []
    assert res.training_deferred is deferred
    assert ("QUAL-TRAINING" in warning_rules(res)) is deferred


def test_training_hours_come_from_the_policy() -> None:
    res = check(
        replace(BASE, training_hours_5y=600),
        policy=replace(CENTRAL, training_hours_required=700),
    )
    assert res.training_deferred


# --- QUAL-PARTY-STANDING ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joined", "ok"),
    [(years_before(3), True), (years_before(3) + DAY, False), (years_before(3) - DAY, True)],
)
def test_county_party_post_needs_three_years(joined: date, ok: bool) -> None:
    res = check(replace(BASE, party_join_date=joined))
    assert ("QUAL-PARTY-STANDING" not in rules(res)) is ok


def test_bureau_party_post_needs_five_years() -> None:
    profile = replace(
        BASE,
        rank_level=RankLevel.COUNTY_PRINCIPAL,
        posts=posts(RankLevel.COUNTY_PRINCIPAL),
        party_join_date=years_before(5) + DAY,
    )
    target = TargetPost(RankLevel.BUREAU_DEPUTY, is_party_post=True)
    assert rules(check(profile, target)) == ["QUAL-PARTY-STANDING"]
    assert check(replace(profile, party_join_date=years_before(5)), target).violations == []


def test_party_standing_follows_the_policy() -> None:
    res = check(
        replace(BASE, party_join_date=years_before(4)),
        policy=replace(CENTRAL, party_standing_years_county=5),
    )
    assert rules(res) == ["QUAL-PARTY-STANDING"]


@pytest.mark.parametrize(
    "membership", [PartyMembership.CPC_PROBATIONARY, PartyMembership.NON_PARTY]
)
def test_party_post_needs_a_full_member(membership: PartyMembership) -> None:
    res = check(replace(BASE, party_membership=membership))
    assert rules(res) == ["QUAL-PARTY-STANDING"]
    non_party_post = TargetPost(RankLevel.COUNTY_PRINCIPAL, is_party_post=False)
    assert check(replace(BASE, party_membership=membership), non_party_post).violations == []


# --- EXCL-APPRAISAL -----------------------------------------------------------------------
# 近三年: the three calendar years before the current year of as_of.

CASE_DAY = date(2026, 3, 2)  # window 2023, 2024, 2025
GOOD_WINDOW = {y: Appraisal.COMPETENT for y in (2023, 2024, 2025)}


def test_appraisal_window_is_the_three_years_before_the_current_one() -> None:
    assert list(appraisal_window(CASE_DAY)) == [2023, 2024, 2025]
    assert list(appraisal_window(date(2026, 12, 31))) == [2023, 2024, 2025]
    assert list(appraisal_window(date(2027, 1, 1))) == [2024, 2025, 2026]


@pytest.mark.parametrize("grade", [Appraisal.BASICALLY_COMPETENT, Appraisal.INCOMPETENT])
def test_bad_appraisal_in_the_last_three_years_excludes(grade: Appraisal) -> None:
    appraisals = {**BASE.appraisals, 2022: grade}
    res = check(replace(BASE, appraisals=appraisals))
    assert rules(res) == ["EXCL-APPRAISAL"]
    assert "2022" in res.violations[0].detail


@pytest.mark.parametrize(
    ("year", "excluded"),
    [
        (2023, True),  # as_of.year - 3: the oldest year of the window
        (2025, True),  # as_of.year - 1: the newest
        (2022, False),  # as_of.year - 4: out of the window
        (2026, False),  # as_of.year: the current year does not count
    ],
)
def test_appraisal_window_limits(year: int, excluded: bool) -> None:
    appraisals = {**GOOD_WINDOW, year: Appraisal.BASICALLY_COMPETENT}
    res = check(replace(BASE, appraisals=appraisals), as_of=CASE_DAY)
    assert ("EXCL-APPRAISAL" in rules(res)) is excluded
    assert "EXCL-APPRAISAL" not in warning_rules(res)
    if excluded:
        assert str(year) in res.violations[0].detail


def test_good_grades_in_the_window_pass() -> None:
    res = check(replace(BASE, appraisals=GOOD_WINDOW), as_of=CASE_DAY)
    assert res.violations == []
    assert res.warnings == []


def test_a_window_year_with_no_grade_is_a_warning_not_an_exclusion() -> None:
    # 2024 missing; the current year's and an old failing grade do not fill the gap.
    appraisals = {
        2021: Appraisal.INCOMPETENT,
        2023: Appraisal.COMPETENT,
        2025: Appraisal.EXCELLENT,
        2026: Appraisal.INCOMPETENT,
    }
    res = check(replace(BASE, appraisals=appraisals), as_of=CASE_DAY)
    assert res.violations == []
    assert warning_rules(res) == ["EXCL-APPRAISAL"]
    assert "2024" in res.warnings[0].detail
    assert "2023" not in res.warnings[0].detail.split("(")[0]


def test_no_appraisals_at_all_warns_for_each_window_year() -> None:
    res = check(replace(BASE, appraisals={}), as_of=CASE_DAY)
    assert res.violations == []
    assert warning_rules(res) == ["EXCL-APPRAISAL"]
    assert "2023, 2024, 2025" in res.warnings[0].detail


def test_a_failing_grade_and_a_gap_are_both_shown() -> None:
    appraisals = {2023: Appraisal.BASICALLY_COMPETENT, 2025: Appraisal.COMPETENT}
    res = check(replace(BASE, appraisals=appraisals), as_of=CASE_DAY)
    assert rules(res) == ["EXCL-APPRAISAL"]
    assert warning_rules(res) == ["EXCL-APPRAISAL"]
    assert "2024" in res.warnings[0].detail


def test_a_check_as_of_a_past_date_uses_that_dates_window() -> None:
    appraisals = {**BASE.appraisals, 2021: Appraisal.BASICALLY_COMPETENT}
    res = check(replace(BASE, appraisals=appraisals), as_of=date(2023, 12, 31))
    # Window 2020-2022: 2021 counts; 2023 (the current year) and 2024 (later) do not.
    detail = next(v.detail for v in res.violations if v.rule == "EXCL-APPRAISAL")
    assert "2021" in detail
    assert "2023" not in detail.split("(")[-1]
    assert warning_rules(res) == ["EXCL-APPRAISAL"]  # 2020 is not on file
    assert "2020" in res.warnings[0].detail


# --- EXCL-DISCIPLINE ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "excluded"),
    [
        (AS_OF, AS_OF + 100 * DAY, True),  # first day
        (AS_OF - 100 * DAY, AS_OF, True),  # last day, inclusive
        (AS_OF - 100 * DAY, AS_OF - DAY, False),  # the day after the end passes
        (AS_OF + DAY, AS_OF + 100 * DAY, False),  # not yet in force
    ],
)
def test_sanction_period(start: date, end: date, excluded: bool) -> None:
    sanction = SanctionRecord(SanctionKind.ADMONISHMENT, start, end)
    res = check(replace(BASE, sanctions=(sanction,)))
    assert ("EXCL-DISCIPLINE" in rules(res)) is excluded


@pytest.mark.parametrize(
    ("occurred", "excluded"),
    [
        (add_months(AS_OF, -12), False),  # exact month anniversary: run out
        (add_months(AS_OF, -12) + DAY, True),
        (add_months(AS_OF, -12) - DAY, False),
    ],
)
def test_misconduct_influence_period(occurred: date, excluded: bool) -> None:
    record = MisconductRecord(MisconductKind.OFFICE_SEEKING, occurred)
    res = check(replace(BASE, misconduct=(record,)))
    assert ("EXCL-DISCIPLINE" in rules(res)) is excluded


def test_misconduct_period_comes_from_the_policy() -> None:
    record = MisconductRecord(MisconductKind.CANVASSING, add_months(AS_OF, -18))
    profile = replace(BASE, misconduct=(record,))
    assert check(profile).violations == []
    res = check(profile, policy=replace(CENTRAL, misconduct_influence_months=24))
    assert rules(res) == ["EXCL-DISCIPLINE"]


# --- RES-POOL-REQUIRED --------------------------------------------------------------------


def test_reserve_pool_only_when_the_policy_requires_it() -> None:
    pool_policy = replace(CENTRAL, reserve_pool_required=True)
    assert check().violations == []
    assert rules(check(policy=pool_policy)) == ["RES-POOL-REQUIRED"]
    assert check(replace(BASE, in_reserve_pool=True), policy=pool_policy).violations == []


# --- everything at once -------------------------------------------------------------------


def test_every_failing_rule_is_reported_together() -> None:
    profile = replace(
        BASE,
        work_start_date=years_before(3),
        rank_since=years_before(1),
        education=Education.BELOW_COLLEGE,
        party_membership=PartyMembership.CPC_PROBATIONARY,
        appraisals={2024: Appraisal.BASICALLY_COMPETENT},
        training_hours_5y=10,
        sanctions=(SanctionRecord(SanctionKind.PARTY_DISCIPLINE, AS_OF, AS_OF),),
        misconduct=(MisconductRecord(MisconductKind.FAVOUR_SEEKING, AS_OF),),
        on_probation=True,
        last_promotion_date=AS_OF - 30 * DAY,
        posts=(),
    )
    res = check(profile, policy=replace(CENTRAL, reserve_pool_required=True))
    assert rules(res) == [
        "EXC-LIMITS",
        "EXC-LIMITS",
        "EXCL-APPRAISAL",
        "EXCL-DISCIPLINE",
        "EXCL-DISCIPLINE",
        "QUAL-EDUCATION",
        "QUAL-PARTY-STANDING",
        "QUAL-SERVICE",
        "QUAL-TENURE",
        "RES-POOL-REQUIRED",
    ]
    # 2022 and 2023 have no grade on file: shown, not held against the nominee.
    assert warning_rules(res) == ["EXCL-APPRAISAL", "QUAL-LOWER-POSTS", "QUAL-TRAINING"]
    assert res.training_deferred
