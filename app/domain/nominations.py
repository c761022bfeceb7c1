"""Nominations (推荐、自荐): NOM-SIGNED, NOM-SELF-CHANNEL, NOM-SELF-FORWARD, NOM-SELF-CONFIDENTIAL.

Four kinds of nomination bring a cadre to the organisation department's attention; they share
one lifecycle:

    self-nomination via the unit party leader:  lodged -> forwarded -> under_review -> ...
    every other kind and channel:               received -> under_review -> ...
    ... -> admitted (to a case's candidate pool) | declined

Everything here works on plain values (the frozen dataclasses below); the services load the rows,
call these functions and persist what they answer. A refusal is a `list[Violation]` (the caller
raises them together) or a domain error raised here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.calendar import add_working_days
from app.domain.enums import Role
from app.domain.errors import CalendarNotCovered, Conflict, Forbidden, Violation


class NominationKind(StrEnum):
    """The four ways a cadre enters the organisation's view (推荐方式)."""

    SELF = "self"  # 自荐
    SIGNED = "signed"  # 领导干部署名推荐
    ORGANISATIONAL = "organisational"  # 组织推荐
    FULL_COMMITTEE = "full_committee"  # 全委会推荐


class NominationStatus(StrEnum):
    LODGED = "lodged"  # 已提交单位党组织负责同志，待转递
    FORWARDED = "forwarded"  # 已转递组织部
    RECEIVED = "received"  # 组织部已收到
    UNDER_REVIEW = "under_review"  # 分析研判中
    ADMITTED = "admitted"  # 已纳入人选库
    DECLINED = "declined"  # 不予采纳


class SelfChannel(StrEnum):
    """NOM-SELF-CHANNEL: the three channels of a self-nomination (seed 000)."""

    UNIT_PARTY_LEADER = "unit_party_leader"  # 向单位党组织负责同志自荐
    ORG_DEPARTMENT = "org_department"  # 向市委组织部自荐
    MAIN_CITY_LEADER = "main_city_leader"  # 向市委主要领导自荐


# The rules a step is checked against, cited in that step's record (纪实) entry.
CHANNEL_RULES: tuple[str, ...] = ("NOM-SELF-CHANNEL",)
SIGNED_RULES: tuple[str, ...] = ("NOM-SIGNED",)
FORWARD_RULES: tuple[str, ...] = ("NOM-SELF-FORWARD",)


def lodge_rules(kind: NominationKind) -> tuple[str, ...]:
    """The rules a lodging of `kind` is checked against. Organisational and full-committee
    nominations come from the organisation itself; no rule of the book governs their form."""
    if kind is NominationKind.SELF:
        return CHANNEL_RULES
    if kind is NominationKind.SIGNED:
        return SIGNED_RULES
    return ()


@dataclass(frozen=True, slots=True)
class NominationFacts:
    """What the rules need to know of one stored nomination."""

    kind: NominationKind
    status: NominationStatus
    candidate_id: uuid.UUID  # the nominee; of a self-nomination also its author
    lodged_by: uuid.UUID  # the principal who lodged it
    leader_id: uuid.UUID | None = None  # the unit party leader a self-nomination waits with


