"""The cadre's file (干部任免审批表 fields) and a case candidate's form: versioned sub-resources,
validated, recorded in the 纪实 (issue 12)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.db.models import RecordEntry
from app.domain.cadre_file import PHOTO_MAX_BYTES
from tests.case_driver import Driver, ok
from tests.conftest import Principals

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str = "11010519800501123") -> str:
    """A valid 18-character ID number (GB 11643 check character) for `first17`."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def file_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id_number": id_number(),
        "native_place": "浙江宁波",
        "birthplace": "浙江杭州",
        "grown_up_place": "浙江省宁波市鄞州区",
        "health": "健康",
        "professional_title": "高级经济师",
        "specialties": "宏观经济管理",
        "full_time_education": {
            "level": "大学",
            "degree": "经济学学士",
            "school": "浙江大学",
            "department": "经济学院",
            "major": "国际贸易专业",
        },
        "in_service_education": {
            "level": "研究生",
            "degree": "管理学硕士",
            "school": "中共浙江省委党校",
            "department": "",
            "major": "公共管理专业",
        },
        "rewards_punishments": "2019年获市级优秀公务员称号",
        "family": [
            {
                "relation": "妻子",
                "name": "李某",
                "birth_date": "1982-03-12",
                "party_membership": "中共党员",
                "work_unit_and_post": "市教育局科员",
            },
            {
                "relation": "父亲",
                "name": "张某某",
                "birth_date": "1950-10-01",
                "party_membership": "群众",
                "work_unit_and_post": "已退休",
            },
        ],
        "photo": base64.b64encode(PNG).decode(),
    }
    body.update(over)
    return body


def put_file(
    client: TestClient, cid: str, headers: dict[str, str], body: dict[str, Any], tag: str | None
) -> Any:
    h = {**headers, **({"If-Match": tag} if tag is not None else {})}
    return client.put(f"/api/v1/candidates/{cid}/file", json=body, headers=h)


def candidate_actions(factory: sessionmaker[Any], cid: str) -> list[RecordEntry]:
    with factory() as s:
        return list(
            s.scalars(
                select(RecordEntry)
                .where(
                    RecordEntry.subject_type == "candidate",
                    RecordEntry.subject_id == uuid.UUID(cid),
                )
                .order_by(RecordEntry.seq)
            )
        )


