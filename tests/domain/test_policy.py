from __future__ import annotations

import json
from dataclasses import fields, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from app.domain.errors import InvalidInput
from app.domain.policy import (
    CENTRAL,
    PARAMETER_FLOORS,
    PRESETS,
    FloorDirection,
    ParameterFloor,
    ParamValue,
    PolicyParams,
    Preset,
    floor_violations,
    param_to_json,
    params_from_dict,
    params_to_dict,
)
from app.domain.rules import RULES


def rules_of(p: PolicyParams) -> list[str]:
    return [v.rule for v in floor_violations(p)]


def test_central_defaults() -> None:
    assert PolicyParams() == CENTRAL
    assert CENTRAL.publicity_working_days == 5
    assert CENTRAL.publicity_calendar_days is None
    assert CENTRAL.secret_ballot is True
    assert CENTRAL.competitive_weights == (Decimal("0.3"), Decimal("0.3"), Decimal("0.4"))
    assert CENTRAL.dissatisfaction_cutoff == Decimal("0.30")
    assert CENTRAL.probation_months == 12
    assert CENTRAL.recommendation_participation == Fraction(2, 3)
    assert CENTRAL.party_standing_years("county") == 3
    assert CENTRAL.party_standing_years("bureau") == 5
    assert floor_violations(CENTRAL) == []


@pytest.mark.parametrize("preset", list(PRESETS.values()), ids=list(PRESETS))
def test_presets_respect_every_floor(preset: Preset) -> None:
    assert floor_violations(preset.params) == []
    assert preset.name in PRESETS
    assert preset.title_en
    assert preset.title_zh
    assert preset.description
    assert preset.source


def test_preset_values() -> None:
    assert set(PRESETS) == {
        "central",
        "city-7-day-publicity",
        "district-competitive-334",
        "nanyang-self-nomination",
        "province-2005-detailed",
    }
    assert PRESETS["central"].params == CENTRAL
    city = PRESETS["city-7-day-publicity"].params
    assert city.publicity_calendar_days == 7
    assert city.publicity_working_days == 5
    assert city.reserve_pool_required
    assert city.recommendation_majority_required
    assert city.secret_ballot
    district = PRESETS["district-competitive-334"].params
    assert district.competitive_weights == (Decimal("0.3"), Decimal("0.3"), Decimal("0.4"))
    assert district.dissatisfaction_cutoff == Decimal("0.30")
    assert district.shortlist_size == 3
    assert district.probation_for_all_competitive
    assert PRESETS["nanyang-self-nomination"].params.self_nomination_forward_days == 3
    province = PRESETS["province-2005-detailed"].params
    assert province.previous_unit_inspection
    assert province.previous_unit_years == 3
    assert province.recommendation_majority_required


def test_secret_ballot_off_is_allowed() -> None:
    # Centrally oral and show-of-hands votes are allowed too: off is the floor, on tightens.
    assert PARAMETER_FLOORS["secret_ballot"].central is False
    assert floor_violations(replace(CENTRAL, secret_ballot=False)) == []


# --- POL-FLOORS: the declaration --------------------------------------------------------------


def test_every_parameter_is_declared_with_a_known_rule() -> None:
    assert list(PARAMETER_FLOORS) == [f.name for f in fields(PolicyParams)]
    for name, floor in PARAMETER_FLOORS.items():
        assert floor.name == name
        assert floor.rule in RULES, name
        assert floor.description, name
        assert isinstance(floor.direction, FloorDirection)
        # A purely local choice says why; a floor needs no excuse.
        assert bool(floor.justification) is (floor.direction is FloorDirection.NONE), name
        if floor.applies_when is not None:
            assert isinstance(getattr(CENTRAL, floor.applies_when), bool)


def test_declared_central_values() -> None:
    central = {n: f.central for n, f in PARAMETER_FLOORS.items()}
    assert central["publicity_working_days"] == 5
    assert central["publicity_calendar_days"] is None
    assert central["secret_ballot"] is False
    assert central["dissatisfaction_cutoff"] == Decimal("0.30")
    assert central["self_nomination_forward_days"] == 5
    assert central["probation_months"] == 12
    assert central["misconduct_influence_months"] == 12
    assert central["training_hours_required"] == 550
    assert central["party_standing_years_county"] == 3
    assert central["recommendation_participation"] == Fraction(2, 3)
    assert central["previous_unit_years"] == 3
    assert central["tenure_applies_to_township"] is False
    directions = {n: f.direction for n, f in PARAMETER_FLOORS.items()}
    assert directions["dissatisfaction_cutoff"] is FloorDirection.LOWER
    assert directions["self_nomination_forward_days"] is FloorDirection.LOWER
    assert directions["competitive_weights"] is FloorDirection.NONE
    assert directions["shortlist_size"] is FloorDirection.NONE
    assert directions["secret_ballot"] is FloorDirection.TRUE
    assert PARAMETER_FLOORS["previous_unit_years"].applies_when == "previous_unit_inspection"


