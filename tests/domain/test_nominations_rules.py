"""The nomination rules on plain values (app/domain/nominations.py), each at its limits.

Working days follow chinesecalendar (State Council schedules): 2026-03-02 is a Monday; 2026
National Day is Oct 1–7 off with a make-up working Saturday on Oct 10.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from app.domain import nominations as n
from app.domain.enums import Role
from app.domain.errors import Conflict, Forbidden, InvalidInput
from app.domain.nominations import NominationKind, NominationStatus, SelfChannel
from app.domain.rules import RULES

AUTHOR = uuid.uuid4()  # the cadre's principal
NOMINEE = uuid.uuid4()  # the cadre's own record
LEADER = uuid.uuid4()  # the unit party leader it is lodged with
MONDAY = date(2026, 3, 2)


def self_nomination(**over: Any) -> n.NominationFacts:
    base = n.NominationFacts(
        kind=NominationKind.SELF,
        status=NominationStatus.LODGED,
        candidate_id=NOMINEE,
        lodged_by=AUTHOR,
        leader_id=LEADER,
    )
    return replace(base, **over)


# --- rules cited in the record --------------------------------------------------------------------


def test_every_cited_rule_is_in_the_catalog() -> None:
    for rules in (n.CHANNEL_RULES, n.SIGNED_RULES, n.FORWARD_RULES):
        assert set(rules) <= set(RULES)


@pytest.mark.parametrize(
    ("kind", "rules"),
    [
        (NominationKind.SELF, ("NOM-SELF-CHANNEL",)),
        (NominationKind.SIGNED, ("NOM-SIGNED",)),
        (NominationKind.ORGANISATIONAL, ()),
        (NominationKind.FULL_COMMITTEE, ()),
    ],
)
def test_lodge_rules_per_kind(kind: NominationKind, rules: tuple[str, ...]) -> None:
    assert n.lodge_rules(kind) == rules


# --- NOM-SELF-CHANNEL ---------------------------------------------------------------------------


def choice(channel: SelfChannel, **over: Any) -> n.ChannelChoice:
    base = n.ChannelChoice(
        channel=channel,
        author_id=AUTHOR,
        leader_id=LEADER,
        leader_roles=frozenset({Role.UNIT_PARTY_LEADER.value}),
    )
    return replace(base, **over)


def test_a_named_unit_party_leader_is_a_valid_channel() -> None:
    assert n.channel_violations(choice(SelfChannel.UNIT_PARTY_LEADER)) == []
    # Other roles besides do not matter.
    both = frozenset({Role.UNIT_PARTY_LEADER.value, Role.COMMITTEE_SECRETARY.value})
    assert n.channel_violations(choice(SelfChannel.UNIT_PARTY_LEADER, leader_roles=both)) == []


@pytest.mark.parametrize("channel", [SelfChannel.ORG_DEPARTMENT, SelfChannel.MAIN_CITY_LEADER])
def test_the_direct_channels_name_no_leader(channel: SelfChannel) -> None:
    assert n.channel_violations(choice(channel, leader_id=None, leader_roles=None)) == []
    [v] = n.channel_violations(choice(channel))
    assert v.rule == "NOM-SELF-CHANNEL"
    assert v.detail == "leader_id is only given with the channel unit_party_leader"


@pytest.mark.parametrize(
    ("over", "detail"),
    [
        (
            {"leader_id": None, "leader_roles": None},
            "a self-nomination lodged with the unit party leader names that leader "
            "(leader_id, a principal with the role unit_party_leader)",
        ),
        ({"leader_roles": None}, f"leader_id {LEADER} is not a unit party leader"),
        (
            {"leader_roles": frozenset({Role.COMMITTEE_SECRETARY.value})},
            f"leader_id {LEADER} is not a unit party leader",
        ),
        ({"leader_roles": frozenset()}, f"leader_id {LEADER} is not a unit party leader"),
        ({"author_id": LEADER}, "a self-nomination cannot be lodged with yourself"),
    ],
    ids=["no-leader", "nobody", "not-a-leader", "no-roles", "oneself"],
)
def test_the_unit_party_leader_channel_refusals(over: dict[str, Any], detail: str) -> None:
    [v] = n.channel_violations(choice(SelfChannel.UNIT_PARTY_LEADER, **over))
    assert (v.rule, v.detail) == ("NOM-SELF-CHANNEL", detail)
    assert v.article == RULES["NOM-SELF-CHANNEL"].source


def test_a_leader_who_is_not_one_and_is_the_author_reports_the_role_only() -> None:
    # One violation at a time: whether it is oneself matters only for a real leader.
    bad = choice(SelfChannel.UNIT_PARTY_LEADER, author_id=LEADER, leader_roles=frozenset())
    assert [v.detail for v in n.channel_violations(bad)] == [
        f"leader_id {LEADER} is not a unit party leader"
    ]


# --- NOM-SIGNED ---------------------------------------------------------------------------------

COMPLETE = n.SignedRecommendation(
    statement="推荐材料：该同志担当作为", signer_name="李某", signer_post="市委常委", signed=True
)
PREFIX = "a signed recommendation must be written and signed: "


def test_a_complete_signed_recommendation_passes() -> None:
    assert n.signed_violations(COMPLETE) == []
    # One visible character is enough for each text.
    assert (
        n.signed_violations(replace(COMPLETE, statement="x", signer_name="王", signer_post="y"))
        == []
    )


@pytest.mark.parametrize(
    ("over", "element"),
    [
        ({"statement": ""}, "the written material (statement) of the recommendation"),
        ({"statement": " \t\n"}, "the written material (statement) of the recommendation"),
        ({"signer_name": ""}, "the signer's name (signer_name)"),
        ({"signer_name": "   "}, "the signer's name (signer_name)"),
        ({"signer_post": ""}, "the signer's post (signer_post)"),
        ({"signed": False}, "the signer's signature (signed: true)"),
    ],
    ids=["no-material", "blank-material", "no-name", "blank-name", "no-post", "not-signed"],
)
def test_each_missing_element_alone(over: dict[str, Any], element: str) -> None:
    [v] = n.signed_violations(replace(COMPLETE, **over))
    assert (v.rule, v.detail) == ("NOM-SIGNED", PREFIX + element)


def test_every_missing_element_is_listed_at_once() -> None:
    bare = n.SignedRecommendation(statement="", signer_name="", signer_post="", signed=False)
    found = n.signed_violations(bare)
    assert [v.rule for v in found] == ["NOM-SIGNED"] * 4
    assert [v.detail for v in found] == [
        PREFIX + "the written material (statement) of the recommendation",
        PREFIX + "the signer's name (signer_name)",
        PREFIX + "the signer's post (signer_post)",
        PREFIX + "the signer's signature (signed: true)",
    ]
    assert {v.article for v in found} == {RULES["NOM-SIGNED"].source}


# --- routing and the NOM-SELF-FORWARD deadline ----------------------------------------------------


@pytest.mark.parametrize(
    ("lodged_on", "days", "deadline"),
    [
        (MONDAY, 5, date(2026, 3, 9)),  # central policy: one working week, Monday to Monday
        (MONDAY, 3, date(2026, 3, 5)),  # Nanyang: 3 working days
        (MONDAY, 1, date(2026, 3, 3)),  # the day of lodging never counts
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday: the weekend does not count
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # lodged on a Saturday
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # across the National Day holiday
        (date(2026, 10, 9), 1, date(2026, 10, 10)),  # a make-up Saturday is a working day
    ],
)
def test_forward_deadline_counts_official_working_days(
    lodged_on: date, days: int, deadline: date
) -> None:
    assert n.forward_deadline(lodged_on, days) == deadline


def test_forward_deadline_needs_at_least_one_day() -> None:
    with pytest.raises(InvalidInput):
        n.forward_deadline(MONDAY, 0)


def test_self_routing() -> None:
    assert n.self_routing(SelfChannel.UNIT_PARTY_LEADER, MONDAY, 5) == n.Routing(
        NominationStatus.LODGED, date(2026, 3, 9)
    )
    for channel in (SelfChannel.ORG_DEPARTMENT, SelfChannel.MAIN_CITY_LEADER):
        assert n.self_routing(channel, MONDAY, 5) == n.Routing(NominationStatus.RECEIVED, None)
    assert n.Routing(NominationStatus.RECEIVED, None) == n.RECEIVED_AT_ONCE


def test_forwarding_on_the_deadline_is_on_time_and_a_day_later_is_late() -> None:
    deadline = n.forward_deadline(MONDAY, 5)
    assert not n.is_late(deadline, MONDAY)
    assert not n.is_late(deadline, deadline)
    assert n.is_late(deadline, deadline + timedelta(days=1))
    assert n.days_overdue(deadline, deadline) == 0
    assert n.days_overdue(deadline, deadline - timedelta(days=3)) == 0
    assert n.days_overdue(deadline, deadline + timedelta(days=1)) == 1
    assert n.days_overdue(deadline, deadline + timedelta(days=10)) == 10


def test_the_interception_cutoff_is_the_same_rule_as_lateness() -> None:
    today = date(2026, 3, 10)
    assert n.latest_overdue_deadline(today) == date(2026, 3, 9)
    for offset in range(-3, 4):
        deadline = today + timedelta(days=offset)
        assert (deadline <= n.latest_overdue_deadline(today)) is n.is_late(deadline, today)


def test_only_the_leader_it_was_lodged_with_forwards_it_while_it_waits() -> None:
    n.check_forward(self_nomination(), LEADER)
    with pytest.raises(Forbidden, match="only the unit party leader it was lodged with"):
        n.check_forward(self_nomination(), uuid.uuid4())
    with pytest.raises(Forbidden):
        n.check_forward(self_nomination(), None)
    with pytest.raises(Forbidden):  # received directly: nobody forwards it
        n.check_forward(self_nomination(leader_id=None, status=NominationStatus.RECEIVED), None)
    with pytest.raises(Conflict, match="the nomination is forwarded; only a lodged one"):
        n.check_forward(self_nomination(status=NominationStatus.FORWARDED), LEADER)


# --- the review steps ---------------------------------------------------------------------------


@pytest.mark.parametrize("step", [n.REVIEW, n.ADMIT, n.DECLINE], ids=lambda s: s.done)
def test_nothing_is_done_with_a_self_nomination_still_with_the_leader(step: n.ReviewStep) -> None:
    with pytest.raises(Conflict) as exc:
        n.check_review_step(NominationStatus.LODGED, step)
    assert exc.value.rule == "NOM-SELF-FORWARD"
    assert exc.value.detail == (
        "the self-nomination is still with the unit party leader; it can be "
        f"{step.done} only after it is forwarded to the organisation department"
    )


@pytest.mark.parametrize(
    ("step", "allowed", "to"),
    [
        (
            n.REVIEW,
            {NominationStatus.FORWARDED, NominationStatus.RECEIVED},
            NominationStatus.UNDER_REVIEW,
        ),
        (n.ADMIT, {NominationStatus.UNDER_REVIEW}, NominationStatus.ADMITTED),
        (n.DECLINE, {NominationStatus.UNDER_REVIEW}, NominationStatus.DECLINED),
    ],
    ids=["review", "admit", "decline"],
)
def test_each_review_step_from_each_status(
    step: n.ReviewStep, allowed: set[NominationStatus], to: NominationStatus
) -> None:
    assert step.to is to
    for status in set(NominationStatus) - {NominationStatus.LODGED}:
        if status in allowed:
            n.check_review_step(status, step)
            continue
        with pytest.raises(Conflict) as exc:
            n.check_review_step(status, step)
        assert exc.value.rule is None
        assert exc.value.detail.startswith(f"the nomination is {status.value}; it can be ")


def test_the_review_refusal_names_the_allowed_statuses_in_order() -> None:
    with pytest.raises(Conflict) as exc:
        n.check_review_step(NominationStatus.UNDER_REVIEW, n.REVIEW)
    assert exc.value.detail == (
        "the nomination is under_review; it can be reviewed only when forwarded or received"
    )


# --- evidence files -----------------------------------------------------------------------------


def test_only_the_author_adds_evidence_and_only_before_the_review() -> None:
    for status in (
        NominationStatus.LODGED,
        NominationStatus.FORWARDED,
        NominationStatus.RECEIVED,
    ):
        n.check_attachable(self_nomination(status=status), AUTHOR)
    for status in (
        NominationStatus.UNDER_REVIEW,
        NominationStatus.ADMITTED,
        NominationStatus.DECLINED,
    ):
        with pytest.raises(Conflict, match="evidence is added before the review starts"):
            n.check_attachable(self_nomination(status=status), AUTHOR)
    with pytest.raises(Forbidden):
        n.check_attachable(self_nomination(), LEADER)
    with pytest.raises(Forbidden):
        n.check_attachable(self_nomination(), None)


def test_at_most_twenty_files() -> None:
    n.check_room_for_attachment(0)
    n.check_room_for_attachment(n.MAX_ATTACHMENTS - 1)
    with pytest.raises(Conflict, match="at most 20 files"):
        n.check_room_for_attachment(n.MAX_ATTACHMENTS)


# --- NOM-SELF-CONFIDENTIAL ----------------------------------------------------------------------

CASE_READER = n.Reader(
    principal_id=uuid.uuid4(), candidate_id=None, reads_confidential=False, reads_cases=True
)
ORG = n.Reader(
    principal_id=uuid.uuid4(), candidate_id=None, reads_confidential=True, reads_cases=True
)
THE_AUTHOR = n.Reader(
    principal_id=AUTHOR, candidate_id=NOMINEE, reads_confidential=False, reads_cases=False
)
THE_LEADER = n.Reader(
    principal_id=LEADER, candidate_id=None, reads_confidential=False, reads_cases=False
)
OTHER_LEADER = replace(THE_LEADER, principal_id=uuid.uuid4())
OTHER_CADRE = replace(THE_AUTHOR, principal_id=uuid.uuid4(), candidate_id=uuid.uuid4())
# The nominee's record linked to another principal: still the nominee, so still the author.
NOMINEE_ELSEWHERE = replace(THE_AUTHOR, principal_id=uuid.uuid4())
NOBODY = n.Reader(principal_id=None, candidate_id=None, reads_confidential=False, reads_cases=False)

LODGED = self_nomination()
FORWARDED = self_nomination(status=NominationStatus.FORWARDED)
DIRECT = self_nomination(status=NominationStatus.RECEIVED, leader_id=None)
# A signed recommendation of the same cadre, lodged by the leader.
SIGNED = n.NominationFacts(
    kind=NominationKind.SIGNED,
    status=NominationStatus.RECEIVED,
    candidate_id=NOMINEE,
    lodged_by=LEADER,
)

READERS = {
    "org": ORG,
    "case-reader": CASE_READER,
    "author": THE_AUTHOR,
    "nominee-elsewhere": NOMINEE_ELSEWHERE,
    "leader": THE_LEADER,
    "other-leader": OTHER_LEADER,
    "other-cadre": OTHER_CADRE,
    "nobody": NOBODY,
}
NOMINATIONS = {"lodged": LODGED, "forwarded": FORWARDED, "direct": DIRECT, "signed": SIGNED}
SEES = {
    "org": {"lodged", "forwarded", "direct", "signed"},
    "case-reader": {"signed"},
    "author": {"lodged", "forwarded", "direct"},
    "nominee-elsewhere": {"lodged", "forwarded", "direct"},
    "leader": {"lodged", "signed"},  # the self-nomination until forwarded; what they lodged
    "other-leader": set(),
    "other-cadre": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_who_sees_which_nomination(reader: str) -> None:
    seen = {name for name, x in NOMINATIONS.items() if n.may_see(READERS[reader], x)}
    assert seen == SEES[reader]


@pytest.mark.parametrize("reader", sorted(READERS))
def test_confidentiality_violations_only_for_hidden_self_nominations(reader: str) -> None:
    for name, x in NOMINATIONS.items():
        found = n.confidentiality_violations(READERS[reader], x)
        hidden_self = x.kind is NominationKind.SELF and name not in SEES[reader]
        assert [v.rule for v in found] == (["NOM-SELF-CONFIDENTIAL"] if hidden_self else [])


def test_grants_are_plain_criteria() -> None:
    assert n.grants(ORG) == (n.EVERYTHING,)
    assert n.grants(NOBODY) == ()
    assert n.EVERYTHING.admits(SIGNED)
    assert n.EVERYTHING.admits(LODGED)
    assert n.grants(CASE_READER)[0] == n.Grant(self_kind=False)
    assert n.Grant(self_kind=True, leader_id=LEADER, status=NominationStatus.LODGED) in n.grants(
        THE_LEADER
    )
