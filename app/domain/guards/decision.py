"""Collective decision (讨论决定): counted against the decision body's roster on the day.

Who should attend is never a number in the request (DEC-ROSTER): the service looks up the
body's roster on the meeting day and these functions judge attendance, recusals and votes
against it.
"""

from __future__ import annotations

from dataclasses import replace

from app.domain.bodies import BodyKind, Roster, attendance_violations
from app.domain.calendar import CHINA_TZ
from app.domain.errors import InvalidInput, Violation
from app.domain.facts import Ballot, DecisionMeeting, Reconsideration
from app.domain.guards.common import v
from app.domain.guards.motion import headcount
from app.domain.guards.qualification import qualification_violations
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow.stages import Standing

FULL_COMMITTEE = BodyKind.FULL_COMMITTEE
STANDING_COMMITTEE = BodyKind.STANDING_COMMITTEE


def quorum(present: int, expected: int) -> bool:
    """DEC-QUORUM: at least two thirds of the roster present (exactly 2/3 passes)."""
    return expected > 0 and present * 3 >= expected * 2


def majority(votes_for: int, expected: int) -> bool:
    """More than half of all members who should attend (exactly half fails)."""
    return votes_for * 2 > expected


def _full_committee(
    snap: CaseSnapshot, m: DecisionMeeting, roster: Roster, fc_kind: BodyKind | None
) -> list[Violation]:
    """DEC-FULL-COMMITTEE: principal posts of a lower-level committee and government."""
    if roster.kind == FULL_COMMITTEE and m.voting_method != "secret_ballot":
        return [v("DEC-FULL-COMMITTEE", "the full committee votes by secret ballot")]
    if not snap.full_committee_post or roster.kind == FULL_COMMITTEE:
        return []
    o = m.full_committee_opinions
    if roster.kind != STANDING_COMMITTEE or o is None:
        return [
            v(
                "DEC-FULL-COMMITTEE",
                "this post is decided by a full-committee vote (全委会票决); a standing "
                "committee may decide only when urgent, with the full committee members' "
                "opinions solicited and recorded (full_committee_opinions)",
            )
        ]
    if fc_kind != FULL_COMMITTEE:
        return [v("DEC-FULL-COMMITTEE", "full_committee_id does not name a full committee")]
    if o.solicited_on > m.held_at.astimezone(CHINA_TZ).date() or not o.urgent_reason.strip():
        return [
            v(
                "DEC-FULL-COMMITTEE",
                "the opinions are solicited before the meeting and the urgency is stated",
            )
        ]
    return []


def _recusals(snap: CaseSnapshot, m: DecisionMeeting, roster: Roster) -> list[Violation]:
    """DEC-RECUSAL: a member who is a candidate withdraws; a recused vote is never counted.

    At a standing committee a recused member takes no part in the vote on that candidate; at a
    full-committee vote the member withdraws from the deliberation and still votes.
    """
    out: list[Violation] = []
    proposed = {m_.candidate_id for m_ in snap.in_standing(Standing.PROPOSED)}
    recused = {(r.member_id, str(r.candidate_id)) for r in m.recusals}
    present = set(m.attendee_ids)
    for r in m.recusals:
        if r.member_id not in roster.ids:
            out.append(v("DEC-RECUSAL", f"recused member {r.member_id} is not on the roster"))
        if str(r.candidate_id) not in proposed:
            raise InvalidInput(f"recusal names candidate {r.candidate_id}, who is not proposed")
    for member in roster.members:
        cid = str(member.candidate_id) if member.candidate_id else None
        if cid in proposed and member.id in present and (member.id, cid) not in recused:
            out.append(v("DEC-RECUSAL", f"{member.name} is a candidate and must withdraw", cid))
    if roster.kind == FULL_COMMITTEE:
        return out
    for b in m.results:
        cid = str(b.candidate_id)
        voters = len(present) - sum(1 for mid, c in recused if c == cid and mid in present)
        cast = b.votes_for + b.votes_against + b.votes_abstain
        if cast > voters:
            out.append(
                v(
                    "DEC-RECUSAL",
                    f"{cast} votes on this candidate but only {voters} members present may "
                    "vote; a recused member's vote is never counted",
                    cid,
                )
            )
    return out