def test_file_reads_empty_at_v0_then_put_with_if_match(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    cid = Driver(client, org).candidate()
    r = client.get(f"/api/v1/candidates/{cid}/file", headers=org)
    empty = ok(r)
    assert r.headers["ETag"] == '"v0"'
    assert r.headers["Cache-Control"] == "no-store"
    assert empty["native_place"] == ""
    assert empty["family"] == []
    assert empty["photo"] is None
    # Derived from the candidate's posts and its appraisals (START is 2026-03-02).
    assert empty["resume"].splitlines() == [
        "2010.01--2014.01  某县某乡副乡长",
        "2014.01--2018.01  某县某局副局长",
        "2018.01--         市发展和改革委员会科长",
    ]
    assert empty["appraisals_text"] == "2023年度称职；2024年度优秀；2025年度称职"

    assert put_file(client, cid, org, file_body(), None).status_code == 428
    assert put_file(client, cid, org, file_body(), '"v1"').status_code == 412
    assert ok(client.get(f"/api/v1/candidates/{cid}/file", headers=org))["native_place"] == ""

    r = put_file(client, cid, org, file_body(), '"v0"')
    written = ok(r)
    assert r.headers["ETag"] == '"v1"' == written["etag"]
    assert written["grown_up_place"] == "浙江省宁波市鄞州区"
    assert written["family"][0]["birth_date"] == "1982-03-12"
    assert base64.b64decode(written["photo"]) == PNG
    assert written["photo_type"] == "image/png"
    assert ok(client.get(f"/api/v1/candidates/{cid}/file", headers=org)) == written
    entries = [e for e in candidate_actions(session_factory, cid) if "file" in e.action]
    assert [e.action for e in entries] == ["candidate.file_updated"]
    assert "photo" in entries[0].payload["fields"]  # type: ignore[operator]
    assert "李某" not in str(entries[0].payload)  # names of fields only, not values

    # The same body again changes nothing: same version, nothing recorded.
    r = put_file(client, cid, org, file_body(), '"v1"')
    assert ok(r)["etag"] == '"v1"'
    assert len([e for e in candidate_actions(session_factory, cid) if "file" in e.action]) == 1

    # An own appraisal text replaces the derived one; the stale v0 is refused.
    body = file_body(appraisal_summary="2023-2025年度均为称职", photo=None)
    assert put_file(client, cid, org, body, '"v0"').status_code == 412
    out = ok(put_file(client, cid, org, body, '"v1"'))
    assert out["etag"] == '"v2"'
    assert out["appraisals_text"] == "2023-2025年度均为称职"
    assert out["photo"] is None
    assert out["photo_type"] is None


def test_file_validation_refuses_and_changes_nothing(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    cid = Driver(client, org).candidate()
    ok(put_file(client, cid, org, file_body(), '"v0"'))
    before = ok(client.get(f"/api/v1/candidates/{cid}/file", headers=org))
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (PHOTO_MAX_BYTES - 8)
    bad: list[dict[str, Any]] = [
        file_body(native_place="宁波\x07"),
        file_body(birthplace="杭州\n西湖"),  # one line
        file_body(id_number=id_number()[:17] + ("0" if id_number()[17] != "0" else "1")),
        file_body(id_number="1101051980050112"),
        file_body(family=[{"relation": "妻子", "name": "李某", "birth_date": "1899-12-31"}]),
        file_body(family=[{"relation": "妻子", "name": "李某", "birth_date": "2026-03-03"}]),
        file_body(family=[{"relation": "", "name": "李某"}]),
        file_body(photo=base64.b64encode(b"GIF89a" + b"\x00" * 20).decode()),
        file_body(photo=base64.b64encode(big + b"\x00").decode()),
        file_body(photo="not base64!"),
        file_body(unknown_field="x"),
    ]
    for body in bad:
        r = put_file(client, cid, org, body, '"v1"')
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert ok(client.get(f"/api/v1/candidates/{cid}/file", headers=org)) == before
    # The boundaries themselves are accepted: born today, a photo of exactly the limit, JPEG.
    edge = file_body(
        family=[{"relation": "女儿", "name": "张小", "birth_date": "2026-03-02"}],
        photo=base64.b64encode(big).decode(),
    )
    assert ok(put_file(client, cid, org, edge, '"v1"'))["etag"] == '"v2"'
    out = ok(put_file(client, cid, org, file_body(photo=base64.b64encode(JPEG).decode()), '"v2"'))
    assert out["photo_type"] == "image/jpeg"


def test_file_permissions_scope_and_unique_id_number(
    client: TestClient, tokens: Principals
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    cid, other = d.candidate(), d.candidate()
    ok(put_file(client, cid, org, file_body(), '"v0"'))
    assert (
        client.get(f"/api/v1/candidates/{cid}/file", headers=tokens["auditor"]).status_code == 200
    )
    assert put_file(client, cid, tokens["auditor"], file_body(), '"v1"').status_code == 403
    assert client.get(f"/api/v1/candidates/{cid}/file", headers=tokens["cadre"]).status_code == 403
    assert client.get(f"/api/v1/candidates/{cid}/file", headers=tokens["admin"]).status_code == 403
    missing = f"/api/v1/candidates/{uuid.uuid4()}/file"
    assert client.get(missing, headers=org).status_code == 404
    # The same ID number on another cadre's file: a conflict, and that file stays unwritten.
    r = put_file(client, other, org, file_body(), '"v0"')
    assert r.status_code == 409, r.text
    assert client.get(f"/api/v1/candidates/{other}/file", headers=org).headers["ETag"] == '"v0"'


def test_case_candidate_form(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    cid, outsider = d.candidate(), d.candidate()
    d.create(d.position()["id"], [cid])
    url = f"{d.url}/candidates/{cid}/form"
    r = client.get(url, headers=org)
    assert ok(r)["proposed_posts"] == ""
    assert r.headers["ETag"] == '"v0"'
    body = {
        "proposed_posts": "市发展和改革委员会副主任",
        "removed_posts": "市发展和改革委员会综合科科长职务",
        "reason": "工作需要\n经市委常委会研究",
        "reporting_unit": "中共某市委组织部",
        "filled_by": "王某",
    }
    assert client.put(url, json=body, headers=org).status_code == 428
    assert (
        client.put(url, json=body, headers={**tokens["auditor"], "If-Match": '"v0"'}).status_code
        == 403
    )
    bad = client.put(
        url, json={**body, "reporting_unit": "组织部\u202e"}, headers={**org, "If-Match": '"v0"'}
    )
    assert bad.status_code == 422
    assert client.get(url, headers=org).headers["ETag"] == '"v0"'
    r = client.put(url, json=body, headers={**org, "If-Match": '"v0"'})
    assert ok(r)["reason"] == "工作需要\n经市委常委会研究"
    assert r.headers["ETag"] == '"v1"'
    assert ok(client.get(url, headers=tokens["auditor"]))["filled_by"] == "王某"
    entries = [
        e for e in candidate_actions(session_factory, cid) if e.action.endswith("form_updated")
    ]
    assert len(entries) == 1
    assert entries[0].payload["case_id"] == d.case["id"]
    # A cadre who is not a candidate of the case has no form there.
    stranger = f"{d.url}/candidates/{outsider}/form"
    assert client.get(stranger, headers=org).status_code == 404
    assert client.put(stranger, json=body, headers={**org, "If-Match": '"v0"'}).status_code == 404
    assert (
        client.get(f"/api/v1/cases/{uuid.uuid4()}/candidates/{cid}/form", headers=org).status_code
        == 404
    )
