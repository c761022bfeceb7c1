"""Selection policy (选拔任用政策参数): the local parameters (rules marked P in RULES.md).

A case is bound to one immutable `PolicyParams`. Every parameter declares, next to its default,
its central value, the direction that tightens it and its rule id (a `ParameterFloor`, POL-FLOORS);
`floor_violations` walks those declarations when a policy is created, so a policy may only
tighten the central rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Any

from app.domain.errors import InvalidInput, Violation

# Every type a parameter takes; JsonParam is how it is written in JSON (params_to_dict).
ParamValue = bool | int | Decimal | Fraction | tuple[Decimal, Decimal, Decimal] | None
JsonParam = bool | int | str | list[str] | None


class FloorDirection(StrEnum):
    """Which way a parameter moves to tighten the central rules (POL-FLOORS)."""

    HIGHER = "higher"  # a larger number is stricter; below the central value loosens
    LOWER = "lower"  # a smaller number is stricter; above the central value loosens
    TRUE = "true"  # switching it on is stricter; off loosens when the central value is on
    NONE = "none"  # a purely local choice with no central floor (see `justification`)


@dataclass(frozen=True, slots=True)
class ParameterFloor:
    """The POL-FLOORS declaration of one `PolicyParams` parameter."""

    name: str  # the PolicyParams field
    rule: str  # the rule the parameter belongs to; cited next to POL-FLOORS when loosened
    central: ParamValue  # the central value (the floor); None: no requirement centrally
    direction: FloorDirection
    description: str
    # FloorDirection.NONE only: why there is nothing to tighten.
    justification: str = ""
    # A boolean parameter: the floor binds only while that parameter is on.
    applies_when: str | None = None

    def loosens(self, value: ParamValue) -> bool:
        """True if `value` is looser than the central value."""
        central = self.central
        if self.direction is FloorDirection.NONE:
            return False
        if self.direction is FloorDirection.TRUE:
            return central is True and value is not True
        if central is None:
            return False  # nothing is required centrally, so any setting is at least as strict
        if value is None:
            return True  # unsetting a central requirement
        if self.direction is FloorDirection.HIGHER:
            return _number(value) < _number(central)
        return _number(value) > _number(central)


def _number(value: ParamValue) -> Fraction:
    # Exact comparison across int, Decimal and Fraction: 0.30 vs 0.3001, 2/3 vs 0.6667.
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"not a number: {value!r}")
    return Fraction(value)


class _Same(Enum):
    AS_DEFAULT = "as default"


_FLOOR = "floor"  # dataclass field metadata key


@dataclass(frozen=True, slots=True)
class _Declared:
    rule: str
    direction: FloorDirection
    description: str
    central: ParamValue | _Same
    justification: str
    applies_when: str | None


def _floor(
    *,
    rule: str,
    direction: FloorDirection,
    description: str,
    central: ParamValue | _Same = _Same.AS_DEFAULT,
    justification: str = "",
    applies_when: str | None = None,
) -> dict[str, _Declared]:
    """Field metadata: the POL-FLOORS declaration of a PolicyParams field. The central value
    is the field's default unless given; the name comes from the field (see PARAMETER_FLOORS)."""
    if (direction is FloorDirection.NONE) != bool(justification):
        raise ValueError(f"{rule}: a justification is given exactly for direction 'none'")
    return {_FLOOR: _Declared(rule, direction, description, central, justification, applies_when)}


_H, _L, _T, _N = (
    FloorDirection.HIGHER,
    FloorDirection.LOWER,
    FloorDirection.TRUE,
    FloorDirection.NONE,
)


