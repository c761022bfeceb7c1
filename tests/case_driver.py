"""Drives a selection case through the public API, stage by stage (shared by tests and e2e)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.factories import candidate_body, position_body

Http = Any  # a TestClient or an httpx.Client against a live server: same calls


def ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    body: dict[str, Any] = r.json()
    return body


BRIEFING = {
    "nomination": "组织推荐",
    "recommendation": "会议推荐得票集中",
    "inspection": "考察表现优秀",
    "reasons": "工作需要",
}


def report(cid: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "candidate_id": cid,
        "morality": "德：政治坚定",
        "ability": "能：业务精通",
        "diligence": "勤：工作勤奋",
        "achievement": "绩：成绩突出",
        "integrity": "廉：廉洁自律",
        "shortcomings": "创新意识有待加强",
        "recommendation_results": "会议推荐得票率80%",
        "evaluation_results": "民主测评优秀率85%",
        "four_musts": {
            "dossier_audited": True,
            "personal_matters_checked": True,
            "discipline_opinion_received": True,
            "complaints_verified": True,
        },
        "integrity_conclusion": {
            "text": "未发现廉政问题",
            "party_secretary_signed": True,
            "discipline_secretary_signed": True,
            "signed_on": "2026-03-20",
        },
    }
    body.update(over)
    return body


def meeting(
    results: list[dict[str, Any]], expected: int = 9, present: int = 9, **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "held_at": "2026-03-25T09:00:00+08:00",
        "place": "市委常委会议室",
        "members_expected": expected,
        "members_present": present,
        "voting_method": "secret_ballot",
        "host": "市委书记",
        "recorder": "市委办公室",
        "host_signed": True,
        "recorder_signed": True,
        "discussion": "逐一介绍，充分讨论",
        "decision": "同意任用",
        "results": results,
    }
    body.update(over)
    return body


@dataclass
class Driver:
    http: Http
    headers: dict[str, str]
    case: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"/api/v1/cases/{self.case['id']}"

    def candidate(self, **over: Any) -> str:
        return str(
            ok(
                self.http.post(
                    "/api/v1/candidates", json=candidate_body(**over), headers=self.headers
                ),
                201,
            )["id"]
        )

    def position(self, **over: Any) -> dict[str, Any]:
        return ok(
            self.http.post("/api/v1/positions", json=position_body(**over), headers=self.headers),
            201,
        )

    def create(
        self,
        position_id: str,
        candidate_ids: list[str],
        *,
        places: int = 1,
        method: str = "organisational",
        policy: str | None = None,
        scope: int = 30,
        **motion: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": "选拔副主任",
            "position_id": position_id,
            "places": places,
            "method": method,
            "motion": {
                "proposer_kind": "org_department",
                "proposed_by": "市委组织部",
                "recommendation_scope": scope,
                **motion,
            },
            "candidate_ids": candidate_ids,
        }
        if policy:
            body["policy"] = policy
        self.case = ok(self.http.post("/api/v1/cases", json=body, headers=self.headers), 201)
        return self.case

    def refresh(self) -> dict[str, Any]:
        self.case = ok(self.http.get(self.url, headers=self.headers))
        return self.case

    def fact(
        self,
        path: str,
        body: dict[str, Any],
        status: int = 201,
        headers: dict[str, str] | None = None,
    ) -> Any:
        r = self.http.post(f"{self.url}/{path}", json=body, headers=headers or self.headers)
        if r.status_code == 201:
            self.case = r.json()
        assert r.status_code == status, f"{path}: {r.status_code}: {r.text}"
        return r.json()

    def act(
        self,
        action: str,
        status: int = 200,
        reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        h = {**(headers or self.headers), "If-Match": self.case["etag"]}
        body: dict[str, Any] = {"action": action}
        if reason:
            body["reason"] = reason
        r = self.http.post(f"{self.url}/transitions", json=body, headers=h)
        assert r.status_code == status, f"{action}: {r.status_code}: {r.text}"
        if r.status_code == 200:
            self.case = r.json()
        return r.json()

    def standing(self, cid: str) -> str:
        return str(next(c for c in self.case["candidates"] if c["candidate_id"] == cid)["standing"])

    # --- whole stages ---------------------------------------------------------------------------

    def recommend(
        self,
        cids: list[str],
        participants: int = 30,
        scope: int = 30,
        kind: str = "meeting",
        held_on: str = "2026-03-02",
        votes: int = 20,
    ) -> None:
        self.fact(
            "recommendation-rounds",
            {
                "kind": kind,
                "held_on": held_on,
                "scope_size": scope,
                "participants": participants,
                "results": [{"candidate_id": c, "votes_for": votes} for c in cids],
            },
        )

    def targets(
        self, cids: list[str], status: int = 201, equal_number_reason: str | None = None
    ) -> Any:
        """Record the target decision; with status=422 it returns the refusal."""
        body: dict[str, Any] = {
            "decided_by": "部务会",
            "decided_on": "2026-03-03",
            "minutes": "研究确定考察对象",
            "candidate_ids": cids,
        }
        if equal_number_reason:
            body["equal_number_reason"] = equal_number_reason
        return self.fact("targets", body, status=status)

    def inspect(self, cids: list[str]) -> None:
        self.fact(
            "inspection-notice",
            {
                "period_start": "2026-03-05",
                "period_end": "2026-03-12",
                "team": "考察组",
                "contact": "0000-1234567",
                "how_to_report": "来信来电",
                "published_on": "2026-03-04",
            },
        )
        self.fact("inspection-team", {"members": [{"name": "甲"}, {"name": "乙"}]})
        for c in cids:
            self.fact("inspection-reports", report(c))

    def deliberate(self, cids: list[str]) -> None:
        self.fact("proposals", {"candidate_ids": cids})
        self.fact(
            "consultations", {"party": "leaders", "consulted_on": "2026-03-20", "answer": "agree"}
        )

    def decide(
        self, cids: list[str], votes_for: int = 7, expected: int = 9, present: int = 9, **over: Any
    ) -> Any:
        return self.fact(
            "decision-meetings",
            meeting(
                [{"candidate_id": c, "briefing": BRIEFING, "votes_for": votes_for} for c in cids],
                expected=expected,
                present=present,
                **over,
            ),
        )

    def publicise(self, start: str = "2026-03-30", **over: Any) -> Any:
        body: dict[str, Any] = {
            "start_date": start,
            "how_to_object": "来信来电",
            "contact": "12380",
        }
        body.update(over)
        return self.fact("publicity-notice", body)

    def appointment(self, cid: str, form: str = "appointed", on: str = "2026-04-10") -> Any:
        return self.fact(
            "appointments",
            {
                "candidate_id": cid,
                "form": form,
                "appointed_on": on,
                "talk": {"held_on": on, "by": "组织部长"},
            },
        )

    def to_decision(self, cids: list[str], targets: list[str] | None = None) -> None:
        """Motion → recommendation → inspection → deliberation → decision."""
        self.act("start_recommendation")
        self.recommend(cids)
        tg = targets or cids
        self.targets(tg, equal_number_reason=None if len(tg) > self.case["places"] else "意见集中")
        self.act("start_inspection")
        self.inspect(tg)
        self.act("start_deliberation")
        self.deliberate(cids[: self.case["places"]])
        self.act("submit_for_decision")
