from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from app.domain.competitive import Competitor, Ranked, display_total, rank, total
from app.domain.errors import InvalidInput
from app.domain.policy import CENTRAL, PRESETS

POLICY = PRESETS["district-competitive-334"].params


def comp(
    key: str,
    written: str,
    interview: str = "80",
    evaluation: str = "80",
    dissatisfaction: str = "0.1",
    canvassing: bool = False,
) -> Competitor:
    return Competitor(
        key=key,
        written=Decimal(written),
        interview=Decimal(interview),
        evaluation=Decimal(evaluation),
        dissatisfaction=Decimal(dissatisfaction),
        canvassing=canvassing,
    )


def by_key(ranked: list[Ranked]) -> dict[str, Ranked]:
    return {r.key: r for r in ranked}


def test_weights_3_3_4_give_the_right_total() -> None:
    c = comp("a", "80", "90", "70")
    assert total(c, POLICY.competitive_weights) == Decimal("79.0")
    (r,) = rank([c], POLICY)
    assert r.total == Decimal("79.0")
    assert r.total_display == Decimal("79.00")
    assert "79.00" in r.detail


def test_total_is_exact_and_display_rounds_half_up() -> None:
    c = comp("a", "80.05", "0", "0")
    assert total(c, POLICY.competitive_weights) == Decimal("24.015")
    assert display_total(Decimal("24.015")) == Decimal("24.02")
    assert display_total(Decimal("24.005")) == Decimal("24.01")


def test_other_weights_come_from_the_policy() -> None:
    policy = replace(CENTRAL, competitive_weights=(Decimal("0.5"), Decimal("0.5"), Decimal(0)))
    (r,) = rank([comp("a", "80", "90", "70")], policy)
    assert r.total == Decimal("85.0")


def test_three_competitors_all_go_on() -> None:
    ranked = rank([comp("a", "60"), comp("b", "90"), comp("c", "70")], POLICY)
    assert [r.key for r in ranked] == ["b", "c", "a"]
    assert [r.rank for r in ranked] == [1, 2, 3]
    assert all(r.shortlisted and r.excluded_rule is None for r in ranked)


def test_four_keep_the_top_three() -> None:
    ranked = by_key(
        rank([comp(k, s) for k, s in zip("abcd", ["60", "90", "70", "80"], strict=True)], POLICY)
    )
    assert {k for k, r in ranked.items() if r.shortlisted} == {"b", "d", "c"}
    assert not ranked["a"].shortlisted
    assert ranked["a"].rank == 4
    assert "not shortlisted" in ranked["a"].detail


@pytest.mark.parametrize(
    ("rate", "excluded"),
    [("0.30", False), ("0.3", False), ("0.301", True), ("0.2999", False), ("1", True)],
)
def test_dissatisfaction_cut_off(rate: str, excluded: bool) -> None:
    (r,) = rank([comp("a", "80", dissatisfaction=rate)], POLICY)
    assert (r.excluded_rule == "COMP-DISSATISFACTION") is excluded
    assert r.shortlisted is not excluded


def test_exactly_30_percent_stays_and_30_1_goes_from_a_shortlist() -> None:
    ranked = by_key(
        rank(
            [
                comp("top", "99", dissatisfaction="0.301"),
                comp("edge", "90", dissatisfaction="0.30"),
                comp("b", "70"),
                comp("c", "60"),
            ],
            POLICY,
        )
    )
    assert ranked["top"].excluded_rule == "COMP-DISSATISFACTION"
    assert not ranked["top"].shortlisted
    assert "30.1% > cut-off 30%" in ranked["top"].detail
    assert ranked["top"].rank == 1  # the rank reflects the score; exclusion is separate
    # Only three remain eligible, so all three go on.
    assert {k for k, r in ranked.items() if r.shortlisted} == {"edge", "b", "c"}


def test_canvassing_excludes() -> None:
    ranked = by_key(
        rank([comp("a", "95", canvassing=True), comp("b", "60"), comp("c", "50")], POLICY)
    )
    assert ranked["a"].excluded_rule == "COMP-CANVASSING"
    assert not ranked["a"].shortlisted
    assert ranked["b"].shortlisted
    assert ranked["c"].shortlisted


def test_canvassing_names_the_rule_when_both_apply() -> None:
    (r,) = rank([comp("a", "95", dissatisfaction="0.5", canvassing=True)], POLICY)
    assert r.excluded_rule == "COMP-CANVASSING"
    assert "COMP-DISSATISFACTION" in r.detail


def test_ties_share_a_rank_and_a_tie_at_the_cut_line_shortlists_all_tied() -> None:
    ranked = by_key(
        rank(
            [comp("a", "90"), comp("b", "80"), comp("c", "70"), comp("d", "70"), comp("e", "60")],
            POLICY,
        )
    )
    assert [ranked[k].rank for k in "abcde"] == [1, 2, 3, 3, 5]
    assert {k for k, r in ranked.items() if r.shortlisted} == {"a", "b", "c", "d"}


def test_shortlist_size_comes_from_the_policy() -> None:
    policy = replace(POLICY, shortlist_size=1)
    ranked = rank([comp("a", "90"), comp("b", "80")], policy)
    assert [r.shortlisted for r in ranked] == [True, False]


def test_the_dissatisfaction_cut_off_comes_from_the_policy() -> None:
    policy = replace(POLICY, dissatisfaction_cutoff=Decimal("0.20"))
    (r,) = rank([comp("a", "90", dissatisfaction="0.25")], policy)
    assert r.excluded_rule == "COMP-DISSATISFACTION"


def test_no_competitors() -> None:
    assert rank([], POLICY) == []


@pytest.mark.parametrize(
    "competitors",
    [
        [comp("a", "80"), comp("a", "70")],  # duplicate key
        [comp("a", "-1")],
        [comp("a", "NaN")],
        [comp("a", "80", dissatisfaction="1.2")],
        [comp("a", "80", dissatisfaction="-0.1")],
    ],
)
def test_invalid_competitors(competitors: list[Competitor]) -> None:
    with pytest.raises(InvalidInput):
        rank(competitors, POLICY)


def test_invalid_policy_weights_are_refused() -> None:
    policy = replace(CENTRAL, competitive_weights=(Decimal("0.3"), Decimal("0.3"), Decimal("0.3")))
    with pytest.raises(InvalidInput) as err:
        rank([comp("a", "80")], policy)
    assert err.value.rule == "COMP-SCORE"
