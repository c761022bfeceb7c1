"""The bases a case is counted against, never numbers typed into a request.

REC-SCOPE (the motion's recommendation scope and its amendments), DEC-ROSTER (the decision
body's roster on the meeting day), DEC-QUORUM, DEC-MAJORITY and DEC-RECONSIDER counted against
that roster, DEC-RECUSAL and DEC-FULL-COMMITTEE; each at its limit, one below and one above.
After every refusal nothing of the case has changed.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.case_checks import refused, refused_action, state
from tests.case_driver import BRIEFING, Driver, meeting, ok
from tests.conftest import Principals

BODIES = "/api/v1/decision-bodies"


@pytest.fixture
def d(client: TestClient, tokens: Principals) -> Driver:
    return Driver(client, tokens["org_department"])


# --- helpers ---------------------------------------------------------------------------------


def rules_of(problem: dict[str, Any]) -> set[str]:
    return {v["rule"] for v in problem.get("violations") or []}


def new_body(d: Driver, size: int, kind: str = "standing_committee") -> tuple[str, list[str]]:
    """A fresh decision body of `kind` with `size` members since 2020."""
    b = ok(
        d.http.post(
            BODIES,
            json={"name": f"{kind}-{uuid.uuid4().hex[:8]}", "kind": kind, "org_unit": "市委"},
            headers=d.headers,
        ),
        201,
    )
    return str(b["id"]), [join(d, str(b["id"]), "2020-01-01") for _ in range(size)]


def join(d: Driver, body_id: str, joined_on: str, **over: Any) -> str:
    body: dict[str, Any] = {"joined_on": joined_on, **over}
    if "candidate_id" not in over:
        body.setdefault("name", f"委员{uuid.uuid4().hex[:6]}")
    r = d.http.post(f"{BODIES}/{body_id}/members", json=body, headers=d.headers)
    return str(ok(r, 201)["id"])


def leave(d: Driver, body_id: str, member_id: str, left_on: str) -> None:
    r = d.http.post(
        f"{BODIES}/{body_id}/members/{member_id}/leave",
        json={"left_on": left_on, "reason": "调任"},
        headers=d.headers,
    )
    ok(r)


def ballot(cid: str, votes_for: int, against: int = 0, abstain: int = 0) -> dict[str, Any]:
    return {
        "candidate_id": cid,
        "briefing": BRIEFING,
        "votes_for": votes_for,
        "votes_against": against,
        "votes_abstain": abstain,
    }


def targets_body(d: Driver, cids: list[str]) -> dict[str, Any]:
    return {
        "decided_by": "部务会",
        "decided_on": d.today(),
        "minutes": "研究确定考察对象",
        "candidate_ids": cids,
    }


def held(day: str) -> str:
    return f"{day}T09:00:00+08:00"


def in_recommendation(d: Driver, n: int = 2, scope: int = 30) -> list[str]:
    pos = d.position()
    cids = [d.candidate() for _ in range(n)]
    d.create(pos["id"], cids, scope=scope)
    d.act("start_recommendation")
    return cids


def in_decision(d: Driver, places: int = 1, **position: Any) -> list[str]:
    """A case in stage decision (entered 2026-03-02); cids[:places] are proposed."""
    pos = d.position(headcount=places + 1, **position)
    cids = [d.candidate() for _ in range(places + 1)]
    d.create(pos["id"], cids, places=places)
    d.to_decision(cids)
    assert d.case["stage"] == "decision"
    return cids


def round_body(cids: list[str], participants: int, **over: Any) -> dict[str, Any]:
    return {
        "kind": "meeting",
        "held_on": "2026-03-02",
        "participants": participants,
        "results": [{"candidate_id": c, "votes_for": min(participants, 10)} for c in cids],
        **over,
    }


# --- REC-SCOPE: rounds count against the motion's scope ------------------------------------------


def test_rec_scope_a_scope_typed_into_the_round_is_refused(d: Driver) -> None:
    a, b = in_recommendation(d, scope=30)
    # The old loophole: a small typed scope that makes 10 participants count.
    problem = refused(d, "recommendation-rounds", round_body([a, b], 10, scope_size=10), status=422)
    assert any("scope_size" in str(e["loc"]) for e in problem["errors"])


@pytest.mark.parametrize(
    ("participants", "outcome"),
    [(19, "uncounted"), (20, "counted"), (21, "counted"), (30, "counted"), (31, "refused")],
)
def test_rec_scope_participants_against_the_motion(
    d: Driver, participants: int, outcome: str
) -> None:
    a, b = in_recommendation(d, scope=30)
    if outcome == "refused":
        problem = refused(d, "recommendation-rounds", round_body([a, b], participants))
        assert problem["rule"] == "REC-SCOPE"
        assert "30" in problem["detail"]
        return
    made = d.fact("recommendation-rounds", round_body([a, b], participants))
    assert made["data"]["scope_size"] == 30
    assert made["data"]["counted"] is (outcome == "counted")
    if outcome == "counted":
        d.targets([a, b])
    else:
        refused(d, "targets", targets_body(d, [a, b]), rule="REC-PARTICIPATION")


@pytest.mark.parametrize(
    ("participants", "outcome"),
    [(29, "uncounted"), (30, "counted"), (45, "counted"), (46, "refused")],
)
def test_rec_scope_amended_scope_is_the_new_base(
    d: Driver, participants: int, outcome: str
) -> None:
    a, b = in_recommendation(d, scope=30)
    amended = d.fact(
        "scope-amendments", {"recommendation_scope": 45, "reason": "扩大到全体中层干部"}
    )
    assert amended["kind"] == "scope_amendment"
    assert amended["data"] == {
        "recommendation_scope": 45,
        "reason": "扩大到全体中层干部",
        "previous_scope": 30,
    }
    assert d.case["motion"]["recommendation_scope"] == 45
    record = ok(d.http.get(f"{d.url}/record", headers=d.headers))["entries"]
    assert record[-1]["action"] == "fact.scope_amendment"
    assert "REC-SCOPE" in record[-1]["rules"]
    if outcome == "refused":
        assert refused(d, "recommendation-rounds", round_body([a, b], participants))["rule"] == (
            "REC-SCOPE"
        )
        return
    made = d.fact("recommendation-rounds", round_body([a, b], participants))
    assert made["data"]["scope_size"] == 45
    assert made["data"]["counted"] is (outcome == "counted")
    if outcome == "counted":
        d.targets([a, b])
    else:
        refused(d, "targets", targets_body(d, [a, b]), rule="REC-PARTICIPATION")


@pytest.mark.parametrize(
    ("scope", "participants", "counted"),
    [(31, 20, False), (31, 21, True), (2, 1, False), (2, 2, True), (1, 0, False), (1, 1, True)],
)
def test_rec_scope_two_thirds_of_odd_scopes(
    d: Driver, scope: int, participants: int, counted: bool
) -> None:
    a, b = in_recommendation(d, scope=scope)
    made = d.fact("recommendation-rounds", round_body([a, b], participants))
    assert (made["data"]["scope_size"], made["data"]["counted"]) == (scope, counted)
    assert refused(d, "recommendation-rounds", round_body([a, b], scope + 1))["rule"] == (
        "REC-SCOPE"
    )


def test_rec_scope_amendment_refusals(d: Driver) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b], scope=30)
    # Not in the motion stage: the motion is changed by PATCH there.
    refused(d, "scope-amendments", {"recommendation_scope": 40, "reason": "x"}, status=409)
    d.act("start_recommendation")
    for bad in (
        {"recommendation_scope": 40},
        {"recommendation_scope": 40, "reason": ""},
        {"recommendation_scope": 40, "reason": "   "},
        {"recommendation_scope": 0, "reason": "x"},
        {"recommendation_scope": -5, "reason": "x"},
        {"recommendation_scope": 40, "reason": "x", "previous_scope": 10},
    ):
        refused(d, "scope-amendments", bad, status=422)
    # The scope is already 30.
    assert refused(d, "scope-amendments", {"recommendation_scope": 30, "reason": "x"})["rule"] == (
        "REC-SCOPE"
    )
    d.recommend([a, b])
    d.targets([a, b])
    d.act("start_inspection")
    refused(d, "scope-amendments", {"recommendation_scope": 40, "reason": "x"}, status=409)


def test_rec_scope_motion_patch_only_in_motion(d: Driver) -> None:
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b], scope=30)
    patched = d.http.patch(
        d.url,
        json={"motion": {"recommendation_scope": 15}},
        headers={**d.headers, "If-Match": d.case["etag"]},
    )
    assert ok(patched)["motion"]["recommendation_scope"] == 15
    d.refresh()
    d.act("start_recommendation")
    before = state(d)
    r = d.http.patch(
        d.url,
        json={"motion": {"recommendation_scope": 10}},
        headers={**d.headers, "If-Match": d.case["etag"]},
    )
    assert r.status_code == 409, r.text
    assert r.json()["rule"] == "MOT-PLAN"
    assert state(d) == before
    # 10 of the patched 15 is exactly two thirds; 16 would exceed the scope.
    assert refused(d, "recommendation-rounds", round_body([a, b], 16))["rule"] == "REC-SCOPE"
    made = d.fact("recommendation-rounds", round_body([a, b], 10))
    assert (made["data"]["scope_size"], made["data"]["counted"]) == (15, True)
    d.targets([a, b])


# --- DEC-ROSTER: who should attend is the roster on the meeting day ----------------------------


def test_dec_roster_attendance_names_roster_members(d: Driver) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, 9)
    _, strangers = new_body(d, 3)
    results = [ballot(a, 7)]
    for attendees in (
        [*members[:8], strangers[0]],  # a member of another body
        [*members[:8], str(uuid.uuid4())],  # nobody
    ):
        problem = refused(d, "decision-meetings", meeting(results, body_id, attendees))
        assert problem["rule"] == "DEC-ROSTER"
    # The same member twice does not make two.
    refused(d, "decision-meetings", meeting(results, body_id, [*members[:8], members[0]]))
    # A body that does not exist.
    refused(d, "decision-meetings", meeting(results, str(uuid.uuid4()), members))
    # Numbers of the roster are derived, never typed in.
    for extra in ({"members_expected": 3}, {"members_present": 9}, {"quorum_met": True}):
        refused(d, "decision-meetings", meeting(results, body_id, members, **extra))
    d.fact("decision-meetings", meeting(results, body_id, members, held_at=d.now().isoformat()))
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert (data["members_expected"], data["members_present"], data["quorum_met"]) == (9, 9, True)
    assert sorted(data["roster_ids"]) == sorted(members)
    assert data["body_kind"] == "standing_committee"


def test_dec_roster_member_who_left_the_day_before_or_on_the_day(d: Driver) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, 11)
    d.on("2026-03-25")
    leave(d, body_id, members[0], "2026-03-24")  # left the day before the meeting
    leave(d, body_id, members[1], "2026-03-25")  # left on the meeting day
    at = held("2026-03-25")
    for gone in members[:2]:
        problem = refused(
            d,
            "decision-meetings",
            meeting([ballot(a, 6)], body_id, [gone, *members[2:]], held_at=at),
        )
        assert problem["rule"] == "DEC-ROSTER"
        assert gone in problem["detail"]
    # Nine should attend: 5 is more than half of 9 (it would be only half of 10 or 11).
    d.fact("decision-meetings", meeting([ballot(a, 5)], body_id, members[2:8], held_at=at))
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert (data["members_expected"], data["members_present"]) == (9, 6)
    assert data["results"][0]["passed"] is True
    d.act("approve")
    assert d.standing(a) == "approved"


@pytest.mark.parametrize(("votes", "passes"), [(5, False), (6, True)])
def test_dec_roster_member_who_joined_on_the_meeting_day_counts(
    d: Driver, votes: int, passes: bool
) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, 9)
    d.on("2026-03-25")
    newcomer = join(d, body_id, "2026-03-25")
    at = held("2026-03-25")
    # Ten should attend; the newcomer may attend. 5 of 10 is exactly half: it fails.
    d.fact(
        "decision-meetings",
        meeting([ballot(a, votes)], body_id, [newcomer, *members[:6]], held_at=at),
    )
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert (data["members_expected"], data["members_present"]) == (10, 7)
    assert newcomer in data["roster_ids"]
    if passes:
        d.act("approve")
    else:
        assert refused_action(d, "approve", "DEC-MAJORITY") == {"DEC-MAJORITY"}


def test_dec_roster_is_the_meeting_days_not_todays(d: Driver) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, 10)
    d.on("2026-03-25")
    # Left the day after the meeting (held yesterday): still on that day's roster.
    leave(d, body_id, members[0], "2026-03-25")
    # Joined today: not on yesterday's roster.
    newcomer = join(d, body_id, "2026-03-25")
    yesterday = held("2026-03-24")
    problem = refused(
        d,
        "decision-meetings",
        meeting([ballot(a, 6)], body_id, [newcomer, *members[1:7]], held_at=yesterday),
    )
    assert problem["rule"] == "DEC-ROSTER"
    # Ten should have attended yesterday: 5 is exactly half and fails, although 9 serve today.
    d.fact("decision-meetings", meeting([ballot(a, 5)], body_id, members[:7], held_at=yesterday))
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert data["members_expected"] == 10
    assert members[0] in data["roster_ids"]
    assert newcomer not in data["roster_ids"]
    assert data["results"][0]["passed"] is False
    refused_action(d, "approve", "DEC-MAJORITY")


def test_dec_roster_day_is_the_china_day_of_held_at(d: Driver) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, 9)
    d.on("2026-03-25")
    leave(d, body_id, members[0], "2026-03-25")
    newcomer = join(d, body_id, "2026-03-25")
    # 16:30 UTC on 03-24 is 00:30 on 03-25 in China: the roster of 03-25 applies.
    at = "2026-03-24T16:30:00Z"
    problem = refused(
        d, "decision-meetings", meeting([ballot(a, 6)], body_id, members[:7], held_at=at)
    )
    assert problem["rule"] == "DEC-ROSTER"
    d.fact(
        "decision-meetings",
        meeting([ballot(a, 6)], body_id, [newcomer, *members[1:7]], held_at=at),
    )
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert (data["members_expected"], data["members_present"]) == (9, 7)


def test_dec_roster_body_without_members_on_the_day(d: Driver) -> None:
    a, _ = in_decision(d)
    d.on("2026-03-25")
    b = ok(
        d.http.post(
            BODIES,
            json={"name": "新设常委会", "kind": "standing_committee", "org_unit": "新区"},
            headers=d.headers,
        ),
        201,
    )
    m = join(d, str(b["id"]), "2026-03-25")
    problem = refused(
        d,
        "decision-meetings",
        meeting([ballot(a, 1)], str(b["id"]), [m], held_at=held("2026-03-24")),
    )
    assert "DEC-ROSTER" in rules_of(problem)


# --- DEC-QUORUM and DEC-MAJORITY against the roster ----------------------------------------------


@pytest.mark.parametrize(
    ("roster", "present", "quorum"),
    [(10, 7, True), (10, 6, False), (8, 6, True), (8, 5, False), (3, 2, True), (3, 1, False)],
)
def test_dec_quorum_two_thirds_of_the_roster(
    d: Driver, roster: int, present: int, quorum: bool
) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, roster)
    d.fact(
        "decision-meetings",
        meeting([ballot(a, present)], body_id, members[:present], held_at=d.now().isoformat()),
    )
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert (data["members_expected"], data["members_present"]) == (roster, present)
    assert data["quorum_met"] is quorum
    # Every present member voted for: passed only when the meeting was valid.
    assert data["results"][0]["passed"] is quorum
    if quorum:
        d.act("approve")
        assert d.case["stage"] == "publicity"
    else:
        assert "DEC-QUORUM" in refused_action(d, "approve", "DEC-QUORUM")


@pytest.mark.parametrize(
    ("roster", "present", "votes", "passes"),
    [
        (9, 6, 4, False),  # 4 > 6/2 of those present, but not > 9/2
        (9, 6, 5, True),
        (8, 8, 4, False),  # exactly half of the roster
        (8, 8, 5, True),
        (7, 5, 3, False),
        (7, 5, 4, True),
    ],
)
def test_dec_majority_of_the_roster(
    d: Driver, roster: int, present: int, votes: int, passes: bool
) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, roster)
    d.fact(
        "decision-meetings",
        meeting(
            [ballot(a, votes, against=present - votes)],
            body_id,
            members[:present],
            held_at=d.now().isoformat(),
        ),
    )
    assert d.case["facts"]["decision_meeting"][0]["data"]["results"][0]["passed"] is passes
    if passes:
        d.act("approve")
        assert d.standing(a) == "approved"
    else:
        assert refused_action(d, "approve", "DEC-MAJORITY") == {"DEC-MAJORITY"}


@pytest.mark.parametrize(("cast", "accepted"), [(8, True), (9, False)])
def test_dec_votes_cannot_exceed_those_present(d: Driver, cast: int, accepted: bool) -> None:
    a, _ = in_decision(d)
    body_id, members = new_body(d, 9)
    body = meeting(
        [ballot(a, 5, against=cast - 6, abstain=1)],
        body_id,
        members[:8],
        held_at=d.now().isoformat(),
    )
    if accepted:
        d.fact("decision-meetings", body)
    else:
        assert "exceed" in refused(d, "decision-meetings", body)["detail"]


# --- DEC-RECONSIDER: more than half of the deciding body's roster -------------------------------


def in_publicity(d: Driver, roster: int = 9) -> tuple[str, str, list[str]]:
    a, _ = in_decision(d)
    body_id, members = new_body(d, roster)
    d.fact(
        "decision-meetings", meeting([ballot(a, 7)], body_id, members, held_at=d.now().isoformat())
    )
    d.act("approve")
    assert d.case["stage"] == "publicity"
    return a, body_id, members


def reconsideration(attendees: list[str], votes_for: int, **over: Any) -> dict[str, Any]:
    return {
        "held_on": "2026-03-02",
        "attendee_ids": attendees,
        "votes_for": votes_for,
        "reason": "出现新情况",
        **over,
    }


def test_dec_reconsider_one_of_one_is_not_a_majority(d: Driver) -> None:
    _, body_id, members = in_publicity(d)
    made = d.fact("reconsiderations", reconsideration(members[:1], 1))
    assert made["data"]["members_expected"] == 9
    assert made["data"]["body_id"] == body_id
    refused_action(d, "reconsider", "DEC-RECONSIDER", reason="新情况")
    assert d.case["stage"] == "publicity"


@pytest.mark.parametrize(
    ("present", "votes", "passes"), [(9, 4, False), (5, 5, True), (9, 5, True), (6, 4, False)]
)
def test_dec_reconsider_counts_against_the_roster(
    d: Driver, present: int, votes: int, passes: bool
) -> None:
    a, _, members = in_publicity(d)
    d.fact("reconsiderations", reconsideration(members[:present], votes))
    if passes:
        d.act("reconsider", reason="新情况")
        assert d.case["stage"] == "decision"
        assert d.standing(a) == "proposed"
    else:
        refused_action(d, "reconsider", "DEC-RECONSIDER", reason="新情况")


def test_dec_reconsider_refusals(d: Driver) -> None:
    _, _, members = in_publicity(d)
    small_body, small = new_body(d, 1)
    # Not members of the deciding body.
    problem = refused(d, "reconsiderations", reconsideration(small, 1))
    assert problem["rule"] == "DEC-ROSTER"
    problem = refused(d, "reconsiderations", reconsideration([*members[:4], small[0]], 5))
    assert problem["rule"] == "DEC-ROSTER"
    # More votes than members present.
    refused(d, "reconsiderations", reconsideration(members[:4], 5))
    # The body and its size are never typed in.
    refused(d, "reconsiderations", reconsideration(small, 1, body_id=small_body))
    refused(d, "reconsiderations", reconsideration(members[:1], 1, members_expected=1))
    # A member named twice.
    refused(d, "reconsiderations", reconsideration([members[0], members[0]], 2))
    # A reason is required.
    refused(d, "reconsiderations", reconsideration(members[:5], 5, reason=" "))


@pytest.mark.parametrize(
    ("change", "votes", "passes"),
    [("join", 5, False), ("join", 6, True), ("leave", 4, False), ("leave", 5, True)],
)
def test_dec_reconsider_roster_on_its_own_day(
    d: Driver, change: str, votes: int, passes: bool
) -> None:
    _, body_id, members = in_publicity(d, roster=9)
    d.on("2026-03-10")
    attendees = members[:]
    if change == "join":
        attendees.append(join(d, body_id, "2026-03-10"))  # roster 10 on the day
    else:
        leave(d, body_id, members[8], "2026-03-10")  # roster 8 on the day
        attendees = members[:8]
        gone = reconsideration(members, votes, held_on="2026-03-10")
        assert refused(d, "reconsiderations", gone)["rule"] == "DEC-ROSTER"
    made = d.fact("reconsiderations", reconsideration(attendees, votes, held_on="2026-03-10"))
    assert made["data"]["members_expected"] == (10 if change == "join" else 8)
    if passes:
        d.act("reconsider", reason="新情况")
    else:
        refused_action(d, "reconsider", "DEC-RECONSIDER", reason="新情况")


def test_dec_reconsider_needs_a_new_vote(d: Driver) -> None:
    _, _, members = in_publicity(d)
    d.on("2026-03-10")
    d.fact("reconsiderations", reconsideration(members, 9, held_on="2026-03-10"))
    d.act("reconsider", reason="新情况")
    assert d.case["stage"] == "decision"
    # The reopened decision is taken again by a meeting of this pass, not the old one.
    refused_action(d, "approve", "DEC-QUORUM")


def test_dec_reconsider_twice_needs_a_second_vote(d: Driver) -> None:
    a, body_id, members = in_publicity(d)
    d.on("2026-03-05")
    d.fact("reconsiderations", reconsideration(members, 9, held_on="2026-03-05"))
    d.act("reconsider", reason="新情况")
    d.on("2026-03-06")
    d.fact(
        "decision-meetings", meeting([ballot(a, 7)], body_id, members, held_at=held("2026-03-06"))
    )
    d.act("approve")
    assert d.case["stage"] == "publicity"
    d.on("2026-03-07")
    refused_action(d, "reconsider", "DEC-RECONSIDER", reason="再次复议")


# --- DEC-RECUSAL -------------------------------------------------------------------------------


def recusal_setup(d: Driver, kind: str = "standing_committee") -> tuple[str, str, str, list[str]]:
    """A proposed candidate `a` who sits on the deciding body (9 members, the last is `a`)."""
    a, b = in_decision(d, decided_by_full_committee=kind == "full_committee")
    body_id, members = new_body(d, 8, kind)
    linked = join(d, body_id, "2020-01-01", candidate_id=a)
    return a, b, body_id, [*members, linked]


def recusal(member_id: str, cid: str) -> dict[str, Any]:
    return {"member_id": member_id, "candidate_id": cid, "relation": "本人"}


def test_dec_recusal_a_candidate_on_the_body_must_withdraw(d: Driver) -> None:
    a, _, body_id, members = recusal_setup(d)
    at = d.now().isoformat()
    problem = refused(d, "decision-meetings", meeting([ballot(a, 7)], body_id, members, held_at=at))
    assert problem["rule"] == "DEC-RECUSAL"
    assert [(v["rule"], v["subject"]) for v in problem["violations"]] == [("DEC-RECUSAL", a)]
    # A recusal naming somebody not on the roster does not count.
    _, strangers = new_body(d, 1)
    problem = refused(
        d,
        "decision-meetings",
        meeting([ballot(a, 7)], body_id, members, held_at=at, recusals=[recusal(strangers[0], a)]),
    )
    assert rules_of(problem) == {"DEC-RECUSAL"}
    # A recusal for a candidate who is not proposed.
    other = d.candidate()
    refused(
        d,
        "decision-meetings",
        meeting(
            [ballot(a, 7)], body_id, members, held_at=at, recusals=[recusal(members[8], other)]
        ),
    )


@pytest.mark.parametrize(("cast", "accepted"), [(7, True), (8, True), (9, False)])
def test_dec_recusal_votes_at_a_standing_committee(d: Driver, cast: int, accepted: bool) -> None:
    a, _, body_id, members = recusal_setup(d)
    # Nine present, one recused for `a`: at most 8 votes on `a`.
    body = meeting(
        [ballot(a, 5, against=cast - 5)],
        body_id,
        members,
        held_at=d.now().isoformat(),
        recusals=[recusal(members[8], a)],
    )
    if not accepted:
        problem = refused(d, "decision-meetings", body)
        assert [(v["rule"], v["subject"]) for v in problem["violations"]] == [("DEC-RECUSAL", a)]
        return
    d.fact("decision-meetings", body)
    data = d.case["facts"]["decision_meeting"][0]["data"]
    # The recused member still counts among those who should attend and those present.
    assert (data["members_expected"], data["members_present"]) == (9, 9)
    assert data["recusals"][0]["member_id"] == members[8]
    d.act("approve")


@pytest.mark.parametrize(("votes", "passes"), [(4, False), (5, True)])
def test_dec_recusal_majority_still_of_the_whole_roster(
    d: Driver, votes: int, passes: bool
) -> None:
    a, _, body_id, members = recusal_setup(d)
    d.fact(
        "decision-meetings",
        meeting(
            [ballot(a, votes, against=8 - votes)],
            body_id,
            members,
            held_at=d.now().isoformat(),
            recusals=[recusal(members[8], a)],
        ),
    )
    if passes:
        d.act("approve")
    else:
        refused_action(d, "approve", "DEC-MAJORITY")


def test_dec_recusal_absent_member_and_eliminated_candidate(d: Driver) -> None:
    a, b, body_id, members = recusal_setup(d)
    linked_b = join(d, body_id, "2020-01-01", candidate_id=b)  # b was not proposed
    # `a` is absent: nobody must withdraw; b's member is present and votes (b is not proposed).
    body = meeting([ballot(a, 9)], body_id, [*members[:8], linked_b], held_at=d.now().isoformat())
    d.fact("decision-meetings", body)
    assert d.case["facts"]["decision_meeting"][0]["data"]["members_expected"] == 10


@pytest.mark.parametrize(("cast", "accepted"), [(9, True), (10, False)])
def test_dec_recusal_at_a_full_committee_the_member_still_votes(
    d: Driver, cast: int, accepted: bool
) -> None:
    a, _, body_id, members = recusal_setup(d, kind="full_committee")
    at = d.now().isoformat()
    # Still declared ...
    problem = refused(d, "decision-meetings", meeting([ballot(a, 7)], body_id, members, held_at=at))
    assert problem["rule"] == "DEC-RECUSAL"
    # ... but the recused member votes: 9 present, 9 votes on `a`.
    body = meeting(
        [ballot(a, 7, against=cast - 7)],
        body_id,
        members,
        held_at=at,
        recusals=[recusal(members[8], a)],
    )
    if accepted:
        d.fact("decision-meetings", body)
        d.act("approve")
    else:
        refused(d, "decision-meetings", body)


# --- DEC-FULL-COMMITTEE ------------------------------------------------------------------------


def opinions(full_committee_id: str, solicited_on: str, **over: Any) -> dict[str, Any]:
    return {
        "full_committee_id": full_committee_id,
        "solicited_on": solicited_on,
        "summary": "全委会委员书面意见均表示同意",
        "urgent_reason": "全委会闭会期间，工作急需",
        **over,
    }


@pytest.mark.parametrize(
    ("present", "votes", "rule"),
    [(8, 6, None), (8, 5, "DEC-MAJORITY"), (7, 6, "DEC-QUORUM"), (11, 11, None)],
)
def test_dec_full_committee_post_by_full_committee_secret_ballot(
    d: Driver, present: int, votes: int, rule: str | None
) -> None:
    a, _ = in_decision(d, decided_by_full_committee=True)
    full_id, full = new_body(d, 11, "full_committee")
    at = d.now().isoformat()
    for method in ("show_of_hands", "oral"):
        problem = refused(
            d,
            "decision-meetings",
            meeting([ballot(a, votes)], full_id, full[:present], held_at=at, voting_method=method),
        )
        assert "DEC-FULL-COMMITTEE" in rules_of(problem)
    d.fact("decision-meetings", meeting([ballot(a, votes)], full_id, full[:present], held_at=at))
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert (data["body_kind"], data["members_expected"]) == ("full_committee", 11)
    # Eleven should attend: 8 present is a quorum (7 is not); 6 votes a majority (5 is not).
    if rule is None:
        d.act("approve")
        assert d.standing(a) == "approved"
    else:
        refused_action(d, "approve", rule)


def test_dec_full_committee_post_refused_to_other_bodies(d: Driver) -> None:
    a, _ = in_decision(d, decided_by_full_committee=True)
    sc_id, sc = new_body(d, 9)
    other_sc, _ = new_body(d, 9)
    pg_id, pg = new_body(d, 9, "party_group")
    full_id, _ = new_body(d, 11, "full_committee")
    at = d.now().isoformat()
    day = d.today()
    cases: list[tuple[str, list[str], dict[str, Any]]] = [
        (sc_id, sc, {}),  # no opinions solicited
        (sc_id, sc, {"full_committee_opinions": opinions(other_sc, day)}),  # not a full committee
        (pg_id, pg, {}),
        (pg_id, pg, {"full_committee_opinions": opinions(full_id, day)}),  # not a standing com.
    ]
    for body_id, members, over in cases:
        problem = refused(
            d, "decision-meetings", meeting([ballot(a, 7)], body_id, members, held_at=at, **over)
        )
        assert problem["rule"] == "DEC-FULL-COMMITTEE", problem
    # Opinions of a body that does not exist; urgency not stated.
    for bad in (
        opinions(str(uuid.uuid4()), day),
        opinions(full_id, day, urgent_reason=" "),
        opinions(full_id, day, summary=""),
    ):
        refused(
            d,
            "decision-meetings",
            meeting([ballot(a, 7)], sc_id, sc, held_at=at, full_committee_opinions=bad),
        )


@pytest.mark.parametrize(
    ("solicited_on", "accepted"),
    [("2026-03-23", True), ("2026-03-24", True), ("2026-03-25", False)],
)
def test_dec_full_committee_urgent_standing_committee(
    d: Driver, solicited_on: str, accepted: bool
) -> None:
    a, _ = in_decision(d, decided_by_full_committee=True)
    sc_id, sc = new_body(d, 9)
    full_id, _ = new_body(d, 11, "full_committee")
    d.on("2026-03-25")
    # The meeting was yesterday; opinions solicited on or before its day.
    body = meeting(
        [ballot(a, 7)],
        sc_id,
        sc,
        held_at=held("2026-03-24"),
        full_committee_opinions=opinions(full_id, solicited_on),
    )
    if not accepted:
        assert refused(d, "decision-meetings", body)["rule"] == "DEC-FULL-COMMITTEE"
        return
    d.fact("decision-meetings", body)
    data = d.case["facts"]["decision_meeting"][0]["data"]
    assert data["full_committee_opinions"]["full_committee_id"] == full_id
    assert data["members_expected"] == 9
    d.act("approve")


def test_dec_full_committee_opinions_inside_the_case_timeline(d: Driver) -> None:
    a, _ = in_decision(d, decided_by_full_committee=True)  # the case was created on 03-02
    sc_id, sc = new_body(d, 9)
    full_id, _ = new_body(d, 11, "full_committee")
    body = meeting(
        [ballot(a, 7)],
        sc_id,
        sc,
        held_at=d.now().isoformat(),
        full_committee_opinions=opinions(full_id, "2026-03-01"),
    )
    assert refused(d, "decision-meetings", body)["rule"] == "CASE-TIMELINE"


def test_dec_full_committee_not_required_for_an_ordinary_post(d: Driver) -> None:
    a, _ = in_decision(d)
    sc_id, sc = new_body(d, 9)
    d.fact("decision-meetings", meeting([ballot(a, 7)], sc_id, sc, held_at=d.now().isoformat()))
    d.act("approve")
    assert d.case["stage"] == "publicity"
