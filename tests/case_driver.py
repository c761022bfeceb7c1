"""Drives a selection case through the public API, stage by stage (shared by tests and e2e)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
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


def report(cid: str, signed_on: str = "2026-03-02", **over: Any) -> dict[str, Any]:
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
            "signed_on": signed_on,
        },
    }
    body.update(over)
    return body


CHINA = timezone(timedelta(hours=8))


def china_morning(day: str) -> datetime:
    """09:00 China time on `day` (YYYY-MM-DD)."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), CHINA) + timedelta(
        hours=9
    )


def meeting(
    results: list[dict[str, Any]], body_id: str, attendee_ids: list[str], **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "held_at": "2026-03-25T09:00:00+08:00",
        "place": "市委常委会议室",
        "body_id": body_id,
        "attendee_ids": attendee_ids,
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
    """Drives one case. Time moves forward only, to the day each step is dated (CASE-TIMELINE):
    through the app's clock for a TestClient, or through the test clock route (admin headers
    in `clock_headers`) for a live server."""

    http: Http
    headers: dict[str, str]
    case: dict[str, Any] = field(default_factory=dict)
    clock_headers: dict[str, str] | None = None
    bodies: dict[int, tuple[str, list[str]]] = field(default_factory=dict)
    live_now: datetime | None = None

    # --- time ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        app = getattr(self.http, "app", None)
        if app is not None and self.clock_headers is None:
            found: datetime = app.state.clock.now()
            return found
        return self.live_now or datetime(2000, 1, 1, tzinfo=UTC)

    def set_now(self, at: datetime) -> None:
        app = getattr(self.http, "app", None)
        if app is not None and self.clock_headers is None:
            clock = app.state.clock
            clock.offset_seconds = 0.0
            if hasattr(clock, "set"):
                clock.set(at)
            else:
                clock.offset_seconds = (at - clock.now()).total_seconds()
            return
        ok(
            self.http.put(
                "/api/v1/_test/clock", json={"now": at.isoformat()}, headers=self.clock_headers
            )
        )
        self.live_now = at

    def today(self) -> str:
        return str(self.now().astimezone(CHINA).date())

    def on(self, day: str) -> None:
        """Move the clock to 09:00 China time on `day` unless it is already later."""
        at = china_morning(day)
        if at > self.now():
            self.set_now(at)

    def body(self, size: int = 9) -> tuple[str, list[str]]:
        """A standing committee of `size` members since 2020 (created once per size)."""
        if size not in self.bodies:
            b = ok(
                self.http.post(
                    "/api/v1/decision-bodies",
                    json={
                        "name": f"市委常委会{size}-{uuid.uuid4().hex[:8]}",
                        "kind": "standing_committee",
                        "org_unit": "市委",
                    },
                    headers=self.headers,
                ),
                201,
            )
            members = [
                ok(
                    self.http.post(
                        f"/api/v1/decision-bodies/{b['id']}/members",
                        json={"name": f"委员{i + 1}", "joined_on": "2020-01-01"},
                        headers=self.headers,
                    ),
                    201,
                )["id"]
                for i in range(size)
            ]
            self.bodies[size] = (str(b["id"]), [str(m) for m in members])
        return self.bodies[size]

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
        assert r.status_code == status, f"{path}: {r.status_code}: {r.text}"
        if r.status_code == 201:
            self.refresh()
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
        """`scope` is the motion's (REC-SCOPE); a different one is amended first."""
        if scope != self.case["motion"]["recommendation_scope"]:
            self.fact("scope-amendments", {"recommendation_scope": scope, "reason": "范围调整"})
        self.on(held_on)
        self.fact(
            "recommendation-rounds",
            {
                "kind": kind,
                "held_on": held_on,
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
            "decided_on": self.today(),
            "minutes": "研究确定考察对象",
            "candidate_ids": cids,
        }
        if equal_number_reason:
            body["equal_number_reason"] = equal_number_reason
        return self.fact("targets", body, status=status)

    def inspect(self, cids: list[str]) -> None:
        day = self.today()
        self.fact("inspection-notice", self.notice_body())
        self.fact("inspection-team", {"members": [{"name": "甲", "leader": True}, {"name": "乙"}]})
        for c in cids:
            self.fact("inspection-reports", report(c, day))

    def notice_body(self) -> dict[str, Any]:
        """An inspection notice published today, fieldwork from today."""
        day = self.today()
        return {
            "period_start": day,
            "period_end": day,
            "team": "考察组",
            "contact": "0000-1234567",
            "how_to_report": "来信来电",
            "published_on": day,
        }

    def deliberate(self, cids: list[str]) -> None:
        self.fact("proposals", {"candidate_ids": cids})
        self.fact(
            "consultations",
            {"party": "leaders", "consulted_on": self.today(), "answer": "agree"},
        )

    def meeting_body(
        self, results: list[dict[str, Any]], expected: int = 9, present: int = 9, **over: Any
    ) -> dict[str, Any]:
        """Held now unless `held_at` is given (then the clock moves there)."""
        body_id, members = self.body(expected)
        over.setdefault("held_at", self.now().isoformat())
        body = meeting(results, body_id, members[:present], **over)
        held = datetime.fromisoformat(body["held_at"])
        if held > self.now():
            self.set_now(held)
        return body

    def reconsider_vote(
        self, votes_for: int, present: int = 9, status: int = 201, expected: int = 9
    ) -> Any:
        """A reconsideration vote of the body that decided (its roster of `expected`)."""
        _, members = self.body(expected)
        return self.fact(
            "reconsiderations",
            {
                "held_on": str(self.now().astimezone(CHINA).date()),
                "attendee_ids": members[:present],
                "votes_for": votes_for,
                "reason": "新情况",
            },
            status=status,
        )

    def decide(
        self,
        cids: list[str],
        votes_for: int = 7,
        expected: int = 9,
        present: int = 9,
        status: int = 201,
        **over: Any,
    ) -> Any:
        """A meeting of a standing committee of `expected` members, the first `present` there."""
        body = self.meeting_body(
            [{"candidate_id": c, "briefing": BRIEFING, "votes_for": votes_for} for c in cids],
            expected,
            present,
            **over,
        )
        return self.fact("decision-meetings", body, status=status)

    def publicise(self, start: str = "2026-03-30", advance: bool = True, **over: Any) -> Any:
        """Publish the notice now, starting on `start`; then (advance) move to that day."""
        body: dict[str, Any] = {
            "start_date": start,
            "how_to_object": "来信来电",
            "contact": "12380",
        }
        body.update(over)
        made = self.fact("publicity-notice", body)
        if advance:
            self.on(start)
            self.refresh()
        return made

    def appointment(
        self, cid: str, form: str = "appointed", on: str = "2026-04-10", status: int = 201
    ) -> Any:
        self.on(on)
        return self.fact(
            "appointments",
            {
                "candidate_id": cid,
                "form": form,
                "appointed_on": on,
                "talk": {"held_on": on, "by": "组织部长"},
            },
            status=status,
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