@dataclass(frozen=True)
class PolicyParams:
    """Every local knob of the selection rules; defaults are the central policy."""

    publicity_working_days: int = field(
        default=5,
        metadata=_floor(
            rule="PUB-DURATION",
            direction=_H,
            description="任前公示 publicity in working days; central floor 5 (R2014 Art 41)",
        ),
    )
    # Seed 001 publicises for 7 days; when set, the window must also span this many calendar
    # days and ends at the later of the two ends. Unset is the central rule, so any setting
    # is stricter.
    publicity_calendar_days: int | None = field(
        default=None,
        metadata=_floor(
            rule="PUB-DURATION",
            direction=_H,
            description="publicity must also span this many calendar days (unset: no such rule)",
        ),
    )
    # The central text also allows oral and show-of-hands votes, so the central value is off
    # and on only tightens; the central preset still votes by secret ballot (DEC-SECRET-BALLOT
    # "default on").
    secret_ballot: bool = field(
        default=True,
        metadata=_floor(
            rule="DEC-SECRET-BALLOT",
            direction=_T,
            central=False,
            description="无记名投票: the decision votes by anonymous ballot, only tallies stored",
        ),
    )
    # Local (seeds 001, 004); centrally votes must not decide alone (REC-NOT-VOTES).
    recommendation_majority_required: bool = field(
        default=False,
        metadata=_floor(
            rule="REC-MAJORITY",
            direction=_T,
            description="a nominee needs a majority of recommendation participants to be a target",
        ),
    )
    competitive_weights: tuple[Decimal, Decimal, Decimal] = field(
        default=(Decimal("0.3"), Decimal("0.3"), Decimal("0.4")),
        metadata=_floor(
            rule="COMP-SCORE",
            direction=_N,
            description="竞争上岗 total weights: written exam, interview, democratic evaluation",
            justification=(
                "the central rules set no scoring formula (seed 002 is local); the weights only "
                "trade the three parts off against each other, so none is laxer than another. "
                "They must be >= 0 and sum to 1"
            ),
        ),
    )
    # A rate strictly above the cut-off excludes (seed 002: 30%); a higher cut-off lets more
    # disapproved competitors through, so only a lower one tightens.
    dissatisfaction_cutoff: Decimal = field(
        default=Decimal("0.30"),
        metadata=_floor(
            rule="COMP-DISSATISFACTION",
            direction=_L,
            description="democratic-evaluation dissatisfaction above this share excludes",
        ),
    )
    shortlist_size: int = field(
        default=3,
        metadata=_floor(
            rule="COMP-SHORTLIST",
            direction=_N,
            description="up to this many competitors are all inspected, else the top N by total",
            justification=(
                "competitive selection and its shortlist are local (seed 002) and the central "
                "rules set no number: a longer list inspects more competitors but admits "
                "lower-ranked ones, so neither way is stricter. INS-MORE-THAN-PLACES binds each "
                "case anyway"
            ),
        ),
    )
    previous_unit_inspection: bool = field(
        default=False,
        metadata=_floor(
            rule="INS-PREVIOUS-UNIT",
            direction=_T,
            description="a target short in the current post is also inspected at the previous unit",
        ),
    )
    # Seed 004 says three years; a larger N sends more targets to their previous unit.
    previous_unit_years: int = field(
        default=3,
        metadata=_floor(
            rule="INS-PREVIOUS-UNIT",
            direction=_H,
            applies_when="previous_unit_inspection",
            description="the previous unit is inspected when the target has < N years in post",
        ),
    )
    reserve_pool_required: bool = field(
        default=False,
        metadata=_floor(
            rule="RES-POOL-REQUIRED",
            direction=_T,
            description="only reserve-pool (后备干部) cadres may become inspection targets",
        ),
    )
    # Seed 000 only says 及时 (promptly); one working week is the usual office turnaround and
    # matches the publicity unit, so it is our central reading, and more days loosen it.
    self_nomination_forward_days: int = field(
        default=5,
        metadata=_floor(
            rule="NOM-SELF-FORWARD",
            direction=_L,
            description="working days to pass a self-nomination (自荐) on to the organisation dept",
        ),
    )
    probation_months: int = field(
        default=12,
        metadata=_floor(
            rule="PROB-TERM",
            direction=_H,
            description="试用期 in months; central floor one year (R2014 Art 42)",
        ),
    )
    # Seed 002 puts every competitive appointee on probation, not only the central list.
    probation_for_all_competitive: bool = field(
        default=False,
        metadata=_floor(
            rule="PROB-TERM",
            direction=_T,
            description="every competitive appointee serves a probation, elected posts aside",
        ),
    )
    misconduct_influence_months: int = field(
        default=12,
        metadata=_floor(
            rule="EXCL-DISCIPLINE",
            direction=_H,
            description="months a recorded misconduct (跑官要官, 拉票) bars inspection",
        ),
    )
    # COD Q&A: 110 hours a year, 550 in 5 years.
    training_hours_required: int = field(
        default=550,
        metadata=_floor(
            rule="QUAL-TRAINING",
            direction=_H,
            description="training hours in the last 5 years; a shortfall becomes a deadline",
        ),
    )
    # Party standing (党龄) in full years for party posts per tier. Party Constitution Art 27:
    # members of provincial and city (设区的市) committees >= 5 years, of county committees
    # >= 3 years; it sets none for primary-level committees (乡镇党委), so the township tier
    # only needs full membership.
    party_standing_years_township: int = field(
        default=0,
        metadata=_floor(
            rule="QUAL-PARTY-STANDING",
            direction=_H,
            description="党龄 years for a township-level party post",
        ),
    )
    party_standing_years_county: int = field(
        default=3,
        metadata=_floor(
            rule="QUAL-PARTY-STANDING",
            direction=_H,
            description="党龄 years for a county-level party post",
        ),
    )
    party_standing_years_bureau: int = field(
        default=5,
        metadata=_floor(
            rule="QUAL-PARTY-STANDING",
            direction=_H,
            description="党龄 years for a bureau-level party post",
        ),
    )
    party_standing_years_provincial: int = field(
        default=5,
        metadata=_floor(
            rule="QUAL-PARTY-STANDING",
            direction=_H,
            description="党龄 years for a provincial-level party post",
        ),
    )
    recommendation_participation: Fraction = field(
        default=Fraction(2, 3),
        metadata=_floor(
            rule="REC-PARTICIPATION",
            direction=_H,
            description="a recommendation round counts only with >= this share of its scope",
        ),
    )
    # The central tenure rule binds county level and above only (R2019 Art 8(3)); a local
    # policy may extend it to township posts.
    tenure_applies_to_township: bool = field(
        default=False,
        metadata=_floor(
            rule="QUAL-TENURE",
            direction=_T,
            description="QUAL-TENURE also for township-level (乡科级) target posts",
        ),
    )

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


