"""The approval form (干部任免审批表) of a case candidate as XLSX and LRMX (issue 12)."""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient
from lxml import etree
from openpyxl import load_workbook

from tests.api.test_cadre_file import PNG, file_body, id_number, put_file
from tests.case_driver import Driver, ok
from tests.conftest import Principals

FORM = {
    "proposed_posts": "市发展和改革委员会副主任",
    "removed_posts": "市发展和改革委员会综合科科长职务",
    "reason": "工作需要 <script>&\"'",
    "reporting_unit": "中共某市委组织部",
    "filled_by": "王某",
}


def setup_case(client: TestClient, org: dict[str, str]) -> tuple[Driver, str]:
    d = Driver(client, org)
    cid = d.candidate(name="张三")
    d.create(d.position()["id"], [cid])
    ok(put_file(client, cid, org, file_body(), '"v0"'))
    url = f"{d.url}/candidates/{cid}/form"
    ok(client.put(url, json=FORM, headers={**org, "If-Match": '"v0"'}))
    return d, cid


def _texts(ws: Any) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_xlsx_is_laid_out_like_the_form(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    d, cid = setup_case(client, org)
    r = client.get(f"{d.url}/candidates/{cid}/form.xlsx", headers=tokens["auditor"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r.headers["Cache-Control"] == "no-store"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="form-{cid}.xlsx"')
    assert unquote(disposition.split("UTF-8''")[1]) == "干部任免审批表-张三.xlsx"
    ws = load_workbook(BytesIO(r.content)).active
    assert ws is not None
    assert ws.title == "干部任免审批表"
    assert ws["A1"].value == "干部任免审批表"
    assert "A1:G1" in {str(m) for m in ws.merged_cells}
    texts = _texts(ws)
    # Label then value, in the grid of the paper form.
    assert ws["A2"].value == "姓名"
    assert ws["B2"].value == "张三"
    assert ws["C2"].value == "性别"
    assert ws["D2"].value == "男"
    assert ws["F2"].value == "1980.05\n(45岁)"  # age on 2026-03-02
    assert ws["C3"].value == "籍贯"
    assert ws["D3"].value == "浙江宁波"
    assert ws["E4"].value == "健康状况"
    assert ws["F4"].value == "健康"
    assert ws["G2"].value == "照片\n(见LRMX)"
    assert "G2:G5" in {str(m) for m in ws.merged_cells}
    assert "健康" in texts
    assert "高级经济师" in texts
    assert "大学 经济学学士" in texts
    assert "浙江大学经济学院国际贸易专业" in texts
    for label, value in (
        ("现任职务", "市发展和改革委员会科长"),
        ("拟任职务", FORM["proposed_posts"]),
        ("拟免职务", FORM["removed_posts"]),
        ("任免理由", FORM["reason"]),
        ("年度考核\n结果", "2023年度称职；2024年度优秀；2025年度称职"),
    ):
        row = next(c.row for r_ in ws.iter_rows() for c in r_ if c.value == label)
        assert ws[f"B{row}"].value == value, label
    resume = next(t for t in texts if t.startswith("2010.01--2014.01"))
    assert resume.splitlines()[-1] == "2018.01--         市发展和改革委员会科长"
    family_header = next(c.row for r_ in ws.iter_rows() for c in r_ if c.value == "称谓")
    assert [ws.cell(family_header + 1, col).value for col in range(2, 7)] == [
        "妻子",
        "李某",
        "1982.03",
        "中共党员",
        "市教育局科员",
    ]
    assert ws.cell(family_header + 2, 3).value == "张某某"
    assert any(t.startswith("中共某市委组织部") for t in texts)
    assert "填表人：王某" in texts
    assert ws.page_setup.orientation == "portrait"
    assert ws.page_setup.paperSize == 9


def test_lrmx_has_the_cod_elements(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    d, cid = setup_case(client, org)
    r = client.get(f"{d.url}/candidates/{cid}/form.lrmx", headers=org)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    assert r.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(r.content, parser=etree.XMLParser(resolve_entities=False))
    assert root.tag == "Person"

    def text(name: str) -> str:
        return root.findtext(name) or ""

    assert text("XingMing") == "张三"
    assert text("XingBie") == "男"
    assert text("ChuShengNianYue") == "198005"
    assert text("MinZu") == "汉族"
    assert text("RuDangShiJian") == "200207"
    assert text("CanJiaGongZuoShiJian") == "200307"
    assert text("JiGuan") == "浙江宁波"
    assert text("ChuShengDi") == "浙江杭州"
    assert text("QuanRiZhiJiaoYu_XueLi") == "大学"
    assert text("QuanRiZhiJiaoYu_XueWei") == "经济学学士"
    assert text("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi") == "浙江大学经济学院国际贸易专业"
    assert text("ZaiZhiJiaoYu_XueLi") == "研究生"
    assert text("NiRenZhiWu") == FORM["proposed_posts"]
    assert text("NiMianZhiWu") == FORM["removed_posts"]
    assert text("RenMianLiYou") == FORM["reason"]  # escaped in, read back whole
    assert text("ChengBaoDanWei") == FORM["reporting_unit"]
    assert text("TianBiaoRen") == "王某"
    assert text("JianLi").startswith("2010.01--2014.01  某县某乡副乡长\n")
    assert text("NianDuKaoHeJieGuo") == "2023年度称职；2024年度优秀；2025年度称职"
    assert text("JiSuanNianLingShiJian") == "20260302"
    assert text("TianBiaoShiJian") == "202603"
    assert text("ShenFenZheng") == id_number()
    assert base64.b64decode(text("ZhaoPian")) == PNG
    assert text("Version") == "3.2.1.6"
    items = root.findall("JiaTingChengYuan/Item")
    assert [
        [i.findtext(k) for k in ("ChengWei", "XingMing", "ChuShengRiQi", "ZhengZhiMianMao")]
        for i in items
    ] == [["妻子", "李某", "198203", "中共党员"], ["父亲", "张某某", "195010", "群众"]]
    assert items[0].findtext("GongZuoDanWeiJiZhiWu") == "市教育局科员"


def test_export_needs_the_case_candidate_and_read_rights(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    d, cid = setup_case(client, org)
    outsider = d.candidate()
    for ext in ("xlsx", "lrmx"):
        assert (
            client.get(f"{d.url}/candidates/{cid}/form.{ext}", headers=tokens["cadre"]).status_code
            == 403
        )
        assert (
            client.get(f"{d.url}/candidates/{outsider}/form.{ext}", headers=org).status_code == 404
        )
        assert client.get(f"{d.url}/candidates/{cid}/form.{ext}").status_code == 401


def test_a_blank_file_exports_without_errors(client: TestClient, tokens: Principals) -> None:
    """No file, no form written yet: the form prints with blanks (never a 5xx)."""
    org = tokens["org_department"]
    d = Driver(client, org)
    cid = d.candidate(posts=[], appraisals=[], party_membership="non_party", party_join_date=None)
    d.create(d.position()["id"], [cid])
    r = client.get(f"{d.url}/candidates/{cid}/form.xlsx", headers=org)
    assert r.status_code == 200, r.text
    ws = load_workbook(BytesIO(r.content)).active
    assert ws is not None
    assert ws["B2"].value.startswith("张")
    root = etree.fromstring(client.get(f"{d.url}/candidates/{cid}/form.lrmx", headers=org).content)
    assert root.findtext("RuDangShiJian") == ""
    assert root.findall("JiaTingChengYuan/Item") == []
    assert root.findtext("ZhaoPian") == ""
    assert root.findtext("ShenFenZheng") == ""


def test_xlsx_never_turns_text_into_a_formula(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    d, cid = setup_case(client, org)
    url = f"{d.url}/candidates/{cid}/form"
    evil = '=HYPERLINK("http://example.invalid","点击")'
    ok(client.put(url, json={**FORM, "reason": evil}, headers={**org, "If-Match": '"v1"'}))
    ws = load_workbook(BytesIO(client.get(f"{url}.xlsx", headers=org).content)).active
    assert ws is not None
    cell = next(c for row in ws.iter_rows() for c in row if c.value == evil)
    assert cell.data_type == "s"
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
