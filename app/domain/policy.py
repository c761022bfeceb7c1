"""Selection policy (选拔任用政策参数): the local parameters (rules marked P in RULES.md).

A case is bound to one immutable `PolicyParams`. The defaults are the central floor; a local
policy may only tighten it, which `floor_violations` checks when a policy is created.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from app.domain.errors import InvalidInput, Violation


@dataclass(frozen=True)
class PolicyParams:
    """Every local knob of the selection rules; defaults are the central policy."""

    # PUB-DURATION: central floor is 5 working days (R2014 Art 41).
    publicity_working_days: int = 5
    # Seed 001 publicises for 7 days; when set, the window must also span this many calendar
    # days and ends at the later of the two ends.
    publicity_calendar_days: int | None = None
    # DEC-SECRET-BALLOT: the central text also allows oral and show-of-hands votes, so this may
    # be turned off.
    secret_ballot: bool = True
    # REC-MAJORITY: local (seeds 001, 004); centrally votes must not decide alone (REC-NOT-VOTES).
    recommendation_majority_required: bool = False
    # COMP-SCORE: written exam, interview, democratic evaluation (seed 002: 3:3:4).
    competitive_weights: tuple[Decimal, Decimal, Decimal] = (
        Decimal("0.3"),
        Decimal("0.3"),
        Decimal("0.4"),
    )
    # COMP-DISSATISFACTION: a rate strictly above the cut-off excludes (seed 002: 30%).
    dissatisfaction_cutoff: Decimal = Decimal("0.30")
    # COMP-SHORTLIST: up to this many competitors are all inspected, else the top N.
    shortlist_size: int = 3
    # INS-PREVIOUS-UNIT: inspect the previous unit when the target is < N years in post.
    previous_unit_inspection: bool = False
    previous_unit_years: int = 3
    # RES-POOL-REQUIRED: only reserve-pool cadres may become inspection targets.
    reserve_pool_required: bool = False
    # NOM-SELF-FORWARD, in working days. Seed 000 only says 及时 (promptly); one working week is
    # the usual office turnaround and matches the publicity unit, so it is our default reading.
    self_nomination_forward_days: int = 5
    # PROB-TERM: central floor is one year (R2014 Art 42).
    probation_months: int = 12
    # Seed 002 puts every competitive appointee on probation, not only the central list.
    probation_for_all_competitive: bool = False
    # EXCL-DISCIPLINE: how long a recorded misconduct keeps a cadre from being a target.
    misconduct_influence_months: int = 12
    # QUAL-TRAINING: hours in the last 5 years (COD Q&A: 110 a year, 550 in 5 years).
    training_hours_required: int = 550
    # QUAL-PARTY-STANDING, full years of party standing (党龄) for party posts per tier. Party
    # Constitution Art 27: members of provincial and city (设区的市) committees >= 5 years,
    # of county committees >= 3 years; it sets none for primary-level committees (乡镇党委), so
    # the township tier only needs full membership.
    party_standing_years_township: int = 0
    party_standing_years_county: int = 3
    party_standing_years_bureau: int = 5
    party_standing_years_provincial: int = 5
    # REC-PARTICIPATION: a round counts only with >= this share of the determined scope.
    recommendation_participation: Fraction = Fraction(2, 3)

    def party_standing_years(self, tier: str) -> int:
        """Required party standing for a party post of the tier (RankLevel.tier)."""
        by_tier = {
            "township": self.party_standing_years_township,
            "county": self.party_standing_years_county,
            "bureau": self.party_standing_years_bureau,
            "provincial": self.party_standing_years_provincial,
        }
        return by_tier[tier]


CENTRAL = PolicyParams()


def floor_violations(p: PolicyParams) -> list[Violation]:
    """Every parameter that loosens a central floor or is out of range (empty: acceptable)."""
    out: list[Violation] = []

    def check(ok: bool, rule: str, detail: str) -> None:
        if not ok:
            out.append(Violation(rule=rule, detail=detail))

    c = CENTRAL
    check(
        p.publicity_working_days >= c.publicity_working_days,
        "PUB-DURATION",
        f"publicity_working_days is {p.publicity_working_days}; "
        f"the central floor is {c.publicity_working_days} working days",
    )
    check(
        p.publicity_calendar_days is None or p.publicity_calendar_days >= 1,
        "PUB-DURATION",
        f"publicity_calendar_days is {p.publicity_calendar_days}; it must be unset or >= 1",
    )
    weights = p.competitive_weights
    check(
        len(weights) == 3 and all(w >= 0 for w in weights),
        "COMP-SCORE",
        f"competitive_weights are {_fmt_weights(weights)}; "
        "there must be 3 (written, interview, evaluation), each >= 0",
    )
    check(
        sum(weights, Decimal(0)) == 1,
        "COMP-SCORE",
        f"competitive_weights sum to {sum(weights, Decimal(0))}; they must sum to exactly 1",
    )
    check(
        Decimal(0) < p.dissatisfaction_cutoff <= 1,
        "COMP-DISSATISFACTION",
        f"dissatisfaction_cutoff is {p.dissatisfaction_cutoff}; "
        "it is a fraction and must satisfy 0 < cutoff <= 1",
    )
    check(
        p.shortlist_size >= 1,
        "COMP-SHORTLIST",
        f"shortlist_size is {p.shortlist_size}; it must be >= 1",
    )
    check(
        p.previous_unit_years >= 1,
        "INS-PREVIOUS-UNIT",
        f"previous_unit_years is {p.previous_unit_years}; it must be >= 1",
    )
    check(
        p.self_nomination_forward_days >= 1,
        "NOM-SELF-FORWARD",
        f"self_nomination_forward_days is {p.self_nomination_forward_days}; it must be >= 1",
    )
    check(
        p.probation_months >= c.probation_months,
        "PROB-TERM",
        f"probation_months is {p.probation_months}; "
        f"the central floor is {c.probation_months} months",
    )
    check(
        p.misconduct_influence_months >= 1,
        "EXCL-DISCIPLINE",
        f"misconduct_influence_months is {p.misconduct_influence_months}; it must be >= 1",
    )
    check(
        p.training_hours_required >= 0,
        "QUAL-TRAINING",
        f"training_hours_required is {p.training_hours_required}; it must be >= 0",
    )
    for tier in ("township", "county", "bureau", "provincial"):
        value, floor = p.party_standing_years(tier), c.party_standing_years(tier)
        check(
            value >= floor,
            "QUAL-PARTY-STANDING",
            f"party_standing_years_{tier} is {value}; "
            f"the Party Constitution floor is {floor} years",
        )
    share = p.recommendation_participation
    check(
        c.recommendation_participation <= share <= 1,
        "REC-PARTICIPATION",
        f"recommendation_participation is {share}; "
        f"it must be between the central floor {c.recommendation_participation} and 1",
    )
    return out


def _fmt_weights(weights: tuple[Decimal, ...]) -> str:
    return ":".join(str(w) for w in weights)


# --- JSON-friendly conversion -------------------------------------------------------------


def _to_json(value: object) -> object:
    if isinstance(value, Decimal | Fraction):
        return str(value)  # Fraction(2, 3) -> "2/3"
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    return value


def params_to_dict(p: PolicyParams) -> dict[str, object]:
    """Decimals and Fractions as strings, tuples as lists; everything else as is."""
    return {f.name: _to_json(getattr(p, f.name)) for f in fields(p)}


def _as_int(key: str, v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise InvalidInput(f"policy parameter {key!r} must be an integer, got {v!r}")
    return v


def _as_optional_int(key: str, v: object) -> int | None:
    return None if v is None else _as_int(key, v)


def _as_bool(key: str, v: object) -> bool:
    if not isinstance(v, bool):
        raise InvalidInput(f"policy parameter {key!r} must be a boolean, got {v!r}")
    return v


def _as_decimal(key: str, v: object) -> Decimal:
    # Floats are accepted through their shortest repr ("0.3"), so a JSON number means what it says.
    if isinstance(v, bool) or not isinstance(v, str | int | float | Decimal):
        raise InvalidInput(f"policy parameter {key!r} must be a decimal string, got {v!r}")
    try:
        d = Decimal(repr(v) if isinstance(v, float) else v)
    except InvalidOperation:
        raise InvalidInput(f"policy parameter {key!r} is not a decimal: {v!r}") from None
    if not d.is_finite():
        raise InvalidInput(f"policy parameter {key!r} must be finite, got {v!r}")
    return d


def _as_weights(key: str, v: object) -> tuple[Decimal, Decimal, Decimal]:
    if not isinstance(v, list | tuple) or len(v) != 3:
        raise InvalidInput(
            f"policy parameter {key!r} must be a list of 3 decimals "
            f"(written, interview, evaluation), got {v!r}"
        )
    return (_as_decimal(key, v[0]), _as_decimal(key, v[1]), _as_decimal(key, v[2]))


def _as_fraction(key: str, v: object) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, str | int | Fraction):
        raise InvalidInput(f'policy parameter {key!r} must be a fraction like "2/3", got {v!r}')
    try:
        return Fraction(v)
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"policy parameter {key!r} is not a fraction: {v!r}") from None


_CONVERTERS: dict[str, Callable[[str, object], object]] = {
    "publicity_working_days": _as_int,
    "publicity_calendar_days": _as_optional_int,
    "secret_ballot": _as_bool,
    "recommendation_majority_required": _as_bool,
    "competitive_weights": _as_weights,
    "dissatisfaction_cutoff": _as_decimal,
    "shortlist_size": _as_int,
    "previous_unit_inspection": _as_bool,
    "previous_unit_years": _as_int,
    "reserve_pool_required": _as_bool,
    "self_nomination_forward_days": _as_int,
    "probation_months": _as_int,
    "probation_for_all_competitive": _as_bool,
    "misconduct_influence_months": _as_int,
    "training_hours_required": _as_int,
    "party_standing_years_township": _as_int,
    "party_standing_years_county": _as_int,
    "party_standing_years_bureau": _as_int,
    "party_standing_years_provincial": _as_int,
    "recommendation_participation": _as_fraction,
}
# A new field without a converter would be silently unsettable; fail at import instead.
if set(_CONVERTERS) != {f.name for f in fields(PolicyParams)}:  # pragma: no cover
    raise RuntimeError("policy._CONVERTERS is out of step with PolicyParams")


def params_from_dict(d: Mapping[str, object], base: PolicyParams = CENTRAL) -> PolicyParams:
    """Overlay a (partial) dict on `base`. Raises InvalidInput on unknown keys or bad types.

    It does not check floors: call `floor_violations` on the result.
    """
    unknown = sorted(set(d) - set(_CONVERTERS))
    if unknown:
        raise InvalidInput(f"unknown policy parameter(s): {', '.join(unknown)}")
    changes: dict[str, Any] = {k: _CONVERTERS[k](k, v) for k, v in d.items()}
    return replace(base, **changes)


# --- Presets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    name: str  # stable slug
    title_en: str
    title_zh: str
    description: str
    source: str  # seed file the values come from
    params: PolicyParams


_PRESET_LIST: tuple[Preset, ...] = (
    Preset(
        name="central",
        title_en="Central rules",
        title_zh="中央《党政领导干部选拔任用工作条例》",
        description=(
            "The central floor: publicity >= 5 working days, probation 12 months, "
            "recommendation participation >= 2/3, secret ballot on, no local extras."
        ),
        source="RULES.md (R2019 / R2014)",
        params=CENTRAL,
    ),
    Preset(
        name="city-7-day-publicity",
        title_en="City practice: 7-day publicity, reserve pool, secret ballot",
        title_zh="慈溪市选人用人做法（公示7天、后备干部、无记名票决）",
        description=(
            "Seed 001: publicity of 7 calendar days (line 7 「公示7天」) and still >= 5 working "
            "days; only reserve-pool cadres are used "
            "(line 6 「没有列入市管后备干部队伍的一律不用」); "
            "a nominee whose recommendation votes are not relatively concentrated is not "
            "promoted (line 6 「民主推荐得票不是相对集中的一律不提」, modelled as "
            "recommendation_majority_required); secret ballot at the decision (line 6 "
            "「坚持无记名投票表决制度」). Quorum 2/3 and > 1/2 of members are central anyway."
        ),
        source="seeds/001_910006f1baf11a1e.txt",
        params=replace(
            CENTRAL,
            publicity_calendar_days=7,
            secret_ballot=True,
            recommendation_majority_required=True,
            reserve_pool_required=True,
        ),
    ),
    Preset(
        name="district-competitive-334",
        title_en="District competitive selection 3:3:4",
        title_zh="区党政机关中层干部竞争上岗（3:3:4）",
        description=(
            "Seed 002 line 23: total = written 30% + interview 30% + democratic evaluation 40% "
            "(「一般按3:3:4的比例掌握」); dissatisfaction above 30% excludes "
            "(「不满意率超过30%的不能确定为考察对象」). Line 25: <= 3 competitors are all "
            "inspected, else the top 3 by total; every competitive appointee serves a one-year "
            "probation (「一律实行为期一年的试用期」). Line 37: canvassing cancels eligibility."
        ),
        source="seeds/002_50f32dc01415cbe6.txt",
        params=replace(
            CENTRAL,
            competitive_weights=(Decimal("0.3"), Decimal("0.3"), Decimal("0.4")),
            dissatisfaction_cutoff=Decimal("0.30"),
            shortlist_size=3,
            probation_months=12,
            probation_for_all_competitive=True,
        ),
    ),
    Preset(
        name="nanyang-self-nomination",
        title_en="Nanyang self-nomination",
        title_zh="南阳市领导干部自荐制度（试行）",
        description=(
            "Seed 000 lines 16 and 56: a self-nomination lodged with the unit party leader must "
            "be forwarded to the organisation department 及时 (promptly), without interception, "
            "and kept confidential. The seed gives no number: 3 working days is our reading of "
            "及时, tighter than the generic default of 5. All later stages follow the central "
            "rules (line 44)."
        ),
        source="seeds/000_39de1d6e1e231948.txt",
        params=replace(CENTRAL, self_nomination_forward_days=3),
    ),
    Preset(
        name="province-2005-detailed",
        title_en="Province 2005 detailed rules",
        title_zh="省委贯彻《干部任用条例》通知（约2005年）",
        description=(
            "Seed 004: a target less than 3 years in the current post is also inspected at the "
            "previous unit (line 23 「对任现职不到三年的要到其前一任职单位进行考察」); a nominee "
            "not supported by most of the unit is not an inspection target (line 21 "
            "「不是所在单位多数群众拥护的,不得列为考察对象」); participation >= 2/3 (line 21, "
            "central anyway); secret ballot at the committee (line 25); training shortfalls are "
            "made up within one year after promotion (line 19, central QUAL-TRAINING)."
        ),
        source="seeds/004_8ad1b41161e1a6e5.txt",
        params=replace(
            CENTRAL,
            previous_unit_inspection=True,
            previous_unit_years=3,
            recommendation_majority_required=True,
            secret_ballot=True,
            recommendation_participation=Fraction(2, 3),
        ),
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in _PRESET_LIST}
