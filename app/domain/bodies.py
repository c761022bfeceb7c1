"""Decision bodies (决策机构) and their dated rosters (DEC-ROSTER).

The members who should attend a decision meeting (应到会成员) are the body's roster on the
meeting day, kept as data: each membership runs from `joined_on` (the first day as a member)
to `left_on` (the first day no longer a member; None while still serving). DEC-QUORUM,
DEC-MAJORITY and DEC-RECONSIDER count against that roster, never against a typed number.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, TypeVar

from app.domain.errors import InvalidInput, Violation

# Nothing about the People's Republic's cadre bodies is dated before its founding.
EARLIEST = date(1949, 10, 1)


class BodyKind(StrEnum):
    """The kind of body that decides appointments (讨论决定)."""

    STANDING_COMMITTEE = "standing_committee"  # 党委常委会
    PARTY_GROUP = "party_group"  # 党组（党委）会议
    FULL_COMMITTEE = "full_committee"  # 党委全体会议（全委会）
    DEPARTMENT_MEETING = "department_meeting"  # 部务会（部委会、局务会等）
    OTHER = "other"  # 其他领导班子会议

    @property
    def chinese(self) -> str:
        return _CHINESE[self]


_CHINESE: dict[BodyKind, str] = {
    BodyKind.STANDING_COMMITTEE: "党委常委会",
    BodyKind.PARTY_GROUP: "党组",
    BodyKind.FULL_COMMITTEE: "全委会",
    BodyKind.DEPARTMENT_MEETING: "部务会",
    BodyKind.OTHER: "其他领导班子会议",
}


@dataclass(frozen=True, slots=True)
class RosterMember:
    """One member of a body on a given day (who should attend, 应到会成员)."""

    id: uuid.UUID  # the membership id: attendance, recusals and votes name it
    name: str
    candidate_id: uuid.UUID | None  # set when the member is also a cadre in the registry
    title: str  # e.g. 书记, 副书记, 常委


@dataclass(frozen=True, slots=True)
class Roster:
    """A decision body's members on one day (DEC-ROSTER)."""

    body_id: uuid.UUID
    kind: BodyKind
    day: date
    members: tuple[RosterMember, ...]

    @property
    def ids(self) -> frozenset[uuid.UUID]:
        return frozenset(m.id for m in self.members)

    @property
    def size(self) -> int:
        """The number of members who should attend (应到会人数)."""
        return len(self.members)


class Tenure(Protocol):
    """Anything with membership dates (a stored membership row, a test value)."""

    @property
    def joined_on(self) -> date: ...
    @property
    def left_on(self) -> date | None: ...


T = TypeVar("T", bound=Tenure)


def serving_on(member: Tenure, day: date) -> bool:
    """On the roster on `day`: joined on or before it and not yet left (left_on is exclusive)."""
    return member.joined_on <= day and (member.left_on is None or day < member.left_on)


def roster_on(members: Iterable[T], day: date) -> list[T]:
    """The members on the roster on `day`, in the order given."""
    return [m for m in members if serving_on(m, day)]


def overlaps(a: Tenure, b: Tenure) -> bool:
    """Two half-open spans [joined_on, left_on) share at least one day."""
    a_before_b_ends = b.left_on is None or a.joined_on < b.left_on
    b_before_a_ends = a.left_on is None or b.joined_on < a.left_on
    return a_before_b_ends and b_before_a_ends


@dataclass(frozen=True, slots=True)
class Membership:
    """A membership as the overlap rule sees it."""

    name: str
    candidate_id: uuid.UUID | None
    joined_on: date
    left_on: date | None = None


def same_person(a: Membership, b: Membership) -> bool:
    """The same cadre: the same registry id; without one on either side, the same name.

    A member linked to the registry and an unlinked member of the same name are taken to be one
    person (an unlinked duplicate would escape recusal detection); two registry-linked namesakes
    are two people.
    """
    if a.candidate_id is not None and b.candidate_id is not None:
        return a.candidate_id == b.candidate_id
    return a.name == b.name


def check_day(what: str, day: date, today: date) -> None:
    """A membership date lies between the founding (1949-10-01) and today (China time)."""
    if day < EARLIEST:
        raise InvalidInput(f"{what} {day} is before {EARLIEST}")
    if day > today:
        raise InvalidInput(f"{what} {day} is after today ({today}); record it on the day")


def check_span(joined_on: date, left_on: date | None, today: date) -> None:
    """Both dates valid, and a member leaves after joining (left_on is the first day out)."""
    check_day("joined_on", joined_on, today)
    if left_on is not None:
        check_day("left_on", left_on, today)
        if left_on <= joined_on:
            raise InvalidInput(
                f"left_on {left_on} must be after joined_on {joined_on} (left_on is the first "
                "day no longer a member)"
            )


def check_no_overlap(new: Membership, existing: Sequence[Membership]) -> None:
    """DEC-ROSTER: one person holds at most one membership of a body on any day."""
    for old in existing:
        if same_person(new, old) and overlaps(new, old):
            until = f"until {old.left_on}" if old.left_on else "with no leaving date"
            raise InvalidInput(
                f"{new.name} is already a member of this body from {old.joined_on} {until}; "
                "memberships of one person must not overlap",
                rule="DEC-ROSTER",
            )


def attendance_violations(roster: Roster, ids: Sequence[uuid.UUID], what: str) -> list[Violation]:
    """DEC-ROSTER: attendance names members of the body's roster on the meeting day."""
    if not roster.members:
        return [Violation("DEC-ROSTER", f"the body has no members on {roster.day}")]
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"{what} names a member twice")
    strangers = [str(i) for i in ids if i not in roster.ids]
    if strangers:
        return [
            Violation(
                "DEC-ROSTER",
                f"{what} names people who are not members of the body on {roster.day}: "
                + ", ".join(strangers),
            )
        ]
    return []