def test_the_central_preset_is_at_least_as_strict_as_every_floor() -> None:
    for floor in PARAMETER_FLOORS.values():
        assert not floor.loosens(getattr(CENTRAL, floor.name)), floor.name


DIRECTED = [f for f in PARAMETER_FLOORS.values() if f.direction is not FloorDirection.NONE]


def one_step(floor: ParameterFloor, *, looser: bool) -> ParamValue | None:
    """The value one step looser or tighter than the central value; None: there is none.

    A step is 1 for integers, 0.0001 for decimals (the finest the API takes) and an exact
    1/1000 for shares."""
    central = floor.central
    if floor.direction is FloorDirection.TRUE:
        if looser:
            return False if central is True else None
        return True
    if central is None:  # unset is the loosest setting; the smallest setting is tighter
        return None if looser else 1
    sign = 1 if (floor.direction is FloorDirection.HIGHER) is not looser else -1
    if isinstance(central, Decimal):
        return central + sign * Decimal("0.0001")
    if isinstance(central, Fraction):
        return central + sign * Fraction(1, 1000)
    assert isinstance(central, int)
    return central + sign


def with_value(floor: ParameterFloor, value: ParamValue) -> PolicyParams:
    """CENTRAL with the parameter set, and the switch on that makes its floor bind."""
    changes: dict[str, Any] = {floor.name: value}
    if floor.applies_when:
        changes[floor.applies_when] = True
    return replace(CENTRAL, **changes)


def at(floor: ParameterFloor, value: ParamValue) -> list[str]:
    return rules_of(with_value(floor, value))


@pytest.mark.parametrize("floor", DIRECTED, ids=[f.name for f in DIRECTED])
def test_floor_at_the_exact_limit(floor: ParameterFloor) -> None:
    assert at(floor, floor.central) == []
    tighter = one_step(floor, looser=False)
    assert tighter is not None
    assert at(floor, tighter) == [], tighter
    looser = one_step(floor, looser=True)
    if looser is None:
        # Off / unset is the central value itself: nothing can be looser.
        assert floor.direction is FloorDirection.TRUE or floor.central is None
        return
    violations = floor_violations(with_value(floor, looser))
    assert [v.rule for v in violations] == [floor.rule, "POL-FLOORS"]
    for v in violations:
        assert floor.name in v.detail
        assert str(param_to_json(floor.central)) in v.detail
        assert v.article == RULES[v.rule].source


@pytest.mark.parametrize(
    "floor",
    [f for f in PARAMETER_FLOORS.values() if f.direction is FloorDirection.NONE],
    ids=lambda f: f.name,
)
def test_a_local_choice_has_no_floor(floor: ParameterFloor) -> None:
    assert not floor.loosens(floor.central)
    assert floor.justification


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"misconduct_influence_months": 11}, "EXCL-DISCIPLINE"),
        ({"training_hours_required": 549}, "QUAL-TRAINING"),
        ({"probation_months": 11}, "PROB-TERM"),
        ({"recommendation_participation": Fraction(3, 5)}, "REC-PARTICIPATION"),
        ({"publicity_working_days": 4}, "PUB-DURATION"),
        ({"self_nomination_forward_days": 6}, "NOM-SELF-FORWARD"),
        ({"party_standing_years_county": 2}, "QUAL-PARTY-STANDING"),
        ({"party_standing_years_bureau": 4}, "QUAL-PARTY-STANDING"),
        ({"party_standing_years_township": -1}, "QUAL-PARTY-STANDING"),
        ({"dissatisfaction_cutoff": Decimal("0.31")}, "COMP-DISSATISFACTION"),
        ({"previous_unit_inspection": True, "previous_unit_years": 2}, "INS-PREVIOUS-UNIT"),
    ],
)
def test_loosening_a_floor_is_refused_with_both_rules(
    changes: dict[str, object], rule: str
) -> None:
    violations = floor_violations(params_from_dict(changes))
    assert [v.rule for v in violations] == [rule, "POL-FLOORS"]
    value = list(changes.values())[-1]
    assert str(value) in violations[0].detail
    assert violations[0].article == RULES[rule].source
    assert violations[1].article == RULES["POL-FLOORS"].source