# --- lodging: NOM-SELF-CHANNEL and NOM-SIGNED ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    """The channel a cadre lodges a self-nomination through, with what is known of the unit
    party leader it names."""

    channel: SelfChannel
    author_id: uuid.UUID | None  # the lodging principal
    leader_id: uuid.UUID | None = None
    leader_roles: frozenset[str] | None = None  # the named principal's roles; None: nobody
    # Management authority: the named leader is bound to the cadre's own unit (None: unknown).
    leader_same_unit: bool | None = None


def channel_violations(choice: ChannelChoice) -> list[Violation]:
    """NOM-SELF-CHANNEL: lodged with the unit party leader, the self-nomination names a principal
    who is one (and not the author); through the other two channels it names nobody.

    At most one violation: each check needs the previous one to hold (no leader named, no roles
    to look at).
    """
    if choice.channel is not SelfChannel.UNIT_PARTY_LEADER:
        if choice.leader_id is None:
            return []
        return [
            Violation(
                "NOM-SELF-CHANNEL",
                f"leader_id is only given with the channel {SelfChannel.UNIT_PARTY_LEADER.value}",
            )
        ]
    if choice.leader_id is None:
        return [
            Violation(
                "NOM-SELF-CHANNEL",
                "a self-nomination lodged with the unit party leader names that leader "
                "(leader_id, a principal with the role unit_party_leader)",
            )
        ]
    if choice.leader_roles is None or Role.UNIT_PARTY_LEADER.value not in choice.leader_roles:
        return [
            Violation(
                "NOM-SELF-CHANNEL", f"leader_id {choice.leader_id} is not a unit party leader"
            )
        ]
    if choice.leader_id == choice.author_id:
        return [Violation("NOM-SELF-CHANNEL", "a self-nomination cannot be lodged with yourself")]
    if choice.leader_same_unit is False:
        return [
            Violation(
                "NOM-SELF-CHANNEL",
                f"leader_id {choice.leader_id} is the party leader of another unit: a cadre "
                "lodges with their own unit's party leader",
            )
        ]
    return []


@dataclass(frozen=True, slots=True)
class SignedRecommendation:
    """A signed leader recommendation (领导干部署名推荐) as lodged."""

    statement: str  # the written material (推荐材料)
    signer_name: str
    signer_post: str
    signed: bool  # the signer has signed the material (署名)


def signed_violations(r: SignedRecommendation) -> list[Violation]:
    """NOM-SIGNED: the recommendation is written and signed, i.e. it has the written material,
    the signer's name and post, and the signature. Every missing element is listed at once, so
    the lodger fixes them in one go. Blank text counts as missing."""
    missing: list[str] = []
    if not r.statement.strip():
        missing.append("the written material (statement) of the recommendation")
    if not r.signer_name.strip():
        missing.append("the signer's name (signer_name)")
    if not r.signer_post.strip():
        missing.append("the signer's post (signer_post)")
    if not r.signed:
        missing.append("the signer's signature (signed: true)")
    return [
        Violation("NOM-SIGNED", f"a signed recommendation must be written and signed: {m}")
        for m in missing
    ]


# --- where a new nomination starts, and NOM-SELF-FORWARD ---------------------------------------


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a new nomination starts."""

    status: NominationStatus
    forward_deadline: date | None = None  # only while it waits for a unit party leader
    # The deadline cannot be computed yet: the official schedule of this year is not known.
    pending_year: int | None = None

    @property
    def deadline_pending(self) -> bool:
        return self.pending_year is not None


# The other kinds, and self-nominations not lodged with a unit party leader, reach the
# organisation department at once.
RECEIVED_AT_ONCE = Routing(NominationStatus.RECEIVED)


def forward_deadline(lodged_on: date, forward_days: int) -> date:
    """NOM-SELF-FORWARD: the last day (China date) the unit party leader may forward a
    self-nomination lodged on `lodged_on`: the `forward_days`-th official working day after it
    (the day of lodging does not count; seed 000 says 及时, the policy says how many days).
    Raises CalendarNotCovered when that day lies in a year whose schedule is not known."""
    return add_working_days(lodged_on, forward_days)


def self_routing(channel: SelfChannel, lodged_on: date, forward_days: int) -> Routing:
    """A self-nomination lodged with the unit party leader waits there until forwarded
    (NOM-SELF-FORWARD); through the other two channels it is received at once.

    A self-nomination is never refused because its deadline cannot be computed yet: when the
    deadline falls in a year whose official schedule is not published (late December), it is
    lodged with the deadline pending, filled in when that year's schedule is loaded."""
    if channel is not SelfChannel.UNIT_PARTY_LEADER:
        return RECEIVED_AT_ONCE
    try:
        return Routing(NominationStatus.LODGED, forward_deadline(lodged_on, forward_days))
    except CalendarNotCovered as exc:
        return Routing(NominationStatus.LODGED, None, pending_year=exc.year)


