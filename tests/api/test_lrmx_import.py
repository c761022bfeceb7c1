"""LRMX import (issue 12): create or update a cadre and their file, report what changed, dry run,
safe parsing, and the round trip (export then import changes nothing)."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy.orm import sessionmaker

from tests.api.test_cadre_file import candidate_actions, file_body, id_number, put_file
from tests.api.test_form_exports import setup_case
from tests.case_driver import Driver, ok
from tests.conftest import Principals

URL = "/api/v1/imports/lrmx"
NEW_ID = id_number("33020319851224002")  # born 1985-12-24


def upload(client: TestClient, headers: dict[str, str], data: bytes, **query: str) -> Any:
    return client.post(
        URL, params=query, files={"file": ("form.lrmx", data, "application/xml")}, headers=headers
    )


def edit(data: bytes, **values: str) -> bytes:
    root = etree.fromstring(data)
    for name, value in values.items():
        el = root.find(name)
        assert el is not None, name
        el.text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def state(client: TestClient, org: dict[str, str], cid: str) -> tuple[Any, Any]:
    cand = ok(client.get(f"/api/v1/candidates/{cid}", headers=org))
    file = ok(client.get(f"/api/v1/candidates/{cid}/file", headers=org))
    return cand, file


def test_round_trip_changes_nothing(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    # A day inside the month: the form's yyyyMM must not overwrite it.
    cid = d.candidate(birth_date="1980-05-17", work_start_date="2003-07-09")
    d.create(d.position()["id"], [cid])
    ok(put_file(client, cid, org, file_body(), '"v0"'))
    ok(
        client.put(
            f"{d.url}/candidates/{cid}/form",
            json={"proposed_posts": "副主任", "reason": "工作需要"},
            headers={**org, "If-Match": '"v0"'},
        )
    )
    before = state(client, org, cid)
    entries = len(candidate_actions(session_factory, cid))
    # The case's form: its per-case texts are reported as not taken, nothing changes.
    exported = client.get(f"{d.url}/candidates/{cid}/form.lrmx", headers=org).content
    report = ok(upload(client, org, exported))
    assert report == {
        "dry_run": False,
        "created": False,
        "candidate_id": cid,
        "changes": [],
        "ignored": [
            {"element": "NiRenZhiWu", "reason": report["ignored"][0]["reason"]},
            {"element": "RenMianLiYou", "reason": report["ignored"][1]["reason"]},
        ],
    }
    assert "case" in report["ignored"][0]["reason"]
    # The cadre's own file: matched by the external id as well, nothing to report at all.
    exported = client.get(f"/api/v1/candidates/{cid}/file.lrmx", headers=org).content
    report = ok(upload(client, org, exported, external_id=before[0]["external_id"]))
    assert report["changes"] == []
    assert report["ignored"] == []
    assert state(client, org, cid) == before
    assert before[0]["birth_date"] == "1980-05-17"
    assert len(candidate_actions(session_factory, cid)) == entries


def test_import_updates_and_reports_dry_run_first(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    _, cid = setup_case(client, org)
    exported = client.get(f"/api/v1/candidates/{cid}/file.lrmx", headers=org).content
    root = etree.fromstring(exported)
    root.find("JiGuan").text = "浙江温州"  # type: ignore[union-attr]
    root.find("ChuShengNianYue").text = "198006"  # type: ignore[union-attr]
    root.find("JiaTingChengYuan/Item/GongZuoDanWeiJiZhiWu").text = "市教育局副科长"  # type: ignore[union-attr]
    root.find("ZhaoPian").text = ""  # type: ignore[union-attr]
    root.find("JianLi").text = "另一份简历"  # type: ignore[union-attr]
    changed = bytes(etree.tostring(root, encoding="UTF-8"))
    before = state(client, org, cid)
    entries = len(candidate_actions(session_factory, cid))

    dry = ok(upload(client, org, changed, dry_run="true"))
    assert dry["dry_run"] is True
    assert dry["created"] is False
    assert dry["candidate_id"] == cid
    assert [(c["element"], c["before"], c["after"]) for c in dry["changes"]] == [
        ("ChuShengNianYue", "198005", "198006"),
        ("JiGuan", "浙江宁波", "浙江温州"),
        ("JiaTingChengYuan", "2 members", "2 members"),
        ("ZhaoPian", f"{len(base64.b64decode(file_body()['photo']))} bytes", "none"),
    ]
    assert [i["element"] for i in dry["ignored"]] == ["JianLi"]
    assert state(client, org, cid) == before
    assert len(candidate_actions(session_factory, cid)) == entries

    report = ok(upload(client, org, changed))
    assert report["changes"] == dry["changes"]
    assert report["dry_run"] is False
    cand, file = state(client, org, cid)
    assert cand["birth_date"] == "1980-06-01"
    assert cand["etag"] != before[0]["etag"]
    assert file["native_place"] == "浙江温州"
    assert file["photo"] is None
    assert file["family"][0]["work_unit_and_post"] == "市教育局副科长"
    assert file["family"][0]["birth_date"] == "1982-03-01"  # as precise as the form
    assert file["etag"] == '"v2"'
    actions = [e.action for e in candidate_actions(session_factory, cid)[entries:]]
    assert actions == ["candidate.updated", "candidate.file_imported"]
    # Importing the same file again: nothing left to change.
    assert ok(upload(client, org, changed))["changes"] == []


def test_import_creates_a_cadre(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    _, cid = setup_case(client, org)
    exported = client.get(f"/api/v1/candidates/{cid}/file.lrmx", headers=org).content
    new = edit(exported, XingMing="赵六", XingBie="女", ShenFenZheng=NEW_ID, ChuShengNianYue="")
    dry = ok(upload(client, org, new, external_id="LRMX-0001", dry_run="true"))
    assert dry["created"] is True
    assert dry["candidate_id"] is None
    assert "XianRenZhiWu" in [c["element"] for c in dry["changes"]]
    listed = client.get("/api/v1/candidates?external_id=LRMX-0001", headers=org)
    assert ok(listed)["items"] == []

    report = ok(upload(client, org, new, external_id="LRMX-0001"))
    assert report["created"] is True
    cand, file = state(client, org, report["candidate_id"])
    assert cand["name"] == "赵六"
    assert cand["gender"] == "female"
    assert cand["birth_date"] == "1985-12-24"  # from the ID number
    assert cand["party_membership"] == "cpc_member"
    assert cand["party_join_date"] == "2002-07-01"
    assert cand["education"] == "master"  # 在职 研究生
    assert cand["current_title"] == "市发展和改革委员会科长"
    assert file["id_number"] == NEW_ID
    assert file["native_place"] == "浙江宁波"
    assert [m["name"] for m in file["family"]] == ["李某", "张某某"]
    # Found again by the ID number alone: nothing changes the second time.
    again = ok(upload(client, org, new))
    assert again["created"] is False
    assert again["candidate_id"] == report["candidate_id"]
    assert again["changes"] == []


def test_import_refusals_change_nothing(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    d, cid = setup_case(client, org)
    other = d.candidate()
    exported = client.get(f"/api/v1/candidates/{cid}/file.lrmx", headers=org).content
    before = state(client, org, cid)
    entries = len(candidate_actions(session_factory, cid))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE Person [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Person><XingMing>&b;</XingMing></Person>'
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE Person SYSTEM "http://example.invalid/x.dtd">'
        b"<Person><XingMing>x</XingMing></Person>"
    )
    refused: list[tuple[bytes, dict[str, str], int]] = [
        (bomb, {}, 422),
        (external, {}, 422),
        (b"not xml at all", {}, 422),
        (b"", {}, 422),
        (exported.replace(b"<Person>", b"<Persons>").replace(b"</Person>", b"</Persons>"), {}, 422),
        (edit(exported, ZhaoPian="@@@"), {}, 422),
        (edit(exported, ZhaoPian=base64.b64encode(b"GIF89a....").decode()), {}, 422),
        (edit(exported, XingMing="张三\u202e"), {}, 422),
        (edit(exported, JiGuan="宁\t波"), {}, 422),
        (edit(exported, XingBie="未知"), {}, 422),
        (edit(exported, CanJiaGongZuoShiJian="2003年"), {}, 422),
        (edit(exported, ChuShengNianYue="203001"), {}, 422),  # born in the future
        (edit(exported, ShenFenZheng=NEW_ID[:17] + ("1" if NEW_ID[17] != "1" else "2")), {}, 422),
        # The external id of one cadre with the ID number of another.
        (
            exported,
            {
                "external_id": ok(client.get(f"/api/v1/candidates/{other}", headers=org))[
                    "external_id"
                ]
            },
            409,
        ),
    ]
    for data, query, status in refused:
        r = upload(client, org, data, **query)
        assert r.status_code == status, (data[:80], r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # The role first: a reader's upload is refused before anything of it is parsed.
    assert upload(client, tokens["auditor"], exported).status_code == 403
    assert upload(client, tokens["auditor"], bomb).status_code == 403
    assert upload(client, {}, exported).status_code == 401
    assert state(client, org, cid) == before
    assert len(candidate_actions(session_factory, cid)) == entries
