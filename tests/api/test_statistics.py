"""Statistics per period and unit (seed 001): aggregates, small cells suppressed, XLSX, SVG."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any
from xml.etree import ElementTree
from zipfile import ZipFile

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.api.oversight_cases import appoint, appointed_case, to_publicity
from tests.case_driver import Driver, ok
from tests.conftest import Principals

URL = "/api/v1/statistics"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NON_PARTY: dict[str, Any] = {"party_membership": "non_party", "party_join_date": None}


def stats(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    return ok(client.get(URL, params=params, headers=headers))


SIX = [
    {"gender": "female", "birth_date": "1980-04-04", **NON_PARTY},  # 46 on 2026-04-04
    {"gender": "female", "birth_date": "1980-04-05", **NON_PARTY},  # 45: birthday tomorrow
    {"gender": "female", "birth_date": "1985-01-01", **NON_PARTY},  # 41
    {"gender": "female", "birth_date": "1985-01-01", **NON_PARTY},
    {"gender": "female", "birth_date": "1985-01-01"},
    {"gender": "male", "birth_date": "1985-01-01", "ethnicity": "回族", "education": "master"},
]


def test_newly_appointed_counts_with_cells_under_five_suppressed(
    client: TestClient, tokens: Principals
) -> None:
    d = Driver(client, tokens["org_department"])
    appointed_case(d, SIX, unit="某市统计局")
    day = {"from": "2026-04-04", "to": "2026-04-04"}
    body = stats(client, tokens["auditor"], **day, org_unit="某市统计局")
    assert body["period"] == {"from": "2026-04-04", "to": "2026-04-04"}
    a = body["appointed"]
    assert a["count"] == 6
    assert a["women"] == {"value": 5, "suppressed": False}  # 5 is shown
    assert a["non_party"] == {"value": None, "suppressed": True}  # 4 is not
    assert a["ethnic_minorities"] == {"value": None, "suppressed": True}  # 1
    assert a["average_age"] == {"value": 42.5, "suppressed": False}  # (46+45+41*4)/6
    assert a["education"]["bachelor"] == {"value": 5, "suppressed": False}
    assert a["education"]["master"] == {"value": None, "suppressed": True}
    assert a["education"]["doctorate"] == {"value": 0, "suppressed": False}
    assert a["bachelor_or_above"] == {"value": 6, "suppressed": False}
    assert a["grassroots_experience"] == {"value": 6, "suppressed": False}
    assert a["exceptional"] == {"value": 0, "suppressed": False}
    assert body["appointments_by_method"] == {"organisational": 6, "competitive": 0, "open": 0}
    assert "suppressed" in body["suppression"]

    # The period bounds are days, both included.
    assert stats(client, tokens["auditor"], **{"to": "2026-04-03"})["appointed"]["count"] == 0
    later = {"from": "2026-04-05", "to": "2026-12-31"}
    assert stats(client, tokens["auditor"], **later)["appointed"]["count"] == 0
    # Another unit sees none of it; cases are counted by the day they were opened.
    other = stats(client, tokens["auditor"], org_unit="另一单位")
    assert other["appointed"]["count"] == 0
    assert other["cases"]["total"] == 0
    mine = stats(client, tokens["auditor"], org_unit="某市统计局")
    assert mine["cases"]["total"] == 1
    assert mine["cases"]["by_stage"]["appointed"] == 1
    assert mine["cases"]["by_stage"]["motion"] == 0


def test_a_group_under_five_suppresses_every_personal_cell_and_counts_overdue_and_objections(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    cids = to_publicity(d, [{"gender": "male"}] * 4, unit="某市审计局")
    q = {"org_unit": "某市审计局"}
    d.on("2026-03-30")
    d.refresh()
    objection = d.fact("objections", {"content": "反映工作作风问题", "candidate_id": cids[0]})
    d.on("2026-03-31")
    d.fact(
        "objection-findings",
        {
            "objection_id": objection["id"],
            "finding": "appoint",
            "investigation": "经核实，反映不属实",
            "investigated_by": "干部监督科",
            "concluded_on": "2026-03-31",
        },
    )
    # The window's last day (04-03) is not overdue yet; the next day it is.
    d.on("2026-04-03")
    assert stats(client, org, **q)["cases"]["overdue"] == 0
    d.on("2026-04-04")
    body = stats(client, org, **q)
    assert body["cases"]["overdue"] == 1
    assert body["cases"]["by_stage"]["publicity"] == 1
    assert body["objections"] == {
        "total": 1,
        "by_outcome": {"appoint": 1, "postpone": 0, "not_appoint": 0, "pending": 0},
    }
    appoint(d, cids)
    body = stats(client, org, **q)
    assert body["cases"]["overdue"] == 0
    a = body["appointed"]
    assert a["count"] == 4  # the total is not a personal cell
    # Four people: even a zero would describe each of them.
    assert a["women"] == {"value": None, "suppressed": True}
    assert a["average_age"] == {"value": None, "suppressed": True}
    assert all(c == {"value": None, "suppressed": True} for c in a["education"].values())
    assert body["appointments_by_method"]["organisational"] == 4


def test_xlsx_with_charts_by_path_and_by_accept(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    appointed_case(d, SIX, unit="某市统计局")
    params = {"from": "2026-01-01", "to": "2026-12-31", "org_unit": "某市统计局"}
    for r in (
        client.get(f"{URL}.xlsx", params=params, headers=tokens["auditor"]),
        client.get(URL, params=params, headers={**tokens["auditor"], "Accept": XLSX}),
    ):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == XLSX
        assert "attachment" in r.headers["content-disposition"]
        wb = load_workbook(BytesIO(r.content))
        assert wb.sheetnames == [
            "Summary",
            "Cases by stage",
            "Appointments by method",
            "Education",
            "Objections",
        ]
        summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(values_only=True)}
        assert summary["newly appointed (新提任)"] == 6
        assert summary["women (女干部)"] == 5
        assert summary["non-party (非中共党员)"] == "<5"
        # One chart per sheet but the summary (charts are parts of the package).
        with ZipFile(BytesIO(r.content)) as package:
            charts = [n for n in package.namelist() if n.startswith("xl/charts/chart")]
            drawings = [
                n for n in package.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)
            ]
        assert len(charts) == 4
        assert len(drawings) == 4
    assert (
        client.get(URL, params=params, headers=tokens["auditor"])
        .headers["content-type"]
        .startswith("application/json")
    )


def test_chart_svg(client: TestClient, tokens: Principals) -> None:
    r = client.get(f"{URL}.svg", params={"chart": "education"}, headers=tokens["auditor"])
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    root = ElementTree.fromstring(r.content)  # noqa: S314 (our own output)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "bachelor" in texts
    # Nobody appointed this year: every education bar is suppressed, drawn as such.
    assert texts.count("suppressed (<5)") == 5
    assert (
        client.get(f"{URL}.svg", params={"chart": "x"}, headers=tokens["auditor"]).status_code
        == 422
    )


def test_bad_periods_and_roles(client: TestClient, tokens: Principals) -> None:
    auditor = tokens["auditor"]
    r = client.get(URL, params={"from": "2026-05-01", "to": "2026-04-30"}, headers=auditor)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    ok(client.get(URL, params={"from": "2026-04-30", "to": "2026-04-30"}, headers=auditor))
    assert client.get(URL, params={"from": "2026-13-01"}, headers=auditor).status_code == 422
    assert (
        client.get(
            URL, params={"from": "2016-01-01", "to": "2026-12-31"}, headers=auditor
        ).status_code
        == 422
    )
    assert client.get(URL, params={"org_unit": "a\u202eb"}, headers=auditor).status_code == 422
    assert client.get(URL, headers=tokens["cadre"]).status_code == 403
    assert client.get(URL, headers=tokens["unit_party_leader"]).status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}.xlsx", headers=tokens["cadre"]).status_code == 403
    for role in ("org_department", "discipline_inspection", "committee_secretary"):
        ok(client.get(URL, headers=tokens[role]))