def test_previous_unit_years_binds_only_when_enabled() -> None:
    assert floor_violations(params_from_dict({"previous_unit_years": 2})) == []
    assert floor_violations(params_from_dict({"previous_unit_years": 5})) == []
    on = {"previous_unit_inspection": True}
    assert floor_violations(params_from_dict({**on, "previous_unit_years": 3})) == []
    assert floor_violations(params_from_dict({**on, "previous_unit_years": 4})) == []


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"publicity_calendar_days": 0}, "PUB-DURATION"),
        ({"recommendation_participation": Fraction(4, 3)}, "REC-PARTICIPATION"),
        ({"dissatisfaction_cutoff": Decimal(0)}, "COMP-DISSATISFACTION"),
        ({"shortlist_size": 0}, "COMP-SHORTLIST"),
        ({"previous_unit_years": 0}, "INS-PREVIOUS-UNIT"),
        ({"self_nomination_forward_days": 0}, "NOM-SELF-FORWARD"),
    ],
)
def test_out_of_range_is_reported_without_pol_floors(changes: dict[str, object], rule: str) -> None:
    # Tighter than the floor but meaningless: a range error of the parameter's own rule.
    violations = floor_violations(params_from_dict(changes))
    assert [v.rule for v in violations] == [rule]
    value = next(iter(changes.values()))
    assert str(value) in violations[0].detail


@pytest.mark.parametrize(
    "changes",
    [
        {"publicity_working_days": 5},
        {"publicity_working_days": 10, "publicity_calendar_days": 7},
        {"probation_months": 24},
        {"recommendation_participation": Fraction(2, 3)},
        {"recommendation_participation": Fraction(1)},
        {"dissatisfaction_cutoff": Decimal("0.30")},
        {"dissatisfaction_cutoff": Decimal("0.0001")},
        {"shortlist_size": 1},
        {"shortlist_size": 10},
        {"party_standing_years_county": 5},
        {"training_hours_required": 550},
        {"misconduct_influence_months": 12},
        {"self_nomination_forward_days": 1},
        {"tenure_applies_to_township": True},
    ],
)
def test_at_or_above_the_floor_passes(changes: dict[str, object]) -> None:
    assert floor_violations(params_from_dict(changes)) == []


def test_weights_must_sum_to_exactly_one_and_be_non_negative() -> None:
    off = replace(CENTRAL, competitive_weights=(Decimal("0.3"), Decimal("0.3"), Decimal("0.3")))
    assert rules_of(off) == ["COMP-SCORE"]
    assert "0.9" in floor_violations(off)[0].detail
    negative = replace(
        CENTRAL, competitive_weights=(Decimal("-0.1"), Decimal("0.7"), Decimal("0.4"))
    )
    assert rules_of(negative) == ["COMP-SCORE"]
    ok = replace(CENTRAL, competitive_weights=(Decimal("0.25"), Decimal("0.25"), Decimal("0.5")))
    assert rules_of(ok) == []


def test_every_loosened_parameter_is_listed() -> None:
    p = replace(
        CENTRAL,
        publicity_working_days=3,
        probation_months=6,
        recommendation_participation=Fraction(1, 2),
        competitive_weights=(Decimal("0.5"), Decimal("0.5"), Decimal("0.5")),
    )
    assert rules_of(p) == [
        "PUB-DURATION",
        "POL-FLOORS",
        "PROB-TERM",
        "POL-FLOORS",
        "REC-PARTICIPATION",
        "POL-FLOORS",
        "COMP-SCORE",
    ]


def test_dict_round_trip_is_json_friendly() -> None:
    p = PRESETS["city-7-day-publicity"].params
    d = params_to_dict(p)
    assert d["competitive_weights"] == ["0.3", "0.3", "0.4"]
    assert d["dissatisfaction_cutoff"] == "0.30"
    assert d["recommendation_participation"] == "2/3"
    assert d["publicity_calendar_days"] == 7
    assert params_from_dict(json.loads(json.dumps(d))) == p


def test_from_dict_overlays_central() -> None:
    p = params_from_dict({"publicity_calendar_days": 7, "recommendation_participation": "3/4"})
    assert p == replace(
        CENTRAL, publicity_calendar_days=7, recommendation_participation=Fraction(3, 4)
    )
    assert params_from_dict({}) == CENTRAL
    assert params_from_dict({"dissatisfaction_cutoff": 0.3}).dissatisfaction_cutoff == Decimal(
        "0.3"
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"no_such_knob": 1},
        {"publicity_working_days": "5"},
        {"publicity_working_days": True},
        {"publicity_working_days": 5.0},
        {"secret_ballot": 1},
        {"competitive_weights": ["0.5", "0.5"]},
        {"competitive_weights": "0.3,0.3,0.4"},
        {"dissatisfaction_cutoff": "thirty"},
        {"dissatisfaction_cutoff": "NaN"},
        {"recommendation_participation": "two thirds"},
        {"recommendation_participation": "1/0"},
        {"recommendation_participation": 0.66},
        {"publicity_calendar_days": "7"},
        {"tenure_applies_to_township": "yes"},
    ],
)
def test_from_dict_rejects_unknown_keys_and_bad_types(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        params_from_dict(bad)