@dataclass(frozen=True, slots=True)
class SettledDeadline:
    """A pending forward deadline, computed once its year is known."""

    deadline: date
    forwarded_late: bool | None  # None: not forwarded yet


def settle_deadline(
    lodged_on: date, forward_days: int, forwarded_on: date | None
) -> SettledDeadline | None:
    """The deadline of a self-nomination lodged with it pending, now that the schedule may be
    known (None: still not). Forwarded meanwhile (never counted late while pending), the
    forwarding is judged against the deadline as it turns out."""
    try:
        deadline = forward_deadline(lodged_on, forward_days)
    except CalendarNotCovered:
        return None
    late = None if forwarded_on is None else is_late(deadline, forwarded_on)
    return SettledDeadline(deadline, late)


def is_late(deadline: date | None, on: date) -> bool:
    """Forwarded (or still not forwarded) on `on`: late from the day after the deadline; on the
    deadline day itself it is still on time. A pending deadline (None) is not late yet."""
    return deadline is not None and on > deadline


def latest_overdue_deadline(today: date) -> date:
    """The latest forward deadline that is overdue `today`: a self-nomination still lodged whose
    deadline is on or before this day is intercepted (截留) and flagged. Equivalent to
    `is_late(deadline, today)`, in the form a query can use."""
    return today - timedelta(days=1)


def days_overdue(deadline: date, today: date) -> int:
    """Whole days past the deadline (0 on the deadline day and before)."""
    return max((today - deadline).days, 0)


def check_forward(n: NominationFacts, forwarder_id: uuid.UUID | None) -> None:
    """NOM-SELF-FORWARD: only the unit party leader the self-nomination was lodged with passes it
    on, and only while it waits with them. Forwarding is the only step the leader takes on it
    (no decline, no edit); forwarding after the deadline is allowed and marked late."""
    if n.leader_id is None or n.leader_id != forwarder_id:
        raise Forbidden("only the unit party leader it was lodged with may forward it")
    if n.status is not NominationStatus.LODGED:
        raise Conflict(f"the nomination is {n.status}; only a lodged one is forwarded")


# --- the organisation department's review ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewStep:
    """A step of the organisation department on a nomination."""

    done: str  # the participle in refusals: "it can be <done> only when ..."
    allowed_from: frozenset[NominationStatus]
    to: NominationStatus


REVIEW = ReviewStep(  # 分析研判
    "reviewed",
    frozenset({NominationStatus.FORWARDED, NominationStatus.RECEIVED}),
    NominationStatus.UNDER_REVIEW,
)
ADMIT = ReviewStep(  # 纳入人选库
    "admitted", frozenset({NominationStatus.UNDER_REVIEW}), NominationStatus.ADMITTED
)
DECLINE = ReviewStep(  # 不予采纳
    "declined", frozenset({NominationStatus.UNDER_REVIEW}), NominationStatus.DECLINED
)


def check_review_step(status: NominationStatus, step: ReviewStep) -> None:
    """The step is allowed from the nomination's status. A self-nomination still with the unit
    party leader is refused under NOM-SELF-FORWARD: the department acts on it only after the
    leader has passed it on, so the forwarding, and any delay in it, stays on the record."""
    if status is NominationStatus.LODGED:
        raise Conflict(
            "the self-nomination is still with the unit party leader; it can be "
            f"{step.done} only after it is forwarded to the organisation department",
            rule="NOM-SELF-FORWARD",
        )
    if status not in step.allowed_from:
        raise Conflict(
            f"the nomination is {status}; it can be {step.done} only when "
            + " or ".join(sorted(step.allowed_from))
        )


# --- evidence files (NOM-SELF-CHANNEL: "with optional evidence files") -------------------------

# Evidence may be added until the review starts: what is reviewed does not change under it.
ATTACHABLE = frozenset(
    {NominationStatus.LODGED, NominationStatus.FORWARDED, NominationStatus.RECEIVED}
)
MAX_ATTACHMENTS = 20


