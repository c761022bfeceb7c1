from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from app.domain.errors import InvalidInput
from app.domain.policy import (
    CENTRAL,
    PRESETS,
    PolicyParams,
    Preset,
    floor_violations,
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
    assert floor_violations(replace(CENTRAL, secret_ballot=False)) == []


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"publicity_working_days": 4}, "PUB-DURATION"),
        ({"publicity_calendar_days": 0}, "PUB-DURATION"),
        ({"probation_months": 11}, "PROB-TERM"),
        ({"recommendation_participation": Fraction(3, 5)}, "REC-PARTICIPATION"),
        ({"recommendation_participation": Fraction(4, 3)}, "REC-PARTICIPATION"),
        ({"dissatisfaction_cutoff": Decimal(0)}, "COMP-DISSATISFACTION"),
        ({"dissatisfaction_cutoff": Decimal("1.01")}, "COMP-DISSATISFACTION"),
        ({"shortlist_size": 0}, "COMP-SHORTLIST"),
        ({"previous_unit_years": 0}, "INS-PREVIOUS-UNIT"),
        ({"self_nomination_forward_days": 0}, "NOM-SELF-FORWARD"),
        ({"misconduct_influence_months": 0}, "EXCL-DISCIPLINE"),
        ({"training_hours_required": -1}, "QUAL-TRAINING"),
        ({"party_standing_years_county": 2}, "QUAL-PARTY-STANDING"),
        ({"party_standing_years_bureau": 4}, "QUAL-PARTY-STANDING"),
    ],
)
def test_loosening_a_floor_is_reported(changes: dict[str, object], rule: str) -> None:
    p = params_from_dict(changes)
    violations = floor_violations(p)
    assert [v.rule for v in violations] == [rule]
    value = next(iter(changes.values()))
    assert str(value) in violations[0].detail
    assert violations[0].article == RULES[rule].source


@pytest.mark.parametrize(
    "changes",
    [
        {"publicity_working_days": 5},
        {"publicity_working_days": 10, "publicity_calendar_days": 7},
        {"probation_months": 24},
        {"recommendation_participation": Fraction(2, 3)},
        {"recommendation_participation": Fraction(1)},
        {"dissatisfaction_cutoff": Decimal(1)},
        {"shortlist_size": 1},
        {"party_standing_years_county": 5},
        {"training_hours_required": 0},
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
    assert sorted(rules_of(p)) == ["COMP-SCORE", "PROB-TERM", "PUB-DURATION", "REC-PARTICIPATION"]


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
    ],
)
def test_from_dict_rejects_unknown_keys_and_bad_types(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        params_from_dict(bad)