def prepare_meeting(
    snap: CaseSnapshot, m: DecisionMeeting, roster: Roster, fc_kind: BodyKind | None = None
) -> tuple[DecisionMeeting, list[Violation]]:
    """The meeting as counted against its roster, and every rule its record breaks."""
    out = attendance_violations(roster, m.attendee_ids, "attendance")
    proposed = {x.candidate_id for x in snap.in_standing(Standing.PROPOSED)}
    seen: set[str] = set()
    for b in m.results:
        cid = str(b.candidate_id)
        if cid not in proposed:
            raise InvalidInput(f"candidate {cid} was not proposed for this decision")
        if cid in seen:
            raise InvalidInput(f"candidate {cid} appears twice")
        seen.add(cid)
        if b.votes_for + b.votes_against + b.votes_abstain > len(m.attendee_ids):
            raise InvalidInput(f"votes for {cid} exceed the {len(m.attendee_ids)} present")
    if snap.policy.secret_ballot and m.voting_method != "secret_ballot":
        out.append(v("DEC-SECRET-BALLOT", "this policy requires an anonymous secret ballot"))
    out += _full_committee(snap, m, roster, fc_kind)
    out += _recusals(snap, m, roster)
    expected, present = len(roster.members), len(m.attendee_ids)
    met = quorum(present, expected)
    counted = replace(
        m,
        body_kind=roster.kind,
        roster_ids=tuple(sorted((x.id for x in roster.members), key=str)),
        members_expected=expected,
        members_present=present,
        quorum_met=met,
        results=tuple(
            replace(b, passed=met and majority(b.votes_for, expected)) for b in m.results
        ),
    )
    return counted, out


def _minutes(m: DecisionMeeting) -> list[Violation]:
    """DEC-MINUTES: time, place, host, recorder, discussion; signed by host and recorder."""
    missing = [k for k in ("place", "host", "recorder", "discussion") if not getattr(m, k)]
    if not missing and m.host_signed and m.recorder_signed:
        return []
    return [
        v(
            "DEC-MINUTES",
            "minutes must record "
            + (", ".join(missing) + " and be " if missing else "")
            + "signed by host and recorder",
        )
    ]


def _briefing(b: Ballot) -> list[Violation]:
    """DEC-BRIEFING: nomination, recommendation, inspection and reasons, one by one."""
    lacking = [
        k
        for k in ("nomination", "recommendation", "inspection", "reasons")
        if not getattr(b.briefing, k).strip()
    ]
    if lacking:
        return [v("DEC-BRIEFING", "briefing lacks " + ", ".join(lacking), b.candidate_id)]
    return []


def approve(snap: CaseSnapshot) -> list[Violation]:
    m = snap.latest(DecisionMeeting)
    if m is None:
        return [v("DEC-QUORUM", "no decision meeting is recorded")]
    out: list[Violation] = []
    expected = m.members_expected
    if not m.quorum_met:
        out.append(
            v(
                "DEC-QUORUM",
                f"{m.members_present} of the {expected} members of the body on the day were "
                "present; at least two thirds must attend",
            )
        )
    out += _minutes(m)
    results = {str(b.candidate_id): b for b in m.results}
    proposed = snap.in_standing(Standing.PROPOSED)
    for member in proposed:
        b = results.get(member.candidate_id)
        if b is None:
            out.append(
                v(
                    "DEC-BRIEFING",
                    "the candidate was not presented and voted on",
                    member.candidate_id,
                )
            )
            continue
        out += _briefing(b)
        out += qualification_violations(snap, member, at="decision")
    passed = [b for b in m.results if b.passed and str(b.candidate_id) in results]
    if proposed and not passed and m.quorum_met:
        votes = ", ".join(str(b.votes_for) for b in m.results)
        out.append(
            v(
                "DEC-MAJORITY",
                f"no candidate has more than half of the {expected} members who should attend "
                f"(approvals: {votes})",
            )
        )
    out += headcount(len(passed), min(snap.places, snap.free_places), "approved")
    return out


def prepare_reconsideration(
    r: Reconsideration, roster: Roster
) -> tuple[Reconsideration, list[Violation]]:
    out = attendance_violations(roster, r.attendee_ids, "attendance")
    if r.votes_for > len(r.attendee_ids):
        raise InvalidInput("votes_for exceeds the members present")
    return replace(r, body_id=roster.body_id, members_expected=len(roster.members)), out


def reconsider(snap: CaseSnapshot) -> list[Violation]:
    """DEC-RECONSIDER: more than half of all members of the same body's roster."""
    r = snap.latest(Reconsideration)
    if r is None:
        return [v("DEC-RECONSIDER", "no reconsideration vote is recorded")]
    if majority(r.votes_for, r.members_expected):
        return []
    return [
        v(
            "DEC-RECONSIDER",
            f"{r.votes_for} of the {r.members_expected} members of the body agreed; reopening "
            "needs more than half",
        )
    ]
