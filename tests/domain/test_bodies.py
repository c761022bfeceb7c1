"""DEC-ROSTER in the pure domain: the roster on a day, overlapping memberships, dates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from app.domain.bodies import (
    EARLIEST,
    BodyKind,
    Membership,
    Roster,
    RosterMember,
    check_no_overlap,
    check_span,
    overlaps,
    roster_on,
    same_person,
    serving_on,
)
from app.domain.errors import InvalidInput

D = date(2026, 3, 2)
DAY = timedelta(days=1)


def m(
    joined: date, left: date | None = None, name: str = "李明", cid: uuid.UUID | None = None
) -> Membership:
    return Membership(name=name, candidate_id=cid, joined_on=joined, left_on=left)


def test_kinds_have_chinese_names() -> None:
    assert BodyKind.STANDING_COMMITTEE.chinese == "党委常委会"
    assert BodyKind.FULL_COMMITTEE.chinese == "全委会"
    assert BodyKind.PARTY_GROUP.chinese == "党组"
    assert all(k.chinese for k in BodyKind)
    assert BodyKind("full_committee") is BodyKind.FULL_COMMITTEE


def test_joined_on_is_the_first_day_on_the_roster() -> None:
    member = m(D)
    assert not serving_on(member, D - DAY)
    assert serving_on(member, D)
    assert serving_on(member, D + 1000 * DAY)


def test_left_on_is_the_first_day_off_the_roster() -> None:
    member = m(D - 10 * DAY, D)
    assert serving_on(member, D - DAY)
    assert not serving_on(member, D)
    assert not serving_on(member, D + DAY)


def test_one_day_membership() -> None:
    member = m(D, D + DAY)
    assert [serving_on(member, d) for d in (D - DAY, D, D + DAY)] == [False, True, False]


def test_roster_on_keeps_order_and_filters() -> None:
    a, b, c = m(D - 5 * DAY, name="甲"), m(D, name="乙"), m(D - 5 * DAY, D, name="丙")
    assert roster_on([a, b, c], D - DAY) == [a, c]
    assert roster_on([a, b, c], D) == [a, b]
    assert roster_on([], D) == []


def test_overlaps_of_half_open_spans() -> None:
    assert not overlaps(m(D - 5 * DAY, D), m(D))  # leaving day = next joining day: adjacent
    assert overlaps(m(D - 5 * DAY, D + DAY), m(D))  # one shared day
    assert overlaps(m(D - 5 * DAY), m(D))  # open-ended covers everything after
    assert overlaps(m(D), m(D - 5 * DAY))
    assert not overlaps(m(D, D + DAY), m(D + DAY, D + 2 * DAY))
    assert overlaps(m(D, D + DAY), m(D, D + DAY))


def test_same_person_by_registry_id_then_by_name() -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    assert same_person(m(D, cid=one), m(D, name="别名", cid=one))
    assert not same_person(m(D, cid=one), m(D, cid=two))  # registry namesakes are two people
    assert same_person(m(D), m(D))
    assert same_person(m(D), m(D, cid=one))  # an unlinked duplicate of a linked member
    assert not same_person(m(D, name="甲"), m(D, name="乙"))


def test_overlap_is_refused_with_the_rule() -> None:
    existing = [m(D - 30 * DAY, D - 10 * DAY), m(D - 5 * DAY, name="王芳")]
    check_no_overlap(m(D - 10 * DAY, D - 6 * DAY), existing)  # between: fine
    with pytest.raises(InvalidInput) as err:
        check_no_overlap(m(D - 11 * DAY), existing)
    assert err.value.rule == "DEC-ROSTER"
    with pytest.raises(InvalidInput):
        check_no_overlap(m(D, name="王芳"), existing)


def test_dates_between_founding_and_today() -> None:
    check_span(EARLIEST, None, D)
    check_span(D, None, D)
    check_span(D - DAY, D, D)
    for joined, left in [
        (EARLIEST - DAY, None),
        (D + DAY, None),
        (D - DAY, D + DAY),
        (D - DAY, D - DAY),  # leaves on the joining day: never a member
        (D, D - DAY),
    ]:
        with pytest.raises(InvalidInput):
            check_span(joined, left, D)


def test_roster_value() -> None:
    members = (RosterMember(uuid.uuid4(), "甲", None, "书记"),)
    r = Roster(uuid.uuid4(), BodyKind.STANDING_COMMITTEE, D, members)
    assert r.size == 1
    assert r.ids == {members[0].id}
    with pytest.raises(AttributeError):
        r.day = D + DAY  # type: ignore[misc]