def _resolve(f: Field[Any]) -> ParameterFloor:
    # A parameter without a declaration could loosen the central rules unnoticed: fail at import.
    if _FLOOR not in f.metadata:  # pragma: no cover
        raise RuntimeError(f"PolicyParams.{f.name} has no POL-FLOORS declaration (_floor)")
    d: _Declared = f.metadata[_FLOOR]
    return ParameterFloor(
        name=f.name,
        rule=d.rule,
        central=getattr(CENTRAL, f.name) if d.central is _Same.AS_DEFAULT else d.central,
        direction=d.direction,
        description=d.description,
        justification=d.justification,
        applies_when=d.applies_when,
    )


PARAMETER_FLOORS: dict[str, ParameterFloor] = {f.name: _resolve(f) for f in fields(PolicyParams)}
"""The POL-FLOORS declaration of every parameter, in field order."""


def _check_declarations() -> None:
    # A declaration that cannot be honoured would make every policy fail or pass silently, so
    # fail at import instead.
    for floor in PARAMETER_FLOORS.values():
        if floor.applies_when is not None and not isinstance(
            getattr(CENTRAL, floor.applies_when, None), bool
        ):
            raise RuntimeError(f"{floor.name}: applies_when must name a boolean parameter")
        if floor.direction is FloorDirection.TRUE and not isinstance(floor.central, bool):
            raise RuntimeError(f"{floor.name}: direction 'true' needs a boolean central value")


_check_declarations()


def floor_violations(p: PolicyParams) -> list[Violation]:
    """Every parameter that loosens its central value (POL-FLOORS and the parameter's own rule)
    or is out of range (the parameter's rule only). Empty: acceptable."""
    out: list[Violation] = []
    for floor in PARAMETER_FLOORS.values():
        if floor.applies_when is not None and not getattr(p, floor.applies_when):
            continue
        value: ParamValue = getattr(p, floor.name)
        if floor.loosens(value):
            detail = _loosened_detail(floor, value)
            # The parameter's own rule comes first: it names what is wrong and is the
            # problem's `rule`; POL-FLOORS says why a policy may not do it.
            out.append(Violation(rule=floor.rule, detail=detail))
            out.append(Violation(rule="POL-FLOORS", detail=detail))
    out += _range_violations(p)
    return out


_ONLY = {
    FloorDirection.HIGHER: "raise",
    FloorDirection.LOWER: "lower",
    FloorDirection.TRUE: "switch on",
}


def _loosened_detail(floor: ParameterFloor, value: ParamValue) -> str:
    when = f" while {floor.applies_when} is on" if floor.applies_when else ""
    return (
        f"{floor.name} is {show_param(value)}; its central value is "
        f"{show_param(floor.central)}{when} and a policy may only {_ONLY[floor.direction]} it "
        f"({floor.rule}, POL-FLOORS)"
    )


def _range_violations(p: PolicyParams) -> list[Violation]:
    """Sanity checks that no single floor expresses (ranges, the weights' sum)."""
    out: list[Violation] = []

    def check(ok: bool, rule: str, detail: str) -> None:
        if not ok:
            out.append(Violation(rule=rule, detail=detail))

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
        p.dissatisfaction_cutoff > 0,
        "COMP-DISSATISFACTION",
        f"dissatisfaction_cutoff is {p.dissatisfaction_cutoff}; it is a fraction and must be > 0",
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
        p.recommendation_participation <= 1,
        "REC-PARTICIPATION",
        f"recommendation_participation is {p.recommendation_participation}; "
        "a share cannot exceed 1",
    )
    return out


def _fmt_weights(weights: tuple[Decimal, ...]) -> str:
    return ":".join(str(w) for w in weights)


def show_param(value: ParamValue) -> str:
    """A parameter value for people: 2/3, 0.30, 0.3:0.3:0.4, true, unset."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return _fmt_weights(value)
    return str(value)


# --- JSON-friendly conversion -------------------------------------------------------------


def param_to_json(value: ParamValue) -> JsonParam:
    """Decimals and Fractions as strings, tuples as lists of strings; everything else as is."""
    if isinstance(value, Decimal | Fraction):
        return str(value)  # Fraction(2, 3) -> "2/3"
    if isinstance(value, tuple):
        return [str(v) for v in value]
    return value


def params_to_dict(p: PolicyParams) -> dict[str, object]:
    """Every parameter through `param_to_json`."""
    return {f.name: param_to_json(getattr(p, f.name)) for f in fields(p)}


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
    "tenure_applies_to_township": _as_bool,
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
