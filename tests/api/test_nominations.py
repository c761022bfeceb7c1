"""Nominations (推荐、自荐): the three self-nomination channels, forwarding and interception
(NOM-SELF-FORWARD), confidentiality for every role (NOM-SELF-CONFIDENTIAL), signed
recommendations (NOM-SIGNED), admission to a case pool, evidence files."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from app.db.models import CaseCandidate
from app.db.nomination_models import NominationAttachment
from app.db.uow import UnitOfWork
from app.domain.enums import Role
from app.services import nominations
from app.services.context import Actor
from app.settings import Settings
from tests.conftest import Principals
from tests.factories import candidate_body, position_body

PROBLEM = "application/problem+json"
NOMINATIONS = "/api/v1/nominations"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
# Lodged on Monday 2026-03-02 (China); 5 working days later (central policy) is Monday 03-09.
CENTRAL_DEADLINE = "2026-03-09"


def ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    body: dict[str, Any] = r.json()
    return body


def ok_list(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 200, f"{r.status_code}: {r.text}"
    body: list[dict[str, Any]] = r.json()
    return body


def refused(r: Any, status: int, rule: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    if rule is not None:
        assert body["rule"] == rule, body
    return body


def new_candidate(client: TestClient, org: dict[str, str], **over: Any) -> str:
    return str(
        ok(client.post("/api/v1/candidates", json=candidate_body(**over), headers=org), 201)["id"]
    )


def new_cadre(
    client: TestClient, tokens: Principals, name: str = "自荐干部"
) -> tuple[dict[str, str], str]:
    """A cadre's principal linked to their own cadre record: (headers, candidate id)."""
    cid = new_candidate(client, tokens["org_department"])
    headers, _ = tokens.make(
        name, [Role.CADRE], org_unit="市发展和改革委员会", candidate_id=uuid.UUID(cid)
    )
    return headers, cid


def new_leader(tokens: Principals, name: str = "单位党组书记") -> tuple[dict[str, str], str]:
    headers, pid = tokens.make(name, [Role.UNIT_PARTY_LEADER], org_unit="市发展和改革委员会")
    return headers, str(pid)


def self_body(channel: str, leader_id: str | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "self",
        "channel": channel,
        "post_aimed_at": "市发展和改革委员会副主任",
        "statement": "熟悉经济运行，愿意承担更重的担子",
        "strengths": "十年基层经济工作经历",
    }
    if leader_id is not None:
        body["leader_id"] = leader_id
    body.update(over)
    return body


