"""Pictures as SVG: the workflow (from the action table), a case's workflow and timeline."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from fastapi.testclient import TestClient

from app.domain.workflow import Stage
from app.domain.workflow.actions import ACTIONS
from tests.case_driver import Driver
from tests.conftest import Principals

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert('x')</script>&\"'"


def svg(r: Any) -> ElementTree.Element:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "sandbox" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    root = ElementTree.fromstring(r.content)  # noqa: S314 (our own output, parsed to check it)
    assert root.tag == f"{NS}svg"
    # Nothing that runs: no script element, no event handler attribute anywhere.
    for el in root.iter():
        assert el.tag != f"{NS}script"
        assert not [a for a in el.attrib if a.lower().startswith("on")]
    return root


def _stages(root: ElementTree.Element) -> dict[str, str]:
    return {
        g.attrib["data-stage"]: g.attrib["class"]
        for g in root.iter(f"{NS}g")
        if "data-stage" in g.attrib
    }


def test_workflow_svg_has_every_stage_and_action(client: TestClient, tokens: Principals) -> None:
    root = svg(client.get("/api/v1/workflow.svg", headers=tokens["auditor"]))
    assert set(_stages(root)) == {s.value for s in Stage}
    assert "current" not in " ".join(_stages(root).values())
    drawn = {
        line.attrib["data-action"]
        for line in root.iter(f"{NS}line")
        if "data-action" in line.attrib
    }
    assert drawn == {a.name for a in ACTIONS}
    arrows = sum(1 for line in root.iter(f"{NS}line") if "data-action" in line.attrib)
    assert arrows == sum(len(a.sources) for a in ACTIONS)
    assert client.get("/api/v1/workflow.svg").status_code == 401
    assert client.get("/api/v1/workflow.svg", headers=tokens["cadre"]).status_code == 403


def test_case_workflow_highlights_the_current_stage(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position(headcount=1)
    d.create(pos["id"], [d.candidate(), d.candidate()])
    stages = _stages(svg(client.get(f"{d.url}/workflow.svg", headers=org)))
    assert [s for s, cls in stages.items() if "current" in cls] == ["motion"]
    d.act("start_recommendation")
    stages = _stages(svg(client.get(f"{d.url}/workflow.svg", headers=org)))
    assert [s for s, cls in stages.items() if "current" in cls] == ["recommendation"]
    assert (
        client.get(
            "/api/v1/cases/00000000-0000-0000-0000-000000000000/workflow.svg", headers=org
        ).status_code
        == 404
    )


def test_timeline_shows_stages_facts_holds_and_refusals_escaped(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position(headcount=1)
    a, b = d.candidate(), d.candidate(name=EVIL)
    d.create(pos["id"], [a, b])
    body = {
        "title": EVIL,
        "position_id": pos["id"],
        "places": 1,
        "method": "organisational",
        "motion": {
            "proposer_kind": "org_department",
            "proposed_by": EVIL,
            "recommendation_scope": 30,
        },
        "candidate_ids": [a, b],
    }
    created = client.post("/api/v1/cases", json=body, headers=org)
    assert created.status_code == 201, created.text
    d.case = created.json()
    d.act("start_recommendation")
    d.recommend([a, b])
    d.targets([a], equal_number_reason="意见集中")  # b is out (a refusal, with its rule)
    d.act("start_inspection")
    d.inspect([a])
    d.act("start_deliberation")
    d.act("hold_deliberation", reason=f"重大分歧 {EVIL}")
    d.act("resume_deliberation", reason="分歧已消除")
    d.act("withdraw", reason=EVIL)

    r = client.get(f"{d.url}/timeline.svg", headers=tokens["auditor"])
    root = svg(r)
    text = "".join(root.itertext())
    # User text arrives as text, escaped in the document, never as markup.
    assert b"<script" not in r.content
    groups = [g for g in root.iter(f"{NS}g") if g.attrib.get("class", "").startswith("event")]
    kinds = [g.attrib["class"].split()[1] for g in groups]
    labels = ["".join(g.itertext()) for g in groups]
    for stage in ("motion", "recommendation", "inspection", "deliberation", "deliberation_held"):
        assert any(stage in lab for lab in labels), stage
    assert "hold" in kinds
    assert "fact" in kinds
    assert kinds[-1] == "refusal"  # withdrawn
    assert "withdraw" in labels[-1]
    assert "inspection_team" in text
    assert "current stage: withdrawn" in text
    assert EVIL in text  # the title and the refused candidate's name, read back as text
    refused = [lab for k, lab in zip(kinds, labels, strict=True) if k == "refusal"]
    assert any(EVIL in lab for lab in refused)
    assert client.get(f"{d.url}/timeline.svg", headers=tokens["cadre"]).status_code == 403