def check_attachable(n: NominationFacts, uploader_id: uuid.UUID | None) -> None:
    """Only whoever lodged the nomination adds evidence to it, and only before the review."""
    if uploader_id is None or n.lodged_by != uploader_id:
        raise Forbidden("only the author of the nomination may add evidence to it")
    if n.status not in ATTACHABLE:
        raise Conflict(f"the nomination is {n.status}; evidence is added before the review starts")


def check_room_for_attachment(existing: int) -> None:
    """One more file fits while fewer than MAX_ATTACHMENTS are held."""
    if existing >= MAX_ATTACHMENTS:
        raise Conflict(f"a nomination holds at most {MAX_ATTACHMENTS} files")


# --- who sees what: NOM-SELF-CONFIDENTIAL ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reader:
    """Whoever asks to see nominations."""

    principal_id: uuid.UUID | None
    candidate_id: uuid.UUID | None  # the reader's own cadre record, if any
    reads_confidential: bool  # every self-nomination: organisation department, admin
    reads_cases: bool  # the case readers (cases.read)


@dataclass(frozen=True, slots=True)
class Grant:
    """One reason to see a nomination: every field that is set must match; unset fields match
    anything, so `Grant()` admits everything. Plain equalities, so that a query can apply the
    same grants to lists and counts that `may_see` applies to one row."""

    self_kind: bool | None = None  # True: self-nominations only; False: the other kinds only
    lodged_by: uuid.UUID | None = None
    leader_id: uuid.UUID | None = None
    candidate_id: uuid.UUID | None = None
    status: NominationStatus | None = None

    def admits(self, n: NominationFacts) -> bool:
        return (
            (self.self_kind is None or (n.kind is NominationKind.SELF) == self.self_kind)
            and (self.lodged_by is None or n.lodged_by == self.lodged_by)
            and (self.leader_id is None or n.leader_id == self.leader_id)
            and (self.candidate_id is None or n.candidate_id == self.candidate_id)
            and (self.status is None or n.status is self.status)
        )


EVERYTHING = Grant()


def grants(reader: Reader) -> tuple[Grant, ...]:
    """Which nominations `reader` sees: those that any of these grants admits.

    NOM-SELF-CONFIDENTIAL: a self-nomination is seen by its author (the nominee), by the
    organisation department and, while it waits to be forwarded, by the unit party leader it was
    lodged with; nobody else, not even the case readers. The other kinds are seen by the case
    readers and by whoever lodged them.
    """
    if reader.reads_confidential and reader.reads_cases:
        return (EVERYTHING,)
    out: list[Grant] = []
    if reader.reads_confidential:
        out.append(Grant(self_kind=True))
    if reader.reads_cases:
        out.append(Grant(self_kind=False))
    if reader.principal_id is not None:
        out.append(Grant(lodged_by=reader.principal_id))
        out.append(
            Grant(self_kind=True, leader_id=reader.principal_id, status=NominationStatus.LODGED)
        )
    if reader.candidate_id is not None:
        # The nominee is always the author of a self-nomination, whoever's token lodged it.
        out.append(Grant(self_kind=True, candidate_id=reader.candidate_id))
    return tuple(out)


def may_see(reader: Reader, n: NominationFacts) -> bool:
    """Whether `reader` may know that the nomination exists (see `grants`)."""
    return any(g.admits(n) for g in grants(reader))


def confidentiality_violations(reader: Reader, n: NominationFacts) -> list[Violation]:
    """NOM-SELF-CONFIDENTIAL on one nomination: empty unless it is a self-nomination hidden from
    `reader`. The reason is for the caller, never for the client: a hidden self-nomination is
    answered exactly like a missing one, since even its id tells who self-nominated."""
    if n.kind is not NominationKind.SELF or may_see(reader, n):
        return []
    return [
        Violation(
            "NOM-SELF-CONFIDENTIAL",
            "a self-nomination is visible only to its author, the organisation department and, "
            "until it is forwarded, the unit party leader it was lodged with",
        )
    ]