def lodge(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return ok(client.post(NOMINATIONS, json=body, headers=headers), 201)


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    page = ok(client.get(NOMINATIONS, params={"limit": 200, **params}, headers=headers))
    return [n["id"] for n in page["items"]]


def counted(client: TestClient, headers: dict[str, str], **params: Any) -> int:
    return int(ok(client.get(f"{NOMINATIONS}/count", params=params, headers=headers))["count"])


def upload(
    client: TestClient,
    headers: dict[str, str],
    nid: str,
    data: bytes,
    content_type: str = "image/png",
    filename: str = "工作照片.png",
) -> Any:
    return client.post(
        f"{NOMINATIONS}/{nid}/attachments",
        files={"file": (filename, data, content_type)},
        headers=headers,
    )


def intercepted_ids(client: TestClient, headers: dict[str, str]) -> list[str]:
    return [i["id"] for i in ok(client.get(f"{NOMINATIONS}/intercepted", headers=headers))["items"]]


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.attachment_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def new_case(
    client: TestClient, org: dict[str, str], candidate_ids: list[str] | None = None
) -> str:
    position = ok(client.post("/api/v1/positions", json=position_body(), headers=org), 201)
    body = {
        "title": "选拔副主任",
        "position_id": position["id"],
        "places": 1,
        "method": "organisational",
        "motion": {
            "proposer_kind": "org_department",
            "proposed_by": "市委组织部",
            "recommendation_scope": 30,
        },
        "candidate_ids": candidate_ids or [],
    }
    return str(ok(client.post("/api/v1/cases", json=body, headers=org), 201)["id"])


# --- the three channels ------------------------------------------------------------------------


def test_self_nomination_three_channels(client: TestClient, tokens: Principals) -> None:
    cadre, cid = new_cadre(client, tokens)
    _, leader_id = new_leader(tokens)

    with_leader = lodge(client, cadre, self_body("unit_party_leader", leader_id))
    assert with_leader["kind"] == "self"
    assert with_leader["candidate_id"] == cid  # the nominee is always the author
    assert with_leader["status"] == "lodged"
    assert with_leader["channel"] == "unit_party_leader"
    assert with_leader["leader_id"] == leader_id
    assert with_leader["forward_deadline"] == CENTRAL_DEADLINE
    assert with_leader["forwarded_late"] is False

    for channel in ("org_department", "main_city_leader"):
        direct = lodge(client, cadre, self_body(channel))
        assert direct["status"] == "received"
        assert direct["forward_deadline"] is None
        assert direct["leader_id"] is None

    # No vacancy needed: a registered position is optional, a free-text post will do.
    position = ok(
        client.post("/api/v1/positions", json=position_body(), headers=tokens["org_department"]),
        201,
    )
    on_post = lodge(
        client, cadre, self_body("org_department", post_aimed_at="", position_id=position["id"])
    )
    assert on_post["position_id"] == position["id"]

    # A local policy sets the deadline: Nanyang reads 及时 as 3 working days.
    nanyang = lodge(
        client, cadre, self_body("unit_party_leader", leader_id, policy="nanyang-self-nomination")
    )
    assert nanyang["forward_deadline"] == "2026-03-05"

    record = ok(client.get(f"{NOMINATIONS}/{with_leader['id']}/record", headers=cadre))
    assert [e["action"] for e in record["entries"]] == ["nomination.lodged"]
    assert record["entries"][0]["rules"] == ["NOM-SELF-CHANNEL"]
    assert record["verified"] is True


def test_self_nomination_refusals(client: TestClient, tokens: Principals) -> None:
    cadre, _ = new_cadre(client, tokens)
    _, leader_id = new_leader(tokens)
    _, secretary_id = tokens.make("书记", [Role.COMMITTEE_SECRETARY])

    refused(
        client.post(NOMINATIONS, json=self_body("unit_party_leader"), headers=cadre),
        422,
        "NOM-SELF-CHANNEL",
    )
    refused(
        client.post(
            NOMINATIONS, json=self_body("unit_party_leader", str(secretary_id)), headers=cadre
        ),
        422,
        "NOM-SELF-CHANNEL",
    )
    refused(
        client.post(
            NOMINATIONS, json=self_body("unit_party_leader", str(uuid.uuid4())), headers=cadre
        ),
        422,
        "NOM-SELF-CHANNEL",
    )
    refused(
        client.post(NOMINATIONS, json=self_body("org_department", leader_id), headers=cadre),
        422,
        "NOM-SELF-CHANNEL",
    )
    # Unknown channel, a nominee other than oneself, no post at all: schema errors.
    refused(client.post(NOMINATIONS, json=self_body("mayor"), headers=cadre), 422)
    other = new_candidate(client, tokens["org_department"])
    refused(
        client.post(
            NOMINATIONS, json=self_body("org_department", candidate_id=other), headers=cadre
        ),
        422,
    )
    refused(
        client.post(NOMINATIONS, json=self_body("org_department", post_aimed_at=""), headers=cadre),
        422,
    )
    refused(
        client.post(NOMINATIONS, json=self_body("org_department", statement=""), headers=cadre), 422
    )
    refused(
        client.post(
            NOMINATIONS, json=self_body("org_department", statement="a\u0000b"), headers=cadre
        ),
        422,
    )
    refused(
        client.post(
            NOMINATIONS,
            json=self_body("unit_party_leader", leader_id, policy="nope"),
            headers=cadre,
        ),
        422,
    )
    refused(
        client.post(
            NOMINATIONS,
            json=self_body("org_department", position_id=str(uuid.uuid4())),
            headers=cadre,
        ),
        422,
    )
    # Only a cadre lodges a self-nomination, and only a principal linked to a cadre record.
    refused(
        client.post(NOMINATIONS, json=self_body("org_department"), headers=tokens["cadre"]), 403
    )
    refused(
        client.post(
            NOMINATIONS, json=self_body("org_department"), headers=tokens["org_department"]
        ),
        403,
    )


# --- forwarding and interception (NOM-SELF-FORWARD) ----------------------------------------------


def test_only_the_lodged_with_leader_forwards(client: TestClient, tokens: Principals) -> None:
    cadre, _ = new_cadre(client, tokens)
    leader, leader_id = new_leader(tokens)
    other_leader, _ = new_leader(tokens, "另一单位党委书记")
    nid = lodge(client, cadre, self_body("unit_party_leader", leader_id))["id"]
    url = f"{NOMINATIONS}/{nid}"

    refused(client.post(f"{url}/forward", headers=other_leader), 404)
    refused(client.post(f"{url}/forward", headers=tokens["org_department"]), 403)
    refused(client.post(f"{url}/forward", headers=cadre), 403)
    # The leader can neither decline, nor edit, nor discard it: no such routes for anyone.
    refused(client.post(f"{url}/decline", json={"reason": "不转"}, headers=leader), 403)
    refused(client.post(f"{url}/review", headers=leader), 403)
    refused(client.patch(url, json={"statement": "改"}, headers=leader), 405)
    refused(client.delete(url, headers=leader), 405)
    refused(client.delete(url, headers=tokens["admin"]), 405)

    forwarded = ok(client.post(f"{url}/forward", headers=leader))
    assert forwarded["status"] == "forwarded"
    assert forwarded["forwarded_late"] is False
    assert forwarded["forwarded_at"] is not None
    # Once forwarded the leader no longer sees it, so a second forward is a 404 too.
    refused(client.get(url, headers=leader), 404)
    refused(client.post(f"{url}/forward", headers=leader), 404)
    record = ok(client.get(f"{url}/record", headers=tokens["org_department"]))
    assert [e["action"] for e in record["entries"]] == ["nomination.lodged", "nomination.forwarded"]
    assert record["entries"][1]["actor_role"] == "unit_party_leader"
    assert record["entries"][1]["payload"]["late"] is False


def test_interception_is_flagged_the_day_after_the_deadline(
    client: TestClient, tokens: Principals, clock: Any
) -> None:
    cadre, cid = new_cadre(client, tokens)
    leader, leader_id = new_leader(tokens)
    nid = lodge(client, cadre, self_body("unit_party_leader", leader_id))["id"]
    org, discipline = tokens["org_department"], tokens["discipline_inspection"]

    assert nid not in intercepted_ids(client, org)
    # The deadline day itself, late evening in China (20:00): not yet intercepted.
    clock.set(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert nid not in intercepted_ids(client, org)
    assert nid not in intercepted_ids(client, discipline)
    # Half past midnight on the next day in China (still 03-09 in UTC): intercepted.
    clock.set(datetime(2026, 3, 9, 16, 30, tzinfo=UTC))
    assert nid in intercepted_ids(client, org)
    seen_by_org = next(
        i
        for i in ok(client.get(f"{NOMINATIONS}/intercepted", headers=org))["items"]
        if i["id"] == nid
    )
    assert seen_by_org == {
        "id": nid,
        "leader_id": leader_id,
        "leader_name": "单位党组书记",
        "lodged_at": seen_by_org["lodged_at"],
        "forward_deadline": CENTRAL_DEADLINE,
        "days_overdue": 1,
        "candidate_id": cid,
    }
    # Discipline inspection watches the leader, not the self-nominee (NOM-SELF-CONFIDENTIAL).
    seen_by_discipline = next(
        i
        for i in ok(client.get(f"{NOMINATIONS}/intercepted", headers=discipline))["items"]
        if i["id"] == nid
    )
    assert seen_by_discipline["candidate_id"] is None
    assert seen_by_discipline["leader_id"] == leader_id
    # 三员分立: the system administrator reads no personnel data.
    for role in ("unit_party_leader", "cadre", "committee_secretary", "auditor", "admin"):
        refused(client.get(f"{NOMINATIONS}/intercepted", headers=tokens[role]), 403)
    refused(client.get(f"{NOMINATIONS}/intercepted", headers=leader), 403)

    # Forwarding late is still allowed; the record keeps that it was late.
    late = ok(client.post(f"{NOMINATIONS}/{nid}/forward", headers=leader))
    assert late["status"] == "forwarded"
    assert late["forwarded_late"] is True
    assert nid not in intercepted_ids(client, org)
    assert ok(client.get(f"{NOMINATIONS}/{nid}", headers=org))["forwarded_late"] is True


def test_unforwarded_self_nomination_cannot_be_reviewed_or_decided(
    client: TestClient, tokens: Principals
) -> None:
    cadre, _ = new_cadre(client, tokens)
    leader, leader_id = new_leader(tokens)
    org = tokens["org_department"]
    nid = lodge(client, cadre, self_body("unit_party_leader", leader_id))["id"]
    case_id = new_case(client, org)
    url = f"{NOMINATIONS}/{nid}"

    refused(client.post(f"{url}/review", headers=org), 409, "NOM-SELF-FORWARD")
    refused(
        client.post(f"{url}/admit", json={"case_id": case_id}, headers=org), 409, "NOM-SELF-FORWARD"
    )
    refused(
        client.post(f"{url}/decline", json={"reason": "不符合条件"}, headers=org),
        409,
        "NOM-SELF-FORWARD",
    )
    ok(client.post(f"{url}/forward", headers=leader))
    assert ok(client.post(f"{url}/review", headers=org))["status"] == "under_review"


# --- confidentiality (NOM-SELF-CONFIDENTIAL) -----------------------------------------------------


def _not_found_body(r: Any, nid: str) -> dict[str, Any]:
    body = refused(r, 404)
    return {k: (v.replace(nid, "<id>") if isinstance(v, str) else v) for k, v in body.items()}


def test_self_nomination_confidentiality_for_every_role(
    client: TestClient, tokens: Principals
) -> None:
    cadre, cid = new_cadre(client, tokens)
    leader, leader_id = new_leader(tokens)
    other_leader, _ = new_leader(tokens, "另一单位党委书记")
    other_cadre, _ = new_cadre(client, tokens, "另一干部")
    nomination = lodge(client, cadre, self_body("unit_party_leader", leader_id))
    nid = nomination["id"]
    att = ok(upload(client, cadre, nid, PNG), 201)
    url = f"{NOMINATIONS}/{nid}"
    missing = str(uuid.uuid4())
    missing_body = _not_found_body(
        client.get(f"{NOMINATIONS}/{missing}", headers=tokens["admin"]), missing
    )

    def sees(headers: dict[str, str]) -> None:
        assert ok(client.get(url, headers=headers))["id"] == nid
        assert nid in listed(client, headers)
        assert nid in listed(client, headers, kind="self", candidate_id=cid)
        assert counted(client, headers, candidate_id=cid) == 1
        assert [a["id"] for a in ok_list(client.get(f"{url}/attachments", headers=headers))] == [
            att["id"]
        ]
        assert client.get(f"{url}/attachments/{att['id']}", headers=headers).content == PNG
        assert ok(client.get(f"{url}/record", headers=headers))["entries"]

    def blind(headers: dict[str, str]) -> None:
        r = client.get(url, headers=headers)
        assert _not_found_body(r, nid) == missing_body  # the same answer as a missing id
        assert nid not in listed(client, headers)
        assert nid not in listed(client, headers, kind="self", candidate_id=cid)
        assert counted(client, headers, candidate_id=cid) == 0
        refused(client.get(f"{url}/attachments", headers=headers), 404)
        refused(client.get(f"{url}/attachments/{att['id']}", headers=headers), 404)
        refused(client.get(f"{url}/record", headers=headers), 404)
        refused(upload(client, headers, nid, PNG), 404)

    sees(tokens["org_department"])
    sees(cadre)  # the author
    sees(leader)  # the leader it was lodged with, until forwarded
    for headers in (
        other_leader,
        tokens["unit_party_leader"],
        tokens["committee_secretary"],
        tokens["discipline_inspection"],
        tokens["auditor"],
        tokens["admin"],  # 三员分立: the system administrator reads no personnel data
        tokens["security_admin"],
        tokens["cadre"],  # a cadre principal without a cadre record
        other_cadre,
    ):
        blind(headers)

    ok(client.post(f"{url}/forward", headers=leader))
    blind(leader)
    sees(tokens["org_department"])
    sees(cadre)
    blind(tokens["committee_secretary"])


def test_other_kinds_are_visible_to_case_readers_and_their_lodger(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    leader, _ = new_leader(tokens)
    signed = lodge(
        client,
        leader,
        {
            "kind": "signed",
            "candidate_id": cid,
            "statement": "该同志政治坚定，实绩突出",
            "signer_name": "王某",
            "signer_post": "市发展和改革委员会党组书记",
            "signed": True,
        },
    )
    assert signed["status"] == "received"
    assert signed["lodged_role"] == "unit_party_leader"
    for role in (
        "org_department",
        "committee_secretary",
        "discipline_inspection",
        "auditor",
    ):
        assert (
            ok(client.get(f"{NOMINATIONS}/{signed['id']}", headers=tokens[role]))["id"]
            == signed["id"]
        )
        assert signed["id"] in listed(client, tokens[role])
    for role in ("admin", "security_admin"):  # 三员分立
        refused(client.get(f"{NOMINATIONS}/{signed['id']}", headers=tokens[role]), 404)
        assert signed["id"] not in listed(client, tokens[role])
    assert ok(client.get(f"{NOMINATIONS}/{signed['id']}", headers=leader))["id"] == signed["id"]
    for role in ("unit_party_leader", "cadre"):
        refused(client.get(f"{NOMINATIONS}/{signed['id']}", headers=tokens[role]), 404)
        assert signed["id"] not in listed(client, tokens[role])
    # The signed recommendation's nominee does not see it either (it is not their nomination).
    nominee, _ = tokens.make("被推荐人", [Role.CADRE], candidate_id=uuid.UUID(cid))
    refused(client.get(f"{NOMINATIONS}/{signed['id']}", headers=nominee), 404)


# --- signed recommendations (NOM-SIGNED) -------------------------------------------------------


def signed_body(cid: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "signed",
        "candidate_id": cid,
        "statement": "推荐材料：该同志担当作为",
        "signer_name": "李某",
        "signer_post": "市委常委",
        "signed": True,
    }
    body.update(over)
    return body


@pytest.mark.parametrize(
    "missing",
    [
        {"statement": ""},
        {"statement": "   "},
        {"signer_name": ""},
        {"signer_post": ""},
        {"signed": False},
    ],
    ids=["no-material", "blank-material", "no-signer", "no-signer-post", "not-signed"],
)
def test_signed_recommendation_must_be_written_and_signed(
    client: TestClient, tokens: Principals, missing: dict[str, Any]
) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    body = refused(
        client.post(NOMINATIONS, json=signed_body(cid, **missing), headers=org), 422, "NOM-SIGNED"
    )
    assert len(body["violations"]) == 1
    assert counted(client, org, candidate_id=cid) == 0


def test_signed_recommendation_lists_every_missing_element(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    bare = {"kind": "signed", "candidate_id": cid}
    body = refused(client.post(NOMINATIONS, json=bare, headers=org), 422, "NOM-SIGNED")
    assert len(body["violations"]) == 4
    assert {v["rule"] for v in body["violations"]} == {"NOM-SIGNED"}
    ok_body = lodge(client, tokens["committee_secretary"], signed_body(cid))
    assert ok_body["signed"] is True
    assert ok_body["signer_name"] == "李某"
    refused(client.post(NOMINATIONS, json=signed_body(cid), headers=tokens["cadre"]), 403)
    refused(client.post(NOMINATIONS, json=signed_body(cid), headers=tokens["auditor"]), 403)
    refused(client.post(NOMINATIONS, json=signed_body(str(uuid.uuid4())), headers=org), 422)


def test_organisational_and_full_committee_nominations(
    client: TestClient, tokens: Principals
) -> None:
    org, secretary = tokens["org_department"], tokens["committee_secretary"]
    cid = new_candidate(client, org)
    organisational = lodge(
        client, org, {"kind": "organisational", "candidate_id": cid, "statement": "组织推荐"}
    )
    assert organisational["status"] == "received"
    refused(
        client.post(
            NOMINATIONS, json={"kind": "organisational", "candidate_id": cid}, headers=secretary
        ),
        403,
    )
    tally = {"votes_for": 30, "votes_against": 2, "votes_abstain": 1}
    committee = lodge(client, secretary, {"kind": "full_committee", "candidate_id": cid, **tally})
    assert {k: committee[k] for k in tally} == tally
    no_vote = lodge(client, org, {"kind": "full_committee", "candidate_id": cid})
    assert no_vote["votes_for"] is None
    partial = {"kind": "full_committee", "candidate_id": cid, "votes_for": 3}
    refused(client.post(NOMINATIONS, json=partial, headers=org), 422)
    negative = {"kind": "full_committee", "candidate_id": cid, **tally, "votes_against": -1}
    refused(client.post(NOMINATIONS, json=negative, headers=org), 422)
    refused(
        client.post(NOMINATIONS, json={"kind": "rumour", "candidate_id": cid}, headers=org), 422
    )
    kinds = {
        n["kind"]
        for n in ok(client.get(NOMINATIONS, params={"candidate_id": cid}, headers=org))["items"]
    }
    assert kinds == {"organisational", "full_committee"}
    assert counted(client, org, candidate_id=cid, kind="full_committee") == 2


# --- review, admission to a case pool, decline ------------------------------------------------


def test_admission_puts_the_nominee_into_the_case_pool(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    cadre, cid = new_cadre(client, tokens)
    nid = lodge(client, cadre, self_body("org_department"))["id"]
    case_id = new_case(client, org)
    url = f"{NOMINATIONS}/{nid}"

    # Review first: admission is not available on a merely received nomination.
    refused(client.post(f"{url}/admit", json={"case_id": case_id}, headers=org), 409)
    refused(client.post(f"{url}/review", headers=tokens["committee_secretary"]), 403)
    assert ok(client.post(f"{url}/review", headers=org))["status"] == "under_review"
    refused(client.post(f"{url}/review", headers=org), 409)
    refused(client.post(f"{url}/admit", json={"case_id": str(uuid.uuid4())}, headers=org), 422)
    refused(client.post(f"{url}/admit", json={}, headers=org), 422)

    admitted = ok(client.post(f"{url}/admit", json={"case_id": case_id}, headers=org))
    assert admitted["status"] == "admitted"
    assert admitted["case_id"] == case_id
    assert admitted["decided_at"] is not None
    with session_factory() as s:
        member = s.scalars(
            select(CaseCandidate).where(
                CaseCandidate.case_id == uuid.UUID(case_id),
                CaseCandidate.candidate_id == uuid.UUID(cid),
            )
        ).one()
        assert member.standing == "pool"  # every normal stage still lies ahead
        assert str(member.nomination_id) == nid
    assert nid in listed(client, org, case_id=case_id, status="admitted")
    refused(client.post(f"{url}/decline", json={"reason": "x"}, headers=org), 409)

    record = ok(client.get(f"{url}/record", headers=org))
    assert [e["action"] for e in record["entries"]] == [
        "nomination.lodged",
        "nomination.review_started",
        "nomination.admitted",
    ]
    assert [(e["from_stage"], e["to_stage"]) for e in record["entries"]] == [
        (None, "received"),
        ("received", "under_review"),
        ("under_review", "admitted"),
    ]
    assert record["entries"][2]["payload"]["case_id"] == case_id
    assert record["verified"] is True
    # The author follows their own nomination's outcome.
    assert ok(client.get(url, headers=cadre))["status"] == "admitted"


def test_admission_needs_an_open_pool_and_no_duplicate(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    case_id = new_case(client, org, candidate_ids=[cid])
    nid = lodge(client, org, {"kind": "organisational", "candidate_id": cid})["id"]
    ok(client.post(f"{NOMINATIONS}/{nid}/review", headers=org))
    refused(client.post(f"{NOMINATIONS}/{nid}/admit", json={"case_id": case_id}, headers=org), 409)
    # Nothing changed: still under review, no admission entry.
    assert ok(client.get(f"{NOMINATIONS}/{nid}", headers=org))["status"] == "under_review"


def test_decline_with_reason(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    cadre, _ = new_cadre(client, tokens)
    nid = lodge(client, cadre, self_body("main_city_leader"))["id"]
    url = f"{NOMINATIONS}/{nid}"
    ok(client.post(f"{url}/review", headers=org))
    refused(client.post(f"{url}/decline", json={"reason": ""}, headers=org), 422)
    refused(client.post(f"{url}/decline", json={}, headers=org), 422)
    declined = ok(
        client.post(f"{url}/decline", json={"reason": "任职资格条件暂不具备"}, headers=org)
    )
    assert declined["status"] == "declined"
    assert declined["decline_reason"] == "任职资格条件暂不具备"
    assert ok(client.get(url, headers=cadre))["decline_reason"] == "任职资格条件暂不具备"
    refused(client.post(f"{url}/review", headers=org), 409)


def test_listing_paginates_and_filters(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    cid = new_candidate(client, org)
    made = [
        lodge(client, org, {"kind": "organisational", "candidate_id": cid})["id"] for _ in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "candidate_id": cid}
        if cursor:
            params["cursor"] = cursor
        page = ok(client.get(NOMINATIONS, params=params, headers=org))
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made)  # the clock stands still: ordered by id within an instant
    assert len(seen) == len(set(seen)) == 5
    assert listed(client, org, candidate_id=cid, status="under_review") == []
    refused(client.get(NOMINATIONS, params={"status": "pending"}, headers=org), 422)
    refused(client.get(NOMINATIONS, params={"cursor": "zz"}, headers=org), 422)
    refused(client.get(NOMINATIONS, params={"limit": 201}, headers=org), 422)
    refused(client.get(NOMINATIONS), 401)


# --- evidence files -----------------------------------------------------------------------------


def _rows(session_factory: sessionmaker[Any], nid: str) -> int:
    with session_factory() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(NominationAttachment)
                .where(NominationAttachment.nomination_id == uuid.UUID(nid))
            )
            or 0
        )


def test_attachment_round_trip(client: TestClient, tokens: Principals, settings: Settings) -> None:
    cadre, _ = new_cadre(client, tokens)
    nid = lodge(client, cadre, self_body("org_department"))["id"]
    r = upload(client, cadre, nid, PNG, "image/png", "C:\\照片\\工作现场.png")
    att = ok(r, 201)
    assert att["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert att["size_bytes"] == len(PNG)
    assert att["content_type"] == "image/png"
    assert att["filename"] == "工作现场.png"  # a name, never a path
    assert r.headers["location"].endswith(att["id"])

    got = client.get(
        f"{NOMINATIONS}/{nid}/attachments/{att['id']}", headers=tokens["org_department"]
    )
    assert got.status_code == 200
    assert got.content == PNG
    assert hashlib.sha256(got.content).hexdigest() == att["sha256"]
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "no-store"

    text = "自荐材料：主要工作实绩\n".encode()
    ok(upload(client, cadre, nid, text, "text/plain; charset=utf-8", "实绩.txt"), 201)
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    ok(upload(client, cadre, nid, docx.getvalue(), DOCX, "自荐表.docx"), 201)
    ok(upload(client, cadre, nid, b"%PDF-1.7\n...", "application/pdf", "report.pdf"), 201)
    mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(64)
    ok(upload(client, cadre, nid, mp4, "video/mp4", "video.mp4"), 201)

    view = ok(client.get(f"{NOMINATIONS}/{nid}", headers=cadre))
    assert sorted(a["filename"] for a in view["attachments"]) == sorted(
        ["工作现场.png", "实绩.txt", "自荐表.docx", "report.pdf", "video.mp4"]
    )
    assert len(stored_files(settings)) == 5
    record = ok(client.get(f"{NOMINATIONS}/{nid}/record", headers=cadre))
    assert [e["action"] for e in record["entries"]].count("nomination.attachment_added") == 5
    refused(client.get(f"{NOMINATIONS}/{nid}/attachments/{uuid.uuid4()}", headers=cadre), 404)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_attachment_too_large_is_413_and_stores_nothing(
    client: TestClient, tokens: Principals, settings: Settings, session_factory: sessionmaker[Any]
) -> None:
    cadre, _ = new_cadre(client, tokens)
    nid = lodge(client, cadre, self_body("org_department"))["id"]
    limit = settings.attachment_max_bytes
    big = PNG + bytes(limit + 1 - len(PNG))
    refused(upload(client, cadre, nid, big), 413)
    assert stored_files(settings) == []
    assert _rows(session_factory, nid) == 0
    assert ok_list(client.get(f"{NOMINATIONS}/{nid}/attachments", headers=cadre)) == []
    # Exactly at the limit is accepted.
    ok(upload(client, cadre, nid, big[:limit]), 201)
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/x-msdownload", b"MZ\x90\x00" + bytes(100)),
        ("text/html", b"<html><script>alert(1)</script></html>"),
        ("application/octet-stream", PNG),
        ("image/png", b"GIF89a not a png at all"),
        ("image/jpeg", PNG),
        ("application/pdf", b"<html>%PDF-</html>"),
        ("text/plain", b"MZ\x00\x00binary"),
        ("text/plain", b"\xff\xfe invalid utf-8"),
        (DOCX, b"PK\x03\x04 not really a zip"),
        ("video/mp4", b"not a video at all, not at all"),
    ],
    ids=[
        "exe",
        "html",
        "octet-stream",
        "gif-as-png",
        "png-as-jpeg",
        "html-as-pdf",
        "binary-as-text",
        "bad-utf8",
        "fake-docx",
        "fake-mp4",
    ],
)
def test_attachment_of_a_forbidden_type_is_415_and_stores_nothing(
    client: TestClient,
    tokens: Principals,
    settings: Settings,
    session_factory: sessionmaker[Any],
    content_type: str,
    data: bytes,
) -> None:
    cadre, _ = new_cadre(client, tokens)
    nid = lodge(client, cadre, self_body("org_department"))["id"]
    refused(upload(client, cadre, nid, data, content_type, "file.bin"), 415)
    assert stored_files(settings) == []
    assert _rows(session_factory, nid) == 0


def test_a_zip_that_is_not_a_word_document_is_415(
    client: TestClient, tokens: Principals, settings: Settings
) -> None:
    cadre, _ = new_cadre(client, tokens)
    nid = lodge(client, cadre, self_body("org_department"))["id"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    refused(upload(client, cadre, nid, archive.getvalue(), DOCX, "x.docx"), 415)
    assert stored_files(settings) == []


def test_attachment_refusals(client: TestClient, tokens: Principals, settings: Settings) -> None:
    cadre, _ = new_cadre(client, tokens)
    leader, leader_id = new_leader(tokens)
    org = tokens["org_department"]
    nid = lodge(client, cadre, self_body("unit_party_leader", leader_id))["id"]
    # Those who see it but did not write it may not add evidence.
    refused(upload(client, org, nid, PNG), 403)
    refused(upload(client, leader, nid, PNG), 403)
    refused(upload(client, cadre, nid, b""), 422)
    refused(upload(client, cadre, str(uuid.uuid4()), PNG), 404)
    refused(client.post(f"{NOMINATIONS}/{nid}/attachments", headers=cadre), 422)  # no file part
    ok(upload(client, cadre, nid, PNG), 201)  # still with the leader: evidence may be added
    ok(client.post(f"{NOMINATIONS}/{nid}/forward", headers=leader))
    ok(client.post(f"{NOMINATIONS}/{nid}/review", headers=org))
    refused(upload(client, cadre, nid, PNG), 409)  # the review has started
    assert len(stored_files(settings)) == 1


def test_failed_commit_leaves_no_file_behind(
    client: TestClient,
    tokens: Principals,
    settings: Settings,
    session_factory: sessionmaker[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cadre, _ = new_cadre(client, tokens)
    nid = lodge(client, cadre, self_body("org_department"))["id"]

    def broken_commit(self: UnitOfWork) -> None:
        raise RuntimeError("the database went away at commit")

    monkeypatch.setattr(UnitOfWork, "commit", broken_commit)
    refused(upload(client, cadre, nid, PNG), 500)
    monkeypatch.undo()
    assert stored_files(settings) == []
    assert _rows(session_factory, nid) == 0
    ok(upload(client, cadre, nid, PNG), 201)
    assert len(stored_files(settings)) == 1


# --- for the case views: which nomination ids a reader may learn ---------------------------------


def _actor(pid: uuid.UUID | None, role: Role, candidate_id: str | None = None) -> Actor:
    return Actor(
        principal_id=pid,
        name="x",
        org_unit="x",
        roles=frozenset({role}),
        candidate_id=uuid.UUID(candidate_id) if candidate_id else None,
    )


def test_visible_nomination_ids_and_case_views_hide_self_nominations(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    cadre, cid = new_cadre(client, tokens)
    _, leader_id = new_leader(tokens)
    with_leader = lodge(client, cadre, self_body("unit_party_leader", leader_id))["id"]
    direct = lodge(client, cadre, self_body("org_department"))["id"]
    organisational = lodge(client, org, {"kind": "organisational", "candidate_id": cid})["id"]
    ids = [uuid.UUID(i) for i in (with_leader, direct, organisational)] + [uuid.uuid4()]

    def visible(actor: Actor) -> set[str]:
        with UnitOfWork(session_factory) as uow:
            return {str(i) for i in nominations.visible_nomination_ids(uow, actor, ids)}

    assert visible(_actor(tokens.ids["org_department"], Role.ORG_DEPARTMENT)) == {
        with_leader,
        direct,
        organisational,
    }
    # 三员分立: the system administrator reads no personnel data.
    assert visible(_actor(tokens.ids["admin"], Role.ADMIN)) == set()
    for role in ("committee_secretary", "discipline_inspection", "auditor"):
        assert visible(_actor(tokens.ids[role], Role(role))) == {organisational}
    assert visible(_actor(uuid.uuid4(), Role.CADRE, cid)) == {with_leader, direct}
    assert visible(_actor(uuid.UUID(leader_id), Role.UNIT_PARTY_LEADER)) == {with_leader}
    assert visible(_actor(uuid.uuid4(), Role.UNIT_PARTY_LEADER)) == set()
    with UnitOfWork(session_factory) as uow:
        assert nominations.visible_nomination_ids(uow, _actor(None, Role.ADMIN), []) == set()

    # Admitted to a case, the self-nomination stays out of what other case readers see.
    case_id = new_case(client, org)
    ok(client.post(f"{NOMINATIONS}/{direct}/review", headers=org))
    ok(client.post(f"{NOMINATIONS}/{direct}/admit", json={"case_id": case_id}, headers=org))
    for role in ("committee_secretary", "discipline_inspection", "auditor"):
        for path in ("", "/record", "/dossier"):
            r = client.get(f"/api/v1/cases/{case_id}{path}", headers=tokens[role])
            assert r.status_code == 200, f"{role} {path}: {r.status_code}"
            assert direct not in r.text, f"{role} sees the self-nomination in the case{path}"
    assert direct in client.get(f"/api/v1/cases/{case_id}", headers=org).text
